"""The FR.IA.01 page (assess_observe) and the per-KUK save (assess_observe_kuk): htmx row,
no-JS form post, conflict, read-only states, access and constant query counts."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessorProfile, ImpartialityDeclaration, Observation
from schemes.models import Criterion
from tests.factories import assessor_assessment, make_scheme_version

S = Assessment.State
pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _page(assessment: Assessment) -> str:
    return reverse("assessments:assess_observe", args=[assessment.pk])


def _save_url(assessment: Assessment, criterion: Criterion) -> str:
    return reverse("assessments:assess_observe_kuk", args=[assessment.pk, criterion.pk])


def _criteria(assessment: Assessment) -> list[Criterion]:
    return list(
        Criterion.objects.filter(
            element__unit__scheme_units__group__version=assessment.scheme_version
        ).order_by("element__unit_id", "element__number", "position")
    )


@pytest.fixture
def assessment(assessor):
    return assessor_assessment(S.PREPARED, assessor=assessor)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def client_as(client, assessor):
    client.force_login(assessor)
    return client


def test_the_page_shows_every_kuk_grouped_by_unit_and_element(client_as, assessment):
    Observation.objects.create(
        assessment=assessment,
        criterion=_criteria(assessment)[0],
        achieved=True,
        recorded_by=assessment.assessor,
    )

    response = client_as.get(_page(assessment))

    assert response.status_code == 200
    html = response.content.decode()
    for criterion in _criteria(assessment):
        assert criterion.text in html
        assert f'id="kuk-{criterion.pk}"' in html
    assert "Element 1: " in html
    assert 'id="ia01-progress" data-observed="1" data-total="8"' in html
    assert "<span data-ia01-observed>1</span>/<span data-ia01-total>4</span>" in html
    assert html.count('hx-post="') == 8
    assert "js/ia01.js" in html
    assert "Keyboard shortcuts" in html


def test_an_htmx_save_returns_the_row_with_the_new_version_and_a_saved_mark(client_as, assessment):
    kuk = _criteria(assessment)[0]

    response = client_as.post(
        _save_url(assessment, kuk), {"achieved": "ya", "note": "", "version": "0"}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="kuk-{kuk.pk}"') or f'id="kuk-{kuk.pk}"' in html
    assert 'name="version" value="1"' in html
    assert "data-ia01-saved" in html
    assert 'id="ia01-progress" hx-swap-oob="true" data-observed="1" data-total="8"' in html
    assert 'hx-swap-oob="true" title="KUK observed" data-ia01-unit-count>' in html
    assert "<span data-ia01-observed>1</span>/<span data-ia01-total>4</span>" in html
    observation = Observation.objects.get(assessment=assessment, criterion=kuk)
    assert (observation.achieved, observation.version) == (True, 1)
    assessment.refresh_from_db()
    assert assessment.state == S.IN_PROGRESS


def test_without_javascript_the_post_reloads_the_page_at_the_row(client_as, assessment):
    kuk = _criteria(assessment)[1]

    response = client_as.post(
        _save_url(assessment, kuk), {"achieved": "tidak", "note": "Belum", "version": "0"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{_page(assessment)}#kuk-{kuk.pk}"
    observation = Observation.objects.get(assessment=assessment, criterion=kuk)
    assert (observation.achieved, observation.note) == (False, "Belum")
    page = client_as.get(response["Location"])
    assert f"KUK {kuk.number} saved." in page.content.decode()


def test_a_second_save_with_the_same_version_gets_409_and_the_stored_answer(client_as, assessment):
    kuk = _criteria(assessment)[0]
    first = {"achieved": "ya", "note": "Lancar", "version": "0"}
    client_as.post(_save_url(assessment, kuk), first, **HTMX)

    response = client_as.post(
        _save_url(assessment, kuk),
        {"achieved": "tidak", "note": "Ragu-ragu", "version": "0"},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Your answer was not saved." in html
    assert "Charlie Asesor saved this KUK meanwhile" in html
    assert "Ragu-ragu" in html  # what was not saved stays visible
    assert 'value="ya" id="kuk-' in html and "checked" in html
    assert 'name="version" value="1"' in html  # the row now builds on the stored version
    assert "Replace it with my answer" in html
    observation = Observation.objects.get(assessment=assessment, criterion=kuk)
    assert (observation.achieved, observation.note, observation.version) == (True, "Lancar", 1)


def test_replacing_after_a_conflict_saves_over_the_stored_version(client_as, assessment):
    kuk = _criteria(assessment)[0]
    client_as.post(_save_url(assessment, kuk), {"achieved": "ya", "version": "0"}, **HTMX)

    response = client_as.post(
        _save_url(assessment, kuk),
        {"achieved": "tidak", "note": "Ragu-ragu", "version": "1"},
        **HTMX,
    )

    assert response.status_code == 200
    assert Observation.objects.get(assessment=assessment, criterion=kuk).achieved is False


def test_without_javascript_a_conflict_is_a_message_with_both_answers(client_as, assessment):
    kuk = _criteria(assessment)[0]
    client_as.post(_save_url(assessment, kuk), {"achieved": "ya", "version": "0"})

    response = client_as.post(
        _save_url(assessment, kuk), {"achieved": "tidak", "version": "0"}, follow=True
    )

    html = response.content.decode()
    assert f"KUK {kuk.number} was not saved" in html
    assert "Your answer was: Tidak" in html
    assert Observation.objects.get(assessment=assessment, criterion=kuk).achieved is True


def test_a_save_without_a_version_is_refused(client_as, assessment):
    kuk = _criteria(assessment)[0]

    response = client_as.post(_save_url(assessment, kuk), {"achieved": "ya"}, **HTMX)

    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_an_empty_answer_is_refused_with_a_message(client_as, assessment):
    kuk = _criteria(assessment)[0]

    response = client_as.post(
        _save_url(assessment, kuk), {"achieved": "", "note": " ", "version": "0"}, **HTMX
    )

    assert response.status_code == 400
    assert "Choose Ya or Tidak." in response.content.decode()
    assert not Observation.objects.exists()


def test_after_the_recommendation_the_checklist_is_read_only(client_as, assessor):
    assessment = assessor_assessment(S.RECOMMENDED, assessor=assessor)
    kuk = _criteria(assessment)[0]

    page = client_as.get(_page(assessment)).content.decode()
    response = client_as.post(
        _save_url(assessment, kuk), {"achieved": "ya", "version": "0"}, **HTMX
    )

    assert "hx-post" not in page
    assert "disabled" in page
    assert "The observation is closed" in page
    assert response.status_code == 400
    assert "not possible while the assessment is Recommended" in response.content.decode()
    assert "hx-post" not in response.content.decode()
    assert not Observation.objects.exists()


def test_before_the_preparation_is_complete_nothing_can_be_recorded(client_as, assessor):
    assessment = assessor_assessment(S.CLEARED, assessor=assessor)

    page = client_as.get(_page(assessment)).content.decode()

    assert "open once the preparation is complete" in page
    assert "hx-post" not in page


def test_another_assessors_candidate_is_not_found(client, other_assessor, assessment):
    client.force_login(other_assessor)
    kuk = _criteria(assessment)[0]

    assert client.get(_page(assessment)).status_code == 404
    response = client.post(_save_url(assessment, kuk), {"achieved": "ya", "version": "0"})
    assert response.status_code == 404
    assert not Observation.objects.exists()


def test_a_candidate_the_assessor_declared_a_conflict_with_is_not_found(client_as, assessment):
    ImpartialityDeclaration.objects.filter(assessment=assessment).update(
        relationship=ImpartialityDeclaration.Relationship.TRAINER, note="Saya melatihnya"
    )

    assert client_as.get(_page(assessment)).status_code == 404


def test_a_kuk_of_another_scheme_is_not_found(client_as, assessment):
    foreign = Criterion.objects.filter(
        element__unit__scheme_units__group__version=make_scheme_version()
    ).first()

    response = client_as.post(
        _save_url(assessment, foreign), {"achieved": "ya", "version": "0"}, **HTMX
    )

    assert response.status_code == 404


def test_an_expired_licence_shows_the_reason_and_no_forms(client_as, assessor, assessment):
    event_day = timezone.localdate(assessment.event.starts_at)
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=event_day - datetime.timedelta(days=1)
    )
    kuk = _criteria(assessment)[0]

    page = client_as.get(_page(assessment)).content.decode()
    response = client_as.post(
        _save_url(assessment, kuk), {"achieved": "ya", "version": "0"}, **HTMX
    )

    assert "Your licence is not valid on the assessment date." in page
    assert "hx-post" not in page
    assert response.status_code == 403
    assert not Observation.objects.exists()


def test_the_pages_need_a_login_and_the_right_method(client, client_as, assessment):
    kuk = _criteria(assessment)[0]
    client.logout()
    assert client.get(_page(assessment)).status_code == 302

    client_as.force_login(assessment.assessor)
    assert client_as.post(_page(assessment)).status_code == 405
    assert client_as.get(_save_url(assessment, kuk)).status_code == 405


def _checklist_queries(client, assessment) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_page(assessment)).status_code == 200
    return len(queries)


def _answer_all(assessment: Assessment, every: int = 2) -> None:
    for criterion in _criteria(assessment)[::every]:
        services.observation_save(
            assessment_id=assessment.pk,
            actor=assessment.assessor,
            criterion_id=criterion.pk,
            achieved=True,
            version=0,
        )


def test_the_page_makes_the_same_queries_for_10_units_and_120_kuk_as_for_2_units(
    client_as, assessor, django_assert_num_queries
):
    small = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    large = assessor_assessment(
        S.IN_PROGRESS,
        assessor=assessor,
        scheme_version=make_scheme_version(units=10, elements=3, criteria=4),
    )
    assert len(_criteria(large)) == 120
    _answer_all(small)
    _answer_all(large)
    # The LSP record is cached after the first page, a published scheme's structure after the
    # first page of that scheme (assessments.selectors.scheme_structure).
    client_as.get(_page(small))
    client_as.get(_page(large))

    assert _checklist_queries(client_as, small) == _checklist_queries(client_as, large)
    # session, user, assessment, answers, licence/scope/impartiality (3)
    with django_assert_num_queries(7):
        client_as.get(_page(large))


def test_saving_a_row_makes_the_same_queries_whatever_the_size(client_as, assessor):
    def save_queries(assessment: Assessment) -> int:
        kuk = _criteria(assessment)[-1]
        with CaptureQueriesContext(connection) as queries:
            response = client_as.post(
                _save_url(assessment, kuk), {"achieved": "ya", "version": "0"}, **HTMX
            )
        assert response.status_code == 200
        return len(queries)

    small = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    large = assessor_assessment(
        S.IN_PROGRESS,
        assessor=assessor,
        scheme_version=make_scheme_version(units=10, elements=3, criteria=4),
    )
    _answer_all(small)
    _answer_all(large)
    # The LSP record is cached after the first page, each published scheme's structure after
    # its first page.
    client_as.get(_page(small))
    client_as.get(_page(large))

    assert save_queries(small) == save_queries(large)

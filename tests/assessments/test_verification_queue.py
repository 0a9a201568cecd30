"""The LSP admin's application queue: who sees it, the default filter, filters and search, the
columns, pagination, constant queries, and no NIK on the list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentEvent, DocumentKind
from tests import factories

S = Assessment.State
QUEUE = reverse("assessments:verification_queue")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _listed(response) -> list[Assessment]:
    return [row["assessment"] for row in response.context["rows"]]


def _submitted_at(assessment: Assessment, when: datetime.datetime) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(submitted_at=when)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["candidate", "assessor", "decision_maker"])
def test_other_roles_are_refused(persona, client, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(QUEUE).status_code == 403


def test_by_default_it_lists_submitted_applications_oldest_first(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    newer = factories.assessment_in_state(S.SUBMITTED, scheme_version=version)
    older = factories.assessment_in_state(S.SUBMITTED, scheme_version=version)
    factories.assessment_in_state(S.DRAFT, scheme_version=version)
    factories.assessment_in_state(S.ACCEPTED, scheme_version=version)
    now = timezone.now()
    _submitted_at(newer, now - datetime.timedelta(hours=1))
    _submitted_at(older, now - datetime.timedelta(days=2))

    response = admin_client.get(QUEUE)

    assert response.status_code == 200
    assert _listed(response) == [older, newer]


def test_any_state_lists_every_application(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    applications = {
        factories.assessment_in_state(state, scheme_version=version)
        for state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.REJECTED)
    }
    assert set(_listed(admin_client.get(QUEUE, {"state": ""}))) == applications


def test_it_filters_by_state(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    returned = factories.assessment_in_state(S.RETURNED, scheme_version=version)
    factories.assessment_in_state(S.SUBMITTED, scheme_version=version)

    assert _listed(admin_client.get(QUEUE, {"state": S.RETURNED})) == [returned]


def test_it_filters_by_scheme_across_its_versions(admin_client):
    mine = factories.assessment_in_state(S.SUBMITTED)
    factories.assessment_in_state(S.SUBMITTED)

    response = admin_client.get(QUEUE, {"scheme": mine.scheme_version.scheme_id})

    assert _listed(response) == [mine]
    # The choice names the scheme by number and title.
    assert mine.scheme_version.title in response.content.decode()


def test_it_filters_by_event(admin_client):
    event = factories.AssessmentEventFactory()
    in_event = factories.assessment_in_state(S.SUBMITTED, scheme_version=event.scheme_version)
    Assessment.objects.filter(pk=in_event.pk).update(event=event)
    factories.assessment_in_state(S.SUBMITTED, scheme_version=event.scheme_version)

    assert _listed(admin_client.get(QUEUE, {"event": event.pk})) == [in_event]


def _event_options(response) -> set[str]:
    return {str(pk) for pk, _label in response.context["filter"].form.fields["event"].choices}


def test_finished_events_are_not_offered_so_the_page_does_not_grow_with_history(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    planned = factories.AssessmentEventFactory(scheme_version=version)
    before = admin_client.get(QUEUE)
    finished = [factories.AssessmentEventFactory(scheme_version=version) for _ in range(30)]
    AssessmentEvent.objects.filter(pk__in=[e.pk for e in finished[:20]]).update(
        status=AssessmentEvent.Status.DONE
    )
    AssessmentEvent.objects.filter(pk__in=[e.pk for e in finished[20:]]).update(
        status=AssessmentEvent.Status.CANCELLED
    )

    after = admin_client.get(QUEUE)

    assert _event_options(before) == _event_options(after) == {"", str(planned.pk)}
    assert len(after.content) == len(before.content)


def test_a_finished_event_can_still_be_chosen_by_its_id(admin_client):
    event = factories.AssessmentEventFactory()
    in_event = factories.assessment_in_state(S.SUBMITTED, scheme_version=event.scheme_version)
    Assessment.objects.filter(pk=in_event.pk).update(event=event)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=AssessmentEvent.Status.DONE)

    response = admin_client.get(QUEUE, {"event": event.pk})

    assert _listed(response) == [in_event]
    assert str(event.pk) in _event_options(response)


def test_it_filters_by_submission_dates(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    january = factories.assessment_in_state(S.SUBMITTED, scheme_version=version)
    march = factories.assessment_in_state(S.SUBMITTED, scheme_version=version)
    jakarta = timezone.get_current_timezone()
    _submitted_at(january, datetime.datetime(2026, 1, 15, 23, 30, tzinfo=jakarta))
    _submitted_at(march, datetime.datetime(2026, 3, 1, 8, 0, tzinfo=jakarta))

    assert _listed(
        admin_client.get(QUEUE, {"submitted_from": "2026-01-15", "submitted_to": "2026-01-15"})
    ) == [january]
    assert _listed(admin_client.get(QUEUE, {"submitted_from": "2026-02-01"})) == [march]
    assert _listed(admin_client.get(QUEUE, {"submitted_to": "2026-02-01"})) == [january]


def test_a_bad_date_is_reported_next_to_the_field(admin_client):
    response = admin_client.get(QUEUE, {"submitted_from": "kemarin"})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors["submitted_from"]
    assert errors
    html = response.content.decode()
    field = html[html.index('id="div_id_submitted_from"') :]
    field = field[: field.index("</div>")]
    assert 'for="id_submitted_from"' in field
    assert 'class="form-control is-invalid"' in field
    assert 'aria-invalid="true"' in field
    assert 'value="kemarin"' in field
    assert f"<strong>{errors[0]}</strong>" in field


def test_the_filter_fields_carry_bootstraps_classes(admin_client):
    html = admin_client.get(QUEUE).content.decode()
    assert '<select name="state" class="form-select" id="id_state">' in html
    assert 'type="search" name="q"' in html
    assert 'class="form-control" id="id_q"' in html
    assert "is-invalid" not in html


def test_it_searches_candidate_name_and_email(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    siti = factories.assessment_in_state(
        S.SUBMITTED,
        scheme_version=version,
        candidate=factories.CandidateUserFactory(
            full_name="Siti Rahayu", email="siti.r@contoh.test"
        ),
    )
    budi = factories.assessment_in_state(
        S.SUBMITTED,
        scheme_version=version,
        candidate=factories.CandidateUserFactory(full_name="Budi Santoso", email="bs@lain.test"),
    )

    assert _listed(admin_client.get(QUEUE, {"q": "rahayu"})) == [siti]
    assert _listed(admin_client.get(QUEUE, {"q": "lain.test"})) == [budi]
    assert _listed(admin_client.get(QUEUE, {"q": "siti contoh"})) == [siti]
    assert _listed(admin_client.get(QUEUE, {"q": "nobody"})) == []


def test_the_nik_is_never_shown_nor_searchable(admin_client):
    assessment = factories.make_submitted_application()
    nik = assessment.candidate.candidate_profile.nik

    response = admin_client.get(QUEUE)
    assert _listed(response) == [assessment]
    assert nik not in response.content.decode()

    assert _listed(admin_client.get(QUEUE, {"q": nik})) == []


def test_the_columns_show_documents_payment_and_returns(admin_client, admin_user):
    assessment = factories.make_submitted_application(
        required_documents=("photo", "ktp", "ijazah"), fee=500_000
    )
    row = admin_client.get(QUEUE).context["rows"][0]
    assert (row["documents_present"], row["documents_required"]) == (3, 3)
    assert row["payment"] == "uploaded"
    assert row["assessment"].returned_count == 0

    # Returned twice, with the payment confirmed in between.
    services.application_confirm_payment(assessment_id=assessment.pk, actor=admin_user)
    for _ in range(2):
        services.application_return(
            assessment_id=assessment.pk, actor=admin_user, note="Perbaiki", sections=["apl01"]
        )
        services.application_update(
            assessment_id=assessment.pk,
            actor=assessment.candidate,
            purpose=Assessment.Purpose.CERTIFICATION,
        )
        services.application_submit(assessment_id=assessment.pk, actor=assessment.candidate)

    response = admin_client.get(QUEUE)
    row = response.context["rows"][0]
    assert row["payment"] == "confirmed"
    assert row["assessment"].returned_count == 2
    assert "returned 2 times" in response.content.decode()


def test_the_documents_column_counts_only_required_documents(admin_client):
    assessment = factories.assessment_in_state(
        S.SUBMITTED,
        scheme_version=factories.make_scheme_version(
            units=1, elements=1, required_documents=["photo", "ktp"]
        ),
    )
    factories.ApplicationDocumentFactory(assessment=assessment, kind="ktp")
    factories.ApplicationDocumentFactory(assessment=assessment, kind=DocumentKind.TRAINING)
    factories.ApplicationDocumentFactory(
        assessment=assessment, kind="photo", replaced_at=timezone.now()
    )

    row = admin_client.get(QUEUE).context["rows"][0]

    assert (row["documents_present"], row["documents_required"]) == (1, 2)
    assert row["payment"] is None


def test_it_pages_by_25(admin_client):
    version = factories.make_scheme_version(units=1, elements=1)
    for _ in range(27):
        factories.assessment_in_state(S.SUBMITTED, scheme_version=version)

    first = admin_client.get(QUEUE)
    second = admin_client.get(QUEUE, {"page": 2})

    assert len(_listed(first)) == 25
    assert len(_listed(second)) == 2
    assert not set(_listed(first)) & set(_listed(second))


def _fill_queue(count: int, version) -> None:
    for _ in range(count):
        assessment = factories.assessment_in_state(S.RETURNED, scheme_version=version)
        services.assessment_submit(assessment_id=assessment.pk, actor=assessment.candidate)
        for kind in ("photo", "ktp", DocumentKind.PAYMENT):
            factories.ApplicationDocumentFactory(assessment=assessment, kind=kind)


def test_the_queue_makes_the_same_number_of_queries_for_5_and_30_rows(
    admin_client, django_assert_num_queries
):
    version = factories.make_scheme_version(
        units=1, elements=1, required_documents=["photo", "ktp"], fee=100_000
    )
    _fill_queue(5, version)
    admin_client.get(QUEUE)  # the first page view of a session also caches the LSP record
    # session, user, the session's two-factor device, count, page, current documents, scheme and
    # event choices (the session is saved at most once a minute: certification/sessions.py)
    with django_assert_num_queries(8):
        assert len(_listed(admin_client.get(QUEUE))) == 5

    _fill_queue(25, version)
    with django_assert_num_queries(8):
        assert len(_listed(admin_client.get(QUEUE))) == 25

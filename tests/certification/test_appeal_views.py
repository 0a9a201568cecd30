"""The appeal page (/appeals/<assessment_pk>/new/, FR.AK.04)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from certification.models import Appeal
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _setup(client, settings):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def decided():
    return factories.assessment_in_state(S.DECIDED)


def _url(assessment: Assessment) -> str:
    return reverse("appeal_new", args=[assessment.pk])


def _tracker(assessment: Assessment) -> str:
    return reverse("assessments:application", args=[assessment.pk])


DATA = {
    "process_explained": "yes",
    "discussed_with_assessor": "no",
    "involved_other_person": "yes",
    "other_person_name": "Budi Santoso",
    "reason": "Unit 2 dinilai BK padahal bukti lengkap.",
}


def _close_window(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=14, minutes=1)
    )


def test_the_form_asks_the_three_questions_and_the_reason(client, decided):
    client.force_login(decided.candidate)
    html = client.get(_url(decided)).content.decode()
    for name in (
        "process_explained",
        "discussed_with_assessor",
        "involved_other_person",
        "other_person_name",
        "reason",
    ):
        assert f'name="{name}"' in html
    assert 'name="status"' not in html and 'name="filed_by"' not in html


def test_the_candidate_files_an_appeal(client, decided):
    client.force_login(decided.candidate)
    response = client.post(_url(decided), DATA)
    assert response.status_code == 302 and response["Location"] == _tracker(decided)
    appeal = Appeal.objects.get()
    assert appeal.assessment == decided and appeal.filed_by == decided.candidate
    assert appeal.process_explained and not appeal.discussed_with_assessor
    assert appeal.involved_other_person and appeal.other_person_name == "Budi Santoso"
    assert appeal.status == Appeal.Status.FILED
    assert "Your appeal was filed." in client.get(_tracker(decided)).content.decode()


def test_privileged_fields_in_the_post_are_ignored(client, decided, other_candidate):
    client.force_login(decided.candidate)
    client.post(_url(decided), {**DATA, "status": "upheld", "filed_by": other_candidate.pk})
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.FILED and appeal.filed_by == decided.candidate


def test_after_filing_the_page_shows_the_appeal_being_handled(client, decided):
    client.force_login(decided.candidate)
    client.post(_url(decided), DATA)
    html = client.get(_url(decided)).content.decode()
    assert 'id="appeal-filed"' in html and "Status: Filed" in html
    assert 'name="reason"' not in html
    response = client.post(_url(decided), DATA, follow=True)
    assert "Your earlier appeal on this assessment is still being handled." in (
        response.content.decode()
    )
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(
    ("missing", "error"),
    [("reason", "This field is required."), ("process_explained", "Choose Yes or No.")],
)
def test_missing_answers_are_shown_and_the_rest_is_kept(client, decided, missing, error):
    client.force_login(decided.candidate)
    data = {k: v for k, v in DATA.items() if k != missing}
    response = client.post(_url(decided), data)
    html = response.content.decode()
    assert response.status_code == 200 and error in html
    assert "Budi Santoso" in html
    assert not Appeal.objects.exists()


def test_a_blank_reason_is_refused(client, decided):
    client.force_login(decided.candidate)
    response = client.post(_url(decided), {**DATA, "reason": "   "})
    assert response.status_code == 200
    assert not Appeal.objects.exists()


def test_after_the_window_the_page_has_no_form(client, decided):
    _close_window(decided)
    client.force_login(decided.candidate)
    html = client.get(_url(decided)).content.decode()
    assert 'id="appeal-closed"' in html and "appeal period ended" in html
    assert 'name="reason"' not in html


def test_after_the_window_a_direct_post_is_refused_with_a_clear_message(client, decided):
    _close_window(decided)
    client.force_login(decided.candidate)
    response = client.post(_url(decided), DATA)
    assert response.status_code == 302 and response["Location"] == _tracker(decided)
    assert not Appeal.objects.exists()
    html = client.get(_tracker(decided)).content.decode()
    assert "The appeal period ended on" in html and "can no longer be filed" in html


@pytest.mark.parametrize("state", [S.RECOMMENDED, S.REPORTED, S.WITHDRAWN])
def test_before_the_decision_there_is_no_form_and_a_post_is_refused(client, state):
    assessment = factories.assessment_in_state(state)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert "once the certification decision has been made" in html
    assert 'name="reason"' not in html
    response = client.post(_url(assessment), DATA, follow=True)
    assert "once the certification decision has been made" in response.content.decode()
    assert not Appeal.objects.exists()


def test_another_candidate_gets_a_404(client, decided, other_candidate):
    client.force_login(other_candidate)
    assert client.get(_url(decided)).status_code == 404
    assert client.post(_url(decided), DATA).status_code == 404
    assert not Appeal.objects.exists()


def test_an_admin_gets_a_404_too(client, decided, admin_user):
    # Appeals are filed by the candidate; admins handle them in the admin console.
    client.force_login(admin_user)
    assert client.post(_url(decided), DATA).status_code == 404
    assert not Appeal.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, decided):
    response = client.post(_url(decided), DATA)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Appeal.objects.exists()


def test_htmx_gets_the_body_and_a_client_redirect_after_filing(client, decided):
    client.force_login(decided.candidate)
    html = client.get(_url(decided), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="appeal-body"') and "<html" not in html
    response = client.post(_url(decided), DATA, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == _tracker(decided)
    assert Appeal.objects.count() == 1


def test_the_tracker_button_leads_here_only_inside_the_window(client, decided):
    client.force_login(decided.candidate)
    assert f'href="{_url(decided)}"' in client.get(_tracker(decided)).content.decode()
    _close_window(decided)
    assert _url(decided) not in client.get(_tracker(decided)).content.decode()

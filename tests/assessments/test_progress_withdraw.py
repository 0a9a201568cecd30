"""The withdraw page: confirm with a reason, only before the assessment starts."""

import pytest
from django.urls import reverse

from assessments.models import Assessment
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(assessment: Assessment) -> str:
    return reverse("assessments:withdraw", args=[assessment.pk])


def _tracker(assessment: Assessment) -> str:
    return reverse("assessments:application", args=[assessment.pk])


def test_the_page_asks_for_a_reason_and_changes_nothing(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert 'name="reason"' in html and "data-confirm" in html
    assessment.refresh_from_db()
    assert assessment.state == S.SCHEDULED


def test_the_candidate_withdraws_with_a_reason(client):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    client.force_login(assessment.candidate)
    response = client.post(_url(assessment), {"reason": "Mendapat tugas ke luar kota"})
    assert response.status_code == 302 and response["Location"] == _tracker(assessment)
    assessment.refresh_from_db()
    assert assessment.state == S.WITHDRAWN
    assert assessment.state_note == "Mendapat tugas ke luar kota"
    assert assessment.history.first().history_change_reason.startswith("withdrawn:")
    assert "You withdrew your application." in client.get(_tracker(assessment)).content.decode()


def test_a_blank_reason_is_shown_next_to_the_field(client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    client.force_login(assessment.candidate)
    response = client.post(_url(assessment), {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (S.IN_PROGRESS, "The assessment has started; ask the LSP to withdraw it."),
        (S.RECOMMENDED, "The assessment has started; ask the LSP to withdraw it."),
        (S.DECIDED, "This application is already closed"),
        (S.WITHDRAWN, "This application is already closed"),
    ],
)
def test_too_late_the_page_explains_and_a_post_is_refused(client, state, message):
    assessment = factories.assessment_in_state(state)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert message in html and 'name="reason"' not in html
    response = client.post(_url(assessment), {"reason": "Sakit"}, follow=True)
    assert message in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == state


def test_another_candidate_gets_a_404(client, other_candidate):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    client.force_login(other_candidate)
    assert client.get(_url(assessment)).status_code == 404
    assert client.post(_url(assessment), {"reason": "Iseng"}).status_code == 404
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    response = client.post(_url(assessment), {"reason": "Sakit"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_htmx_gets_the_body_and_a_client_redirect_after_withdrawing(client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="withdraw-body"') and "<html" not in html
    response = client.post(_url(assessment), {"reason": "Sakit"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == _tracker(assessment)
    assessment.refresh_from_db()
    assert assessment.state == S.WITHDRAWN

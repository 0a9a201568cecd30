"""The FR.AK.03 feedback page, and the result once decided."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import AK03_ITEMS, Assessment, CandidateFeedback
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State
N = len(AK03_ITEMS)


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(assessment: Assessment) -> str:
    return reverse("assessments:feedback", args=[assessment.pk])


def _answers(**overrides) -> dict:
    data = {f"answer_{i}": "yes" for i in range(N)}
    data.update({f"comment_{i}": "" for i in range(N)})
    data["notes"] = ""
    data.update(overrides)
    return data


def test_the_form_lists_the_nine_statements(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    for i, item in enumerate(AK03_ITEMS):
        assert str(item) in html
        assert f'name="answer_{i}"' in html and f'name="comment_{i}"' in html
    # No assessor feedback model yet: nothing, not even a placeholder, is shown for it.
    assert "assessor's feedback" not in html.lower()
    assert 'id="result"' not in html


def test_the_candidate_sends_feedback_and_then_sees_it_read_only(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(assessment.candidate)
    response = client.post(
        _url(assessment),
        _answers(answer_4="no", comment_4="Keputusan tidak dijelaskan", notes="Terima kasih"),
    )
    assert response.status_code == 302 and response["Location"] == _url(assessment)
    feedback = CandidateFeedback.objects.get(assessment=assessment)
    assert feedback.answers == [True, True, True, True, False, True, True, True, True]
    assert feedback.comments[4] == "Keputusan tidak dijelaskan"
    assert feedback.notes == "Terima kasih"
    html = client.get(_url(assessment)).content.decode()
    assert 'id="feedback-sent"' in html and 'name="answer_0"' not in html
    assert "Keputusan tidak dijelaskan" in html and "Thank you: your feedback was sent." in html


def test_a_missing_answer_is_shown_next_to_it_and_the_rest_is_kept(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(assessment.candidate)
    data = _answers(comment_1="Tetap ada", notes="Catatan saya")
    del data["answer_3"]
    response = client.post(_url(assessment), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose Yes or No." in html
    assert 'value="Tetap ada"' in html and "Catatan saya" in html
    assert not CandidateFeedback.objects.exists()


def test_a_forged_answer_value_is_refused(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(assessment.candidate)
    response = client.post(_url(assessment), _answers(answer_0="maybe"))
    assert response.status_code == 200
    assert not CandidateFeedback.objects.exists()


def test_feedback_is_sent_only_once(client):
    assessment = factories.assessment_in_state(S.REPORTED)
    client.force_login(assessment.candidate)
    client.post(_url(assessment), _answers())
    response = client.post(_url(assessment), _answers(answer_0="no"), follow=True)
    assert "You have already sent your feedback." in response.content.decode()
    assert CandidateFeedback.objects.get().answers[0] is True


@pytest.mark.parametrize("state", [S.DRAFT, S.SCHEDULED, S.IN_PROGRESS, S.WITHDRAWN])
def test_before_the_recommendation_the_page_sends_back_to_the_tracker(client, state):
    assessment = factories.assessment_in_state(state)
    client.force_login(assessment.candidate)
    tracker = reverse("assessments:application", args=[assessment.pk])
    for response in (client.get(_url(assessment)), client.post(_url(assessment), _answers())):
        assert response.status_code == 302 and response["Location"] == tracker
    assert not CandidateFeedback.objects.exists()
    followed = client.get(_url(assessment), follow=True).content.decode()
    assert "Feedback opens once the assessor has given the result." in followed


def test_once_decided_the_page_shows_the_result_and_the_appeal_link(client, settings):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14
    assessment = factories.assessment_in_state(S.DECIDED)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert 'id="result"' in html and "Decided" in html
    assert reverse("appeal_new", args=[assessment.pk]) in html
    # The feedback form is still open after the decision.
    assert 'name="answer_0"' in html


def test_after_the_window_the_result_has_no_appeal_link(client, settings):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14
    assessment = factories.assessment_in_state(S.DECIDED)
    Assessment.objects.filter(pk=assessment.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=20)
    )
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert 'id="result"' in html
    assert "/appeals/" not in html


def test_once_recommended_the_candidate_reads_k_bk_reason_and_feedback_per_unit(
    client, assessor, other_candidate
):
    assessment = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    factories.decide_all_units(assessment, bk=(1,))
    services.recommendation_submit(assessment_id=assessment.pk, actor=assessor)
    first, second = factories.scheme_units(assessment)
    client.force_login(assessment.candidate)

    html = client.get(_url(assessment)).content.decode()

    results = html[html.index('id="unit-results"') :]
    assert results.index(first.code) < results.index(second.code)  # the scheme's order
    first_row = results[results.index(first.code) : results.index(second.code)]
    assert "K · Kompeten" in first_row and "BK" not in first_row
    second_row = results[results.index(second.code) :]
    assert "BK · Belum Kompeten" in second_row
    assert "KUK belum tampak konsisten" in second_row
    assert f"Ulangi unit {second.code}" in second_row
    assert html.count("Anda menunjukkan langkah kerja yang runtut.") == 2

    client.force_login(other_candidate)
    assert client.get(_url(assessment)).status_code == 404


def test_before_the_recommendation_no_unit_result_is_shown(client, assessor):
    assessment = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    factories.decide_all_units(assessment)
    client.force_login(assessment.candidate)

    response = client.get(_url(assessment))

    assert response.status_code == 302
    assert 'id="unit-results"' not in client.get(response.url).content.decode()


def test_another_candidate_gets_a_404(client, other_candidate):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(other_candidate)
    assert client.get(_url(assessment)).status_code == 404
    assert client.post(_url(assessment), _answers()).status_code == 404
    assert not CandidateFeedback.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    response = client.post(_url(assessment), _answers())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not CandidateFeedback.objects.exists()


def test_htmx_gets_the_body_and_a_client_redirect_after_sending(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="feedback-body">') and "<html" not in html
    response = client.post(_url(assessment), _answers(), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == _url(assessment)
    assert CandidateFeedback.objects.filter(assessment=assessment).exists()


def test_the_service_error_reaches_the_form(client, monkeypatch):
    # A refusal raised by the service (here: someone else sent it in between) is shown, not a 500.
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    client.force_login(assessment.candidate)
    real = services.feedback_submit

    def sent_in_between(**kwargs):
        real(**kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "feedback_submit", sent_in_between)
    response = client.post(_url(assessment), _answers())
    assert response.status_code == 200
    assert "You have already sent your feedback." in response.content.decode()

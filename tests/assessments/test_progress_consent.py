"""The FR.AK.01 consent page: statements, agreed evidence, when and where, the candidate's sign."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import TUK, Assessment, ConsentTerms, Signature
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(assessment: Assessment) -> str:
    return reverse("assessments:consent", args=[assessment.pk])


def _post(client, assessment: Assessment, **data):
    client.force_login(assessment.candidate)
    payload = {"typed_name": assessment.candidate.full_name, "agreed": "on", **data}
    return client.post(_url(assessment), payload, REMOTE_ADDR="203.0.113.9")


def test_the_page_shows_the_statements_the_default_evidence_and_the_schedule(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    tuk = assessment.event.tuk
    tuk.time_zone, tuk.name = TUK.Zone.WIT, "TUK Jayapura"
    tuk.save()
    event = assessment.event
    # 00:00 UTC is 09:00 in Jayapura (WIT, UTC+9).
    event.starts_at = datetime.datetime(2031, 6, 2, 0, 0, tzinfo=datetime.UTC)
    event.ends_at = event.starts_at + datetime.timedelta(hours=6)
    event.save()
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert "appeal procedure" in html
    assert "will not disclose the results" in html
    assert "professional development" in html
    for method in ConsentTerms.DEFAULT_METHODS:
        assert str(ConsentTerms.Method(method).label) in html
    assert "09:00–15:00 WIT" in html and "TUK Jayapura" in html
    assert 'name="typed_name"' in html and 'name="agreed"' in html
    # Nothing is stored by looking at the page.
    assert not ConsentTerms.objects.exists()


def test_the_page_shows_the_evidence_the_assessor_agreed(client):
    assessment = factories.assessment_in_state(S.CLEARED)
    ConsentTerms.objects.create(
        assessment=assessment, methods=["tertulis", "wawancara"], other_method="Studi kasus"
    )
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    section = html[html.index('id="consent-methods"') :]
    section = section[: section.index("</ul>")]
    assert "Written questions" in section and "Interview" in section and "Studi kasus" in section
    assert "Direct observation" not in section


def test_the_candidate_signs_and_sees_who_signed_when(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    response = _post(client, assessment)
    assert response.status_code == 302 and response["Location"] == _url(assessment)
    signature = Signature.objects.get()
    assert signature.signer == assessment.candidate
    assert signature.role == Signature.Role.CANDIDATE
    assert signature.ip_address == "203.0.113.9"
    html = client.get(_url(assessment)).content.decode()
    assert 'id="consent-signatures"' in html and assessment.candidate.full_name in html
    assert 'name="typed_name"' not in html
    assert "You signed FR.AK.01" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"agreed": ""}, "Tick the box"),
        ({"typed_name": "Nama Lain"}, "Type your full name exactly as registered"),
        ({"typed_name": ""}, "This field is required"),
    ],
)
def test_bad_input_shows_an_error_next_to_the_field_and_signs_nothing(client, data, error):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    response = _post(client, assessment, **data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Signature.objects.exists()


def test_a_second_signature_is_refused_with_a_message(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    _post(client, assessment)
    response = _post(client, assessment, typed_name=assessment.candidate.full_name)
    assert response.status_code == 302
    assert Signature.objects.count() == 1
    assert "You have already signed." in client.get(_url(assessment)).content.decode()


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.WITHDRAWN])
def test_before_scheduling_the_page_sends_back_to_the_tracker(client, state):
    assessment = factories.assessment_in_state(state)
    client.force_login(assessment.candidate)
    for response in (client.get(_url(assessment)), _post(client, assessment)):
        assert response.status_code == 302
        assert response["Location"] == reverse("assessments:application", args=[assessment.pk])
    assert not Signature.objects.exists()
    followed = client.get(_url(assessment), follow=True).content.decode()
    assert "Consent is given once the assessment is scheduled." in followed


@pytest.mark.parametrize("state", [S.PREPARED, S.DECIDED])
def test_after_the_consent_states_the_page_is_read_only(client, state):
    assessment = factories.assessment_in_state(state)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment)).content.decode()
    assert 'name="typed_name"' not in html
    response = _post(client, assessment)
    assert response.status_code == 302
    assert not Signature.objects.exists()


def test_another_candidate_gets_a_404(client, other_candidate):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    client.force_login(other_candidate)
    assert client.get(_url(assessment)).status_code == 404
    assert (
        client.post(
            _url(assessment), {"typed_name": other_candidate.full_name, "agreed": "on"}
        ).status_code
        == 404
    )
    assert not Signature.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    response = client.get(_url(assessment))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_htmx_gets_the_body_and_a_client_redirect_after_signing(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    client.force_login(assessment.candidate)
    html = client.get(_url(assessment), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="consent-body"') and "<html" not in html
    bad = client.post(_url(assessment), {"typed_name": "X"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and bad.content.decode().lstrip().startswith("<div")
    good = client.post(
        _url(assessment),
        {"typed_name": assessment.candidate.full_name, "agreed": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert good["HX-Redirect"] == _url(assessment)
    assert Signature.objects.count() == 1

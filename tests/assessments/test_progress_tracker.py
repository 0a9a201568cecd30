"""The candidate's progress tracker (/assessments/<pk>/) and the list of applications."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import TUK, Assessment, Notification
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English text; the pages are Indonesian by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(assessment: Assessment) -> str:
    return reverse("assessments:application", args=[assessment.pk])


def _next_step(response) -> str:
    match = re.search(r'data-next-step="([a-z_0-9]+)"', response.content.decode())
    assert match, "the tracker shows no next step"
    return match.group(1)


def _actions(response) -> dict[str, str]:
    """The call-to-action buttons of the next-step card: key -> href."""
    html = response.content.decode()
    card = html[
        html.index('id="next-step"') : html.index("</section>", html.index('id="next-step"'))
    ]
    return {
        key: href
        for href, key in re.findall(
            r'<a class="btn[^"]*" href="([^"]+)" data-action="([^"]+)"', card
        )
    }


def _get(client, assessment: Assessment, **extra):
    client.force_login(assessment.candidate)
    response = client.get(_url(assessment), **extra)
    assert response.status_code == 200
    return response


def _sign(assessment: Assessment) -> None:
    services.consent_sign(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        typed_name=assessment.candidate.full_name,
        agreed=True,
    )


# --- next step for every state -------------------------------------------------------------------


def _pages(pk: int) -> dict[str, str]:
    return {
        "profile": "/assessments/profile/",
        "edit": f"/assessments/{pk}/edit/",
        "submit": f"/assessments/{pk}/submit/",
        "consent": f"/assessments/{pk}/consent/",
        "feedback": f"/assessments/{pk}/feedback/",
        "evidence": f"/assessments/{pk}/evidence/",
        "appeal": f"/appeals/{pk}/new/",
    }


@pytest.mark.parametrize(
    ("state", "key", "actions"),
    [
        (S.DRAFT, "profile", {"profile": "profile"}),
        (S.SUBMITTED, "wait_check", {}),
        (S.RETURNED, "revise", {"revise_apl01": "edit", "submit": "submit"}),
        (S.ACCEPTED, "wait_schedule", {}),
        (S.REJECTED, "rejected", {}),
        (S.SCHEDULED, "consent", {"consent": "consent"}),
        (S.CLEARED, "consent", {"consent": "consent"}),
        (S.PREPARED, "wait_assessment", {}),
        (S.IN_PROGRESS, "in_progress", {}),
        (S.RECOMMENDED, "feedback", {"feedback": "feedback"}),
        (S.REPORTED, "feedback", {"feedback": "feedback"}),
        (
            S.DECIDED,
            "decided",
            {"result": "feedback", "appeal": "appeal", "feedback": "feedback"},
        ),
        (S.REOPENED, "reopened", {}),
        (S.ABSENT, "closed", {}),
        (S.WITHDRAWN, "closed", {}),
    ],
)
def test_the_tracker_names_the_next_step_of_every_state(client, state, key, actions):
    # The factory's draft candidate has no profile yet: that is the first thing to do.
    assessment = factories.assessment_in_state(state)
    response = _get(client, assessment)
    assert _next_step(response) == key
    pages = _pages(assessment.pk)
    assert _actions(response) == {action: pages[page] for action, page in actions.items()}


def test_after_signing_the_candidate_waits_for_the_assessment(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    _sign(assessment)
    response = _get(client, assessment)
    assert _next_step(response) == "wait_assessment"
    assert _actions(response) == {}
    assert f"Signed by {assessment.candidate.full_name} (Candidate)" in response.content.decode()


@pytest.mark.parametrize("state", [S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.REOPENED])
def test_an_open_evidence_request_becomes_the_next_step(client, state):
    assessment = factories.assessment_in_state(state)
    if state == S.CLEARED:
        _sign(assessment)
    factories.EvidenceRequestFactory(
        assessment=assessment, requested_by=assessment.assessor, what="Foto instalasi kabel"
    )
    response = _get(client, assessment)
    assert _next_step(response) == "evidence_request"
    assert _actions(response) == {"evidence_request": _pages(assessment.pk)["evidence"]}
    assert "Foto instalasi kabel" in response.content.decode()


def test_an_answered_request_is_no_longer_a_next_step(client):
    assessment = factories.assessment_in_state(S.PREPARED)
    factories.EvidenceRequestFactory(
        assessment=assessment, requested_by=assessment.assessor, answered_at=timezone.now()
    )
    assert _next_step(_get(client, assessment)) == "wait_assessment"


def test_after_feedback_the_candidate_waits_for_the_decision(client):
    assessment = factories.assessment_in_state(S.RECOMMENDED)
    services.feedback_submit(
        assessment_id=assessment.pk, actor=assessment.candidate, answers=[True] * 9, comments=[]
    )
    response = _get(client, assessment)
    assert _next_step(response) == "wait_decision"
    assert _actions(response) == {}


def test_the_appeal_button_is_gone_after_the_window(client, settings):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14
    assessment = factories.assessment_in_state(S.DECIDED)
    assert "appeal" in _actions(_get(client, assessment))
    Assessment.objects.filter(pk=assessment.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=15)
    )
    actions = _actions(_get(client, assessment))
    assert "appeal" not in actions
    assert "/appeals/" not in _get(client, assessment).content.decode()


# --- the draft's checklist -----------------------------------------------------------------------


@pytest.fixture
def draft(candidate):
    version = factories.make_scheme_version(units=1, elements=2, required_documents=["ktp"])
    return services.application_start(
        candidate=candidate, scheme_version=version, purpose=Assessment.Purpose.CERTIFICATION
    )


def test_a_draft_leads_through_documents_apl02_evidence_then_submit(client, draft):
    pk, candidate = draft.pk, draft.candidate
    assert _next_step(_get(client, draft)) == "documents"
    assert _actions(_get(client, draft)) == {"documents": f"/assessments/{pk}/documents/"}

    services.document_upload(
        assessment_id=pk, actor=candidate, kind="ktp", uploaded=factories.pdf_upload("ktp.pdf")
    )
    assert _next_step(_get(client, draft)) == "apl02"
    assert "0 of 2 elements answered" in _get(client, draft).content.decode()

    elements = list(Element.objects.filter(unit__scheme_units__group__version=draft.scheme_version))
    for element in elements:
        services.self_assessment_save(
            assessment_id=pk, actor=candidate, element_id=element.pk, answer="K", evidence_ids=[]
        )
    response = _get(client, draft)
    assert _next_step(response) == "evidence"
    assert _actions(response) == {"evidence": f"/assessments/{pk}/evidence/"}

    evidence = services.evidence_upload(
        assessment_id=pk, actor=candidate, title="Laporan", uploaded=factories.pdf_upload()
    )
    for element in elements:
        services.self_assessment_save(
            assessment_id=pk,
            actor=candidate,
            element_id=element.pk,
            answer="K",
            evidence_ids=[evidence.pk],
        )
    response = _get(client, draft)
    assert _next_step(response) == "submit"
    assert _actions(response) == {"submit": f"/assessments/{pk}/submit/"}
    # The checklist agrees with what the submit service checks.
    assert services.application_problems(draft) == []


def test_a_returned_application_shows_the_note_and_links_each_section(client, admin_user):
    assessment = factories.make_submitted_application()
    services.assessment_return(
        assessment_id=assessment.pk,
        actor=admin_user,
        note="Foto KTP buram, unggah ulang.",
        sections=["documents", "apl02"],
    )
    assessment.refresh_from_db()
    response = _get(client, assessment)
    html = response.content.decode()
    assert "Foto KTP buram, unggah ulang." in html
    assert f'href="/assessments/{assessment.pk}/documents/"' in html
    assert _actions(response) == {
        "revise_documents": f"/assessments/{assessment.pk}/documents/",
        "revise_apl02": f"/assessments/{assessment.pk}/apl02/",
        "submit": f"/assessments/{assessment.pk}/submit/",
    }


# --- schedule, timeline, notifications -----------------------------------------------------------


def test_the_schedule_is_shown_in_the_tuks_time_zone(client, assessor):
    assessment = factories.assessment_in_state(S.SCHEDULED, assessor=assessor)
    event = assessment.event
    tuk = event.tuk
    tuk.time_zone, tuk.name, tuk.address = TUK.Zone.WITA, "TUK Politeknik Makassar", "Jl. Perintis"
    tuk.save()
    # 01:30 UTC is 09:30 in Makassar (WITA, UTC+8) and 08:30 in Jakarta.
    starts = datetime.datetime(2031, 3, 4, 1, 30, tzinfo=datetime.UTC)
    event.starts_at, event.ends_at = starts, starts + datetime.timedelta(hours=7)
    event.save()
    html = _get(client, assessment).content.decode()
    assert "09:30–16:30 WITA" in html
    assert "08:30" not in html
    assert "TUK Politeknik Makassar" in html and "Jl. Perintis" in html
    assert "Charlie Asesor" in html


def test_the_timeline_shows_each_state_reached_with_its_date_and_the_steps_ahead(client):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    html = _get(client, assessment).content.decode()
    reached = re.findall(r'data-state="([a-z_]+)" data-reached="1"', html)
    ahead = re.findall(r'data-state="([a-z_]+)" data-reached="0"', html)
    assert reached == [S.DRAFT, S.SUBMITTED, S.ACCEPTED]
    assert ahead[0] == S.SCHEDULED and ahead[-1] == S.DECIDED
    assert html.count("<time datetime=") >= 3


def test_a_closed_application_shows_no_steps_ahead(client):
    html = _get(client, factories.assessment_in_state(S.WITHDRAWN)).content.decode()
    assert 'data-reached="0"' not in html


def test_the_tracker_lists_only_the_candidates_own_notifications(client, other_candidate):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    Notification.objects.create(recipient=other_candidate, title="Rahasia orang lain")
    html = _get(client, assessment).content.decode()
    assert "Rahasia orang lain" not in html
    assert Notification.objects.filter(recipient=assessment.candidate).exists()
    for notification in Notification.objects.filter(recipient=assessment.candidate):
        assert notification.title in html


def test_withdrawal_is_offered_only_before_the_assessment_starts(client):
    before = factories.assessment_in_state(S.SCHEDULED)
    started = factories.assessment_in_state(S.IN_PROGRESS)
    assert f"/assessments/{before.pk}/withdraw/" in _get(client, before).content.decode()
    assert f"/assessments/{started.pk}/withdraw/" not in _get(client, started).content.decode()


# --- access and htmx -----------------------------------------------------------------------------


def test_another_candidates_tracker_is_a_404(client, other_candidate):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    client.force_login(other_candidate)
    assert client.get(_url(assessment)).status_code == 404


def test_the_assessor_gets_a_404_on_the_candidates_tracker(client, assessor):
    assessment = factories.assessment_in_state(S.SCHEDULED, assessor=assessor)
    client.force_login(assessor)
    assert client.get(_url(assessment)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    for url in (_url(assessment), reverse("assessments:applications")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_tracker_refuses_post(client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    client.force_login(assessment.candidate)
    assert client.post(_url(assessment)).status_code == 405


def test_an_htmx_request_gets_only_the_tracker(client):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    html = _get(client, assessment, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="tracker">')
    assert "<html" not in html and 'data-next-step="consent"' in html


# --- constant queries ----------------------------------------------------------------------------


def _complete_draft(units: int) -> Assessment:
    candidate = factories.CandidateProfileFactory().user
    version = factories.make_scheme_version(units=units, elements=2, required_documents=["ktp"])
    assessment = services.application_start(
        candidate=candidate, scheme_version=version, purpose=Assessment.Purpose.CERTIFICATION
    )
    services.document_upload(
        assessment_id=assessment.pk, actor=candidate, kind="ktp", uploaded=factories.pdf_upload()
    )
    evidence = services.evidence_upload(
        assessment_id=assessment.pk, actor=candidate, title="Bukti", uploaded=factories.pdf_upload()
    )
    for element in Element.objects.filter(unit__scheme_units__group__version=version):
        services.self_assessment_save(
            assessment_id=assessment.pk,
            actor=candidate,
            element_id=element.pk,
            answer="K",
            evidence_ids=[evidence.pk],
        )
    return assessment


def _count_queries(client, assessment: Assessment) -> int:
    client.force_login(assessment.candidate)
    # A first request fills the per-process caches (content types, the LSP record) so that both
    # counts measure the page itself.
    client.get(_url(assessment))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(assessment)).status_code == 200
    return len(queries)


# Session, user, assessment, the draft's checklist (4 counts), notifications, history, and the
# session save; a decided record skips the checklist but reads signatures, feedback and requests.
DRAFT_TRACKER_QUERIES = 12
DECIDED_TRACKER_QUERIES = 10


def test_the_tracker_of_a_draft_costs_the_same_for_10_units_as_for_2(
    client, django_assert_max_num_queries
):
    small, large = _complete_draft(2), _complete_draft(10)
    assert _count_queries(client, small) == _count_queries(client, large)
    client.force_login(large.candidate)
    with django_assert_max_num_queries(DRAFT_TRACKER_QUERIES):
        client.get(_url(large))


def test_the_tracker_of_a_decided_assessment_costs_the_same_for_10_units_as_for_2(
    client, django_assert_max_num_queries
):
    small = factories.assessment_in_state(
        S.DECIDED, scheme_version=factories.make_scheme_version(units=2)
    )
    large = factories.assessment_in_state(
        S.DECIDED, scheme_version=factories.make_scheme_version(units=10)
    )
    assert _count_queries(client, small) == _count_queries(client, large)
    client.force_login(large.candidate)
    with django_assert_max_num_queries(DECIDED_TRACKER_QUERIES):
        client.get(_url(large))


# --- the list of applications --------------------------------------------------------------------


def test_the_list_shows_the_candidates_applications_with_state_and_next_step(
    client, candidate, other_candidate
):
    mine = factories.assessment_in_state(S.SCHEDULED, candidate=candidate)
    draft = factories.assessment_in_state(S.DRAFT, candidate=candidate)
    theirs = factories.assessment_in_state(S.SUBMITTED, candidate=other_candidate)
    client.force_login(candidate)
    html = client.get(reverse("assessments:applications")).content.decode()
    assert f'href="{_url(mine)}"' in html and f'href="{_url(draft)}"' in html
    assert f'href="{_url(theirs)}"' not in html
    assert mine.scheme_version.title in html and "FR.AK.01" in html
    assert theirs.scheme_version.title not in html


def test_the_list_costs_the_same_for_one_application_as_for_five(
    client, candidate, django_assert_max_num_queries
):
    factories.assessment_in_state(S.SCHEDULED, candidate=candidate)
    client.force_login(candidate)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("assessments:applications"))
    for state in (S.DRAFT, S.ACCEPTED, S.DECIDED, S.WITHDRAWN):
        factories.assessment_in_state(state, candidate=candidate)
    with django_assert_max_num_queries(len(one)):
        client.get(reverse("assessments:applications"))


def test_the_list_is_empty_for_a_new_candidate(client, candidate):
    client.force_login(candidate)
    response = client.get(reverse("assessments:applications"))
    assert response.status_code == 200
    assert "empty-state" in response.content.decode()


def test_an_htmx_request_gets_only_the_list(client, candidate):
    factories.assessment_in_state(S.DRAFT, candidate=candidate)
    client.force_login(candidate)
    html = client.get(reverse("assessments:applications"), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="applications">')

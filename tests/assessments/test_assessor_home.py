"""The assessor's home page: my events (today, upcoming, past) with counts per state, what is
waiting for me, the licence warning, and a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    AssessorProfile,
    EventReport,
    EvidenceReview,
    ImpartialityDeclaration,
)
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State
URL = reverse("assessments:assessor_home")


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _get(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : start + 6000]


def _days(n: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=n)


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_candidate_is_forbidden(client, candidate):
    client.force_login(candidate)
    assert client.get(URL).status_code == 403


def test_post_is_not_allowed(client, assessor):
    client.force_login(assessor)
    assert client.post(URL).status_code == 405


def test_events_are_split_into_today_upcoming_and_past_with_my_counts_per_state(
    client, assessor, other_assessor
):
    today, _ = factories.event_with_candidates(
        assessor=assessor,
        states=[S.CLEARED, S.CLEARED, S.PREPARED],
        starts_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    upcoming, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED], starts_at=_days(10)
    )
    past, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.REPORTED, S.RECOMMENDED], starts_at=_days(-20)
    )
    # Another assessor's candidate in my event is not counted as mine.
    factories.EventAssessorFactory(event=today, assessor=other_assessor)
    other_assessor.assessor_profile.scope.add(today.scheme_version.scheme_id)
    other = factories.AssessmentFactory(scheme_version=today.scheme_version)
    admin = factories.AdminUserFactory()
    services.assessment_submit(assessment_id=other.pk, actor=other.candidate)
    services.assessment_accept(assessment_id=other.pk, actor=admin)
    services.assessment_schedule(
        assessment_id=other.pk, actor=admin, event=today, assessor=other_assessor
    )
    not_mine, _ = factories.event_with_candidates(assessor=other_assessor, states=[S.CLEARED])

    html = _get(client, assessor)
    today_html = _section(html, "events-today")
    assert today.name in today_html
    assert 'Cleared to proceed <span class="fw-bold">2</span>' in today_html
    assert 'Prepared <span class="fw-bold">1</span>' in today_html
    assert "3 candidates" in today_html
    assert upcoming.name in _section(html, "events-upcoming")
    assert today.name not in _section(html, "events-upcoming")
    past_html = _section(html, "events-past")
    assert past.name in past_html and "Reported" in past_html
    assert not_mine.name not in html
    assert reverse("assessments:event_detail", args=[today.pk]) in today_html


def test_an_event_outside_my_licence_or_scope_is_flagged(client, assessor):
    profile = AssessorProfile.objects.get(user=assessor)
    profile.licence_valid_until = timezone.localdate() + datetime.timedelta(days=20)
    profile.save()
    late, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED], starts_at=_days(30)
    )
    unscoped, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED], starts_at=_days(5), in_scope=False
    )
    html = _get(client, assessor)
    upcoming = _section(html, "events-upcoming")
    assert upcoming.index(unscoped.name) < upcoming.index("This scheme is not in your scope.")
    assert "Your licence is not valid on this date." in upcoming[upcoming.index(late.name) :]


def test_undeclared_candidates_show_only_as_an_impartiality_task(client, assessor):
    event, (assessment,) = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED], declare=False
    )
    html = _get(client, assessor)
    waiting = _section(html, "waiting")
    assert reverse("assessments:event_impartiality", args=[event.pk]) in waiting
    assert "1 candidate" in waiting
    assert 'id="waiting-apl02"' not in html
    assert assessment.candidate.full_name not in html


def test_apl02_to_review_lists_my_declared_scheduled_candidates(client, assessor):
    event, (scheduled, cleared) = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED, S.CLEARED]
    )
    html = _get(client, assessor)
    apl02 = _section(html, "waiting-apl02")
    assert scheduled.candidate.full_name in apl02
    assert reverse("assessments:assess_prepare", args=[scheduled.pk]) in apl02
    assert cleared.candidate.full_name not in html


def test_evidence_to_check_counts_unreviewed_current_evidence_of_assessing_candidates(
    client, assessor
):
    _event, (in_progress, prepared, cleared) = factories.event_with_candidates(
        assessor=assessor, states=[S.IN_PROGRESS, S.PREPARED, S.CLEARED]
    )
    factories.EvidenceFactory.create_batch(2, assessment=in_progress)
    reviewed = factories.EvidenceFactory(assessment=in_progress)
    EvidenceReview.objects.create(
        evidence=reviewed,
        valid=True,
        authentic=True,
        current=True,
        sufficient=True,
        reviewed_by=assessor,
    )
    old = factories.EvidenceFactory(assessment=in_progress)
    old.superseded_by = factories.EvidenceFactory(assessment=in_progress)  # the 3rd unreviewed
    old.save()
    factories.EvidenceFactory(assessment=prepared)
    factories.EvidenceFactory(assessment=cleared)  # not yet: the APL.02 review covers it
    html = _get(client, assessor)
    section = _section(html, "waiting-evidence")
    row = section[section.index(in_progress.candidate.full_name) :]
    assert "3 items" in row[:600]
    assert reverse("assessments:assess_evidence", args=[in_progress.pk]) in section
    assert prepared.candidate.full_name in section and "1 item" in section
    assert cleared.candidate.full_name not in html


def test_answered_evidence_requests_with_unchecked_evidence_are_listed(client, assessor):
    _event, (assessment,) = factories.event_with_candidates(
        assessor=assessor, states=[S.IN_PROGRESS]
    )
    answered = factories.EvidenceRequestFactory(
        assessment=assessment,
        requested_by=assessor,
        what="Foto rangkaian jaringan",
        answered_at=timezone.now(),
    )
    factories.EvidenceFactory(assessment=assessment, request=answered)
    factories.EvidenceRequestFactory(
        assessment=assessment, requested_by=assessor, what="Surat referensi kerja"
    )  # still open: the candidate has not answered yet
    html = _get(client, assessor)
    section = _section(html, "waiting-requests")
    assert "Foto rangkaian jaringan" in section
    assert "Surat referensi kerja" not in html


def test_reports_due_show_the_due_date_and_flag_overdue_ones(client, assessor, settings):
    settings.KOMPETEN_REPORT_DUE_DAYS = 3
    _past, (late,) = factories.event_with_candidates(
        assessor=assessor, states=[S.RECOMMENDED], starts_at=_days(-10)
    )
    _soon, (on_time,) = factories.event_with_candidates(
        assessor=assessor, states=[S.RECOMMENDED], starts_at=_days(-1)
    )
    html = _get(client, assessor)
    section = _section(html, "waiting-reports")
    assert reverse("assessments:assess_report", args=[late.pk]) in section
    late_due = timezone.localdate(late.event.ends_at, late.event.tuk.tzinfo) + datetime.timedelta(
        days=3
    )
    late_row = section[section.index(late.candidate.full_name) :][:700]
    assert f"due {late_due:%-d %b %Y}" in late_row and "text-danger" in late_row
    on_time_row = section[section.index(on_time.candidate.full_name) :][:700]
    assert "text-danger" not in on_time_row


def test_event_reports_not_submitted_are_listed_until_submitted(client, assessor):
    event, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.REPORTED, S.IN_PROGRESS], starts_at=_days(-5)
    )
    html = _get(client, assessor)
    section = _section(html, "waiting-event-reports")
    assert event.name in section and "1 record still open" in section
    assert reverse("assessments:event_report", args=[event.pk]) in section
    EventReport.objects.create(event=event, assessor=assessor, submitted_at=timezone.now())
    assert 'id="waiting-event-reports"' not in _get(client, assessor)


def test_a_conflicted_candidate_appears_nowhere(client, assessor):
    _event, (assessment,) = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED], declare=False
    )
    ImpartialityDeclaration.objects.create(
        event=assessment.event,
        assessor=assessor,
        assessment=assessment,
        relationship=ImpartialityDeclaration.Relationship.FAMILY,
        note="Adik kandung",
    )
    html = _get(client, assessor)
    assert assessment.candidate.full_name not in html
    assert "Nothing is waiting for you." in html
    assert "0 candidates" in _section(html, "events-upcoming")


def _licence_alert_class(html: str) -> str | None:
    if 'id="licence-alert"' not in html:
        return None
    at = html.index('id="licence-alert"')
    return html[html.rindex("<div", 0, at) : at]


@pytest.mark.parametrize(
    ("days_left", "alert", "text"),
    [
        (45, "alert-warning", "Your assessor licence ends on"),
        (89, "alert-warning", "in 89 days"),
        (91, None, None),
        (-1, "alert-danger", "Your assessor licence expired on"),
    ],
)
def test_licence_warning_within_90_days_and_block_when_expired(
    client, assessor, days_left, alert, text
):
    profile = AssessorProfile.objects.get(user=assessor)
    profile.licence_valid_until = timezone.localdate() + datetime.timedelta(days=days_left)
    profile.save()
    html = _get(client, assessor)
    found = _licence_alert_class(html)
    if alert is None:
        assert found is None
    else:
        assert alert in found and text in html
    if days_left < 0:
        assert "You cannot assess in any event after that date" in html


def _fill(assessor, n: int) -> None:
    """n candidates of each kind the page lists, over n events."""
    for i in range(n):
        _event, (scheduled, in_progress, recommended) = factories.event_with_candidates(
            assessor=assessor,
            states=[S.SCHEDULED, S.IN_PROGRESS, S.RECOMMENDED],
            starts_at=_days(-3 + 2 * i),
        )
        factories.EvidenceFactory(assessment=in_progress)
        request = factories.EvidenceRequestFactory(
            assessment=in_progress, requested_by=assessor, answered_at=timezone.now()
        )
        factories.EvidenceFactory(assessment=in_progress, request=request)
        factories.event_with_candidates(assessor=assessor, states=[S.SCHEDULED], declare=False)


def _count(client, user) -> int:
    client.force_login(user)
    client.get(URL)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_events_and_candidates(
    client, assessor, other_assessor
):
    _fill(assessor, 1)
    _fill(other_assessor, 4)
    small = _count(client, assessor)
    _fill(other_assessor, 1)  # keep the other persona's data comparable
    _fill(assessor, 4)
    large = _count(client, assessor)
    html = client.get(URL).content.decode()
    assert html.count('id="waiting-apl02"') == 1
    assert small == large
    # 9 for the page's data, 5 around it (session, user, session save: savepoint, update, release)
    assert large <= 14, large

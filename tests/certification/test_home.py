"""The home page: one section per role, real empty states, a constant number of queries."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, EventAssessor
from tests import factories
from tests.factories import assessment_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_user_without_a_role_sees_a_friendly_note(client):
    html = _home(client, factories.UserFactory())

    assert "Your account has no role yet." in html
    assert "My certification" not in html
    assert "LSP administration" not in html


# Candidate


def test_candidate_without_applications_or_schemes_sees_empty_states(client, candidate):
    html = _home(client, candidate)

    assert "My certification" in html
    assert "You have no applications yet." in html
    assert "No scheme is open for application at the moment." in html
    assert "Assessor" not in html


def test_candidate_sees_own_applications_with_state_and_published_schemes(
    client, candidate, other_candidate
):
    mine = assessment_in_state(Assessment.State.RETURNED, candidate=candidate)
    theirs = assessment_in_state(Assessment.State.SUBMITTED, candidate=other_candidate)
    draft = factories.make_scheme_version(publish=False, title="Draft scheme not shown")

    html = _home(client, candidate)

    assert mine.scheme_version.title in html
    assert "Returned for revision" in html
    assert "Lengkapi KTP" in html  # the admin's note on the return
    # Published schemes are listed for everyone: the other candidate's scheme too, drafts never.
    assert theirs.scheme_version.title in html
    assert draft.title not in html
    assert "You have no applications yet." not in html


def test_unverified_candidate_sees_the_banner_with_a_resend_button(client):
    user = factories.CandidateUserFactory(email_verified_at=None)

    html = _home(client, user)

    assert "Please confirm your email address." in html
    assert f'action="{reverse("verify_email_resend")}"' in html


def test_verified_candidate_sees_no_banner(client, candidate):
    assert "Please confirm your email address." not in _home(client, candidate)


# Assessor


def test_assessor_sees_licence_upcoming_events_and_assessment_counts(client, assessor):
    assessment_in_state(Assessment.State.SCHEDULED, assessor=assessor)
    assessment_in_state(Assessment.State.IN_PROGRESS, assessor=assessor)
    past = factories.AssessmentEventFactory(
        name="Past event", starts_at=timezone.now() - datetime.timedelta(days=30)
    )
    EventAssessor.objects.create(event=past, assessor=assessor)
    not_mine = factories.AssessmentEventFactory(name="Someone else's event")

    html = _home(client, assessor)

    assert assessor.assessor_profile.met_number in html
    assert "Uji kompetensi gelombang" in html
    assert "Past event" not in html
    assert not_mine.name not in html
    assert "Scheduled <span" in html and "In progress <span" in html
    assert "Your assessor licence ends on" not in html
    assert "expired" not in html


def test_assessor_without_events_or_candidates_sees_empty_states(client, assessor):
    html = _home(client, assessor)

    assert "You are not assigned to any upcoming event." in html
    assert "No candidate has been assigned to you yet." in html


def test_assessor_is_warned_when_licence_ends_within_90_days(client, assessor):
    profile = assessor.assessor_profile
    profile.licence_valid_until = timezone.localdate() + datetime.timedelta(days=30)
    profile.save(update_fields=["licence_valid_until"])

    html = _home(client, assessor)

    assert "Your assessor licence ends on" in html
    assert "in 30 days" in html


def test_assessor_is_told_when_licence_expired(client, assessor):
    profile = assessor.assessor_profile
    profile.licence_valid_until = timezone.localdate() - datetime.timedelta(days=1)
    profile.save(update_fields=["licence_valid_until"])

    html = _home(client, assessor)

    assert "Your assessor licence expired on" in html


def test_assessor_without_profile_is_asked_to_complete_it(client):
    html = _home(client, factories.AssessorUserFactory())

    assert "Your assessor profile (MET number and licence) is not recorded yet." in html


# LSP admin, decision maker, head


def _tile(html: str, label: str) -> str:
    """The number shown on the stat tile whose label is ``label``."""
    before = html[: html.index(label)]
    start = before.rindex('<div class="stat-value">') + len('<div class="stat-value">')
    return before[start : before.index("</div>", start)]


def test_admin_sees_counts_by_state_and_scheme_links(client, admin_user):
    assessment_in_state(Assessment.State.SUBMITTED)
    assessment_in_state(Assessment.State.SUBMITTED)
    assessment_in_state(Assessment.State.ACCEPTED)
    assessment_in_state(Assessment.State.REPORTED)

    html = _home(client, admin_user)

    assert _tile(html, "Applications waiting for the administrative check") == "2"
    assert _tile(html, "Accepted, waiting for a schedule") == "1"
    assert _tile(html, "Returned to candidates for revision") == "0"
    assert _tile(html, "Reported, waiting for a decision") == "1"
    assert 'href="/schemes/import/"' in html
    assert 'href="/schemes/"' in html
    assert "Uji kompetensi gelombang" in html  # the reported one's event is still upcoming


def test_admin_sees_assessors_whose_licence_ends_soon(client, admin_user, assessor):
    soon = factories.AssessorProfileFactory(
        user__full_name="Eka Segera",
        licence_valid_until=timezone.localdate() + datetime.timedelta(days=10),
    )

    html = _home(client, admin_user)

    assert soon.met_number in html
    assert "10 days left" in html
    assert assessor.assessor_profile.met_number not in html  # a year left


def test_admin_on_an_empty_lsp_sees_empty_states(client, admin_user):
    html = _home(client, admin_user)

    assert "No assessment event is scheduled." in html
    assert "No active assessor's licence ends soon." in html


def test_decision_maker_sees_reported_assessments_waiting(client, decision_maker):
    assessment_in_state(Assessment.State.REPORTED)
    assessment_in_state(Assessment.State.DECIDED)

    html = _home(client, decision_maker)

    assert "Certification decisions" in html
    assert _tile(html, "reported assessment waits for a certification decision.") == "1"
    assert "LSP administration" not in html


def test_decision_maker_with_nothing_waiting_is_told_so(client, decision_maker):
    assert "No reported assessment is waiting for a decision." in _home(client, decision_maker)


def test_lsp_head_sees_a_summary(client):
    head = factories.UserFactory(is_lsp_head=True)
    assessment_in_state(Assessment.State.DECIDED)
    assessment_in_state(Assessment.State.SUBMITTED)

    html = _home(client, head)

    assert "LSP at a glance" in html
    assert _tile(html, "Decided this year") == "1"
    assert _tile(html, "Applications and assessments in progress") == "1"


# Queries


def _everything_user():
    user = factories.UserFactory(
        is_candidate=True,
        is_assessor=True,
        is_lsp_admin=True,
        is_decision_maker=True,
        is_lsp_head=True,
    )
    factories.AssessorProfileFactory(
        user=user, licence_valid_until=timezone.localdate() + datetime.timedelta(days=20)
    )
    return user


def _add_data(user, n: int) -> None:
    for _ in range(n):
        assessment_in_state(Assessment.State.SUBMITTED, candidate=factories.CandidateUserFactory())
        assessment_in_state(Assessment.State.SCHEDULED, assessor=user)
        factories.AssessorProfileFactory(
            licence_valid_until=timezone.localdate() + datetime.timedelta(days=5)
        )
        factories.AssessmentFactory(candidate=user)


def _count_home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_home_with_every_role_makes_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    user = _everything_user()
    client.force_login(user)
    _add_data(user, 1)
    client.get(reverse("home"))  # warms the LSP cache, as every later page view finds it
    few = _count_home_queries(client)

    _add_data(user, 4)
    many = _count_home_queries(client)

    assert many == few
    # session (read, then save in a savepoint: 4), user, the session's two-factor device,
    # candidate 2, assessor 3, LSP-wide 6; the LSP record comes from the cache.
    with django_assert_max_num_queries(17):
        client.get(reverse("home"))

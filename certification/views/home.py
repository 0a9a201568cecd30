"""The home page: one section per role the user holds, each built from a fixed set of queries.

The counts are aggregates (one row per query whatever the data size), the lists are sliced, so
the page costs the same number of queries for an LSP with ten candidates or ten thousand.
"""

import datetime
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import TUK, Assessment, AssessmentEvent, AssessorProfile
from assessments.templatetags.progress_tags import STATE_BADGE
from schemes.models import SchemeVersion

LICENCE_WARNING_DAYS = 90
LIST_LIMIT = 10

S = Assessment.State

# Bootstrap colour of each state's badge; the text colour classes below keep WCAG AA contrast.

# What a candidate should expect or do next, in plain words.
CANDIDATE_NEXT_STEP = {
    S.DRAFT: _("Complete your application and submit it."),
    S.SUBMITTED: _("The LSP is checking your application and documents."),
    S.RETURNED: _("The LSP asked you to revise your application; see the note."),
    S.ACCEPTED: _(
        "Your application was accepted. The LSP will place you in an assessment schedule."
    ),
    S.REJECTED: _("Your application was not accepted; see the note."),
    S.SCHEDULED: _("Your assessment is scheduled. Your assessor reviews your self-assessment."),
    S.CLEARED: _("Your assessor cleared your self-assessment; prepare for the assessment."),
    S.PREPARED: _("Everything is ready for your assessment."),
    S.IN_PROGRESS: _("Your assessment is in progress."),
    S.RECOMMENDED: _("Your assessor has made a recommendation."),
    S.REPORTED: _("Your assessment is reported and waits for the certification decision."),
    S.DECIDED: _("The certification decision has been made."),
    S.REOPENED: _("Your assessment record was reopened for a correction."),
    S.ABSENT: _("You were recorded as absent from the assessment."),
    S.WITHDRAWN: _("You withdrew this application."),
}

# The states an LSP admin acts on, in the order of the process.
ADMIN_STATE_TILES = [
    (S.SUBMITTED, _("Applications waiting for the administrative check")),
    (S.RETURNED, _("Returned to candidates for revision")),
    (S.ACCEPTED, _("Accepted, waiting for a schedule")),
    (S.REPORTED, _("Reported, waiting for a decision")),
]
UPCOMING_EVENT_STATES = [
    AssessmentEvent.Status.PLANNED,
    AssessmentEvent.Status.OPEN,
    AssessmentEvent.Status.CLOSED,
]


class HomeData:
    """Queries behind the home page, each run at most once and only for the roles shown."""

    def __init__(self, user) -> None:
        self.user = user
        self.now = timezone.now()
        self.today = timezone.localdate()

    # Candidate
    @cached_property
    def my_assessments(self) -> list[dict]:
        assessments = (
            Assessment.objects.filter(candidate=self.user)
            .select_related("scheme_version__scheme", "event__tuk")
            .order_by("-created_at")[:LIST_LIMIT]
        )
        return [
            {
                "obj": a,
                "badge": STATE_BADGE.get(a.state, "text-bg-secondary"),
                "next_step": CANDIDATE_NEXT_STEP.get(a.state, ""),
            }
            for a in assessments
        ]

    @cached_property
    def published_schemes(self) -> list[SchemeVersion]:
        return list(
            SchemeVersion.objects.published().select_related("scheme").order_by("title")[:50]
        )

    # Assessor
    @cached_property
    def assessor_profile(self) -> AssessorProfile | None:
        return AssessorProfile.objects.filter(user=self.user).first()

    @cached_property
    def licence_status(self) -> str:
        """ "missing", "expired", "expiring" (fewer than 90 days left) or "valid"."""
        profile = self.assessor_profile
        if profile is None:
            return "missing"
        if profile.licence_valid_until < self.today:
            return "expired"
        if profile.licence_valid_until < self.today + datetime.timedelta(LICENCE_WARNING_DAYS):
            return "expiring"
        return "valid"

    @cached_property
    def my_upcoming_events(self) -> list[AssessmentEvent]:
        return list(
            AssessmentEvent.objects.filter(
                assignments__assessor=self.user,
                ends_at__gte=self.now,
                status__in=UPCOMING_EVENT_STATES,
            )
            .select_related("tuk", "scheme_version__scheme")
            .annotate(candidate_count=Count("assessments", distinct=True))
            .order_by("starts_at")[:LIST_LIMIT]
        )

    @cached_property
    def my_assessment_counts(self) -> list[dict]:
        rows = (
            Assessment.objects.filter(assessor=self.user)
            .values("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_state = {row["state"]: row["n"] for row in rows}
        return [
            {
                "label": S(state).label,
                "count": by_state[state],
                "badge": STATE_BADGE.get(state, "text-bg-secondary"),
            }
            for state in S.values
            if by_state.get(state)
        ]

    # LSP-wide (admin, decision maker, head)
    @cached_property
    def assessment_stats(self) -> dict[str, int]:
        terms = {state: Count("pk", filter=Q(state=state)) for state in S.values}
        terms["open"] = Count("pk", filter=~Q(state__in=Assessment.TERMINAL_STATES))
        terms["decided_this_year"] = Count(
            "pk", filter=Q(state=S.DECIDED, state_changed_at__year=self.today.year)
        )
        terms["total"] = Count("pk")
        return Assessment.objects.aggregate(**terms)

    @cached_property
    def admin_tiles(self) -> list[dict]:
        stats = self.assessment_stats
        return [
            {"state": state, "label": label, "count": stats[state], "badge": STATE_BADGE[state]}
            for state, label in ADMIN_STATE_TILES
        ]

    @cached_property
    def scheme_stats(self) -> dict[str, int]:
        return SchemeVersion.objects.aggregate(
            published=Count("pk", filter=Q(status=SchemeVersion.Status.PUBLISHED)),
            draft=Count("pk", filter=Q(status=SchemeVersion.Status.DRAFT)),
        )

    @cached_property
    def tuk_stats(self) -> dict[str, int]:
        return TUK.objects.aggregate(
            total=Count("pk"),
            verified=Count("pk", filter=Q(verification_status=TUK.Verification.SESUAI)),
        )

    @cached_property
    def upcoming_events(self) -> list[AssessmentEvent]:
        return list(
            AssessmentEvent.objects.filter(ends_at__gte=self.now, status__in=UPCOMING_EVENT_STATES)
            .select_related("tuk", "scheme_version__scheme")
            .annotate(candidate_count=Count("assessments", distinct=True))
            .order_by("starts_at")[:LIST_LIMIT]
        )

    @cached_property
    def expiring_assessors(self) -> list[AssessorProfile]:
        limit = self.today + datetime.timedelta(LICENCE_WARNING_DAYS)
        return list(
            AssessorProfile.objects.filter(
                status=AssessorProfile.Status.ACTIVE, licence_valid_until__lt=limit
            )
            .select_related("user")
            .order_by("licence_valid_until")[:LIST_LIMIT]
        )

    @cached_property
    def active_assessor_count(self) -> int:
        return AssessorProfile.objects.filter(
            status=AssessorProfile.Status.ACTIVE, licence_valid_until__gte=self.today
        ).count()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "data": HomeData(user),
        "has_role": bool(user.roles),
        "needs_verification": user.is_candidate and user.email_verified_at is None,
        "licence_warning_days": LICENCE_WARNING_DAYS,
    }
    return render(request, "certification/home.html", context)

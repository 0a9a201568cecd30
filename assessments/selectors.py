"""Reads for assessment pages: scoped to the user (404 for other people's records) and with a
constant number of queries whatever the size of the scheme."""

import threading
import time
from collections import OrderedDict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from assessments.models import (
    ApplicationDocument,
    Assessment,
    Evidence,
    SelfAssessment,
)
from schemes.models import Criterion, Element, SchemeUnit


def candidate_assessment(user, pk: int, *, for_update: bool = False) -> Assessment:
    """The candidate's own assessment, or 404 (never a hint that someone else's exists)."""
    qs = Assessment.objects.select_related(
        "scheme_version__scheme", "event__tuk", "assessor", "candidate"
    )
    try:
        return qs.get(pk=pk, candidate=user)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def viewable_assessment(user, pk: int) -> Assessment:
    """An assessment the user may read (candidate, assigned assessor, admin, decision maker)."""
    qs = Assessment.objects.select_related(
        "scheme_version__scheme", "event__tuk", "assessor", "candidate"
    )
    if not (user.is_lsp_admin or user.is_decision_maker):
        from assessments.models import ImpartialityDeclaration

        # An assessor who declared a conflict with this candidate sees nothing of them.
        conflicted = (
            ImpartialityDeclaration.objects.filter(assessor=user)
            .exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
            .values("assessment_id")
        )
        qs = qs.filter(
            Q(candidate=user)
            | (Q(assessor=user, assessor__is_assessor=True) & ~Q(pk__in=conflicted))
        )
    try:
        return qs.get(pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


# Structures of frozen (published or retired) scheme versions, per process: they do not change
# (schemes/models.py refuses every save and delete of a frozen version, its groups and units,
# and of the units, elements and KUK it uses), and every assessment page and PDF reads one.
# Bounded, oldest first out, and read again after FROZEN_STRUCTURE_SECONDS, so that a change
# made around the models (a bulk delete in Django's admin, a data fix in the shell) shows within
# minutes. The callers only read the instances.
FROZEN_STRUCTURES_KEPT = 64
FROZEN_STRUCTURE_SECONDS = 300
_frozen_structures: "OrderedDict[int, tuple[float, tuple[SchemeUnit, ...]]]" = OrderedDict()
_frozen_structures_lock = threading.Lock()


def forget_scheme_structures() -> None:
    """Drop the kept structures (tests, whose rolled-back ids may come back with other rows)."""
    with _frozen_structures_lock:
        _frozen_structures.clear()


def scheme_structure(scheme_version_id: int) -> list[SchemeUnit]:
    """Groups' units in order, each with elements and KUK prefetched: 3 queries, or none for a
    frozen version this process has read before."""
    now = time.monotonic()
    with _frozen_structures_lock:
        kept = _frozen_structures.get(scheme_version_id)
        if kept is not None and now - kept[0] < FROZEN_STRUCTURE_SECONDS:
            _frozen_structures.move_to_end(scheme_version_id)
            return list(kept[1])
    units = list(
        SchemeUnit.objects.filter(group__version_id=scheme_version_id)
        .select_related("unit", "group__version")
        .prefetch_related(
            Prefetch(
                "unit__elements",
                queryset=Element.objects.order_by("number").prefetch_related(
                    Prefetch("criteria", queryset=Criterion.objects.order_by("position", "number"))
                ),
            )
        )
        .order_by("group__position", "position")
    )
    if units and units[0].group.version.is_frozen:
        with _frozen_structures_lock:
            _frozen_structures[scheme_version_id] = (now, tuple(units))
            _frozen_structures.move_to_end(scheme_version_id)
            while len(_frozen_structures) > FROZEN_STRUCTURES_KEPT:
                _frozen_structures.popitem(last=False)
    return units


def unit_results(assessment: Assessment) -> list[dict]:
    """Per unit in scheme order, the assessor's K/BK (FR.AK.02) and feedback: what the candidate
    reads once the recommendation is sent. Units with neither are left out. Two queries (the
    scheme's structure is kept per process)."""
    from assessments.models import AssessorFeedback, UnitDecision

    decisions = {d.unit_id: d for d in UnitDecision.objects.filter(assessment=assessment)}
    feedback = {f.unit_id: f for f in AssessorFeedback.objects.filter(assessment=assessment)}
    return [
        {
            "unit": su.unit,
            "decision": decisions.get(su.unit_id),
            "feedback": feedback.get(su.unit_id),
        }
        for su in scheme_structure(assessment.scheme_version_id)
        if su.unit_id in decisions or su.unit_id in feedback
    ]


def apl02_rows(assessment: Assessment) -> tuple[list[dict], dict]:
    """FR.APL.02 page data: per unit its elements, each with the candidate's answer and the
    linked evidence ids; plus progress (answered / total). Constant queries."""
    answers = {
        a.element_id: a
        for a in SelfAssessment.objects.filter(assessment=assessment).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.only("id"))
        )
    }
    units, total, answered = [], 0, 0
    for scheme_unit in scheme_structure(assessment.scheme_version_id):
        elements = []
        for element in scheme_unit.unit.elements.all():
            answer = answers.get(element.pk)
            total += 1
            answered += answer is not None
            elements.append(
                {
                    "element": element,
                    "answer": answer.answer if answer else "",
                    "evidence_ids": {e.pk for e in answer.evidence.all()} if answer else set(),
                }
            )
        units.append({"scheme_unit": scheme_unit, "unit": scheme_unit.unit, "elements": elements})
    return units, {
        "answered": answered,
        "total": total,
        "percent": round(100 * answered / total) if total else 0,
    }


def current_documents(assessment: Assessment) -> QuerySet[ApplicationDocument]:
    return assessment.documents.filter(replaced_at__isnull=True).order_by("kind", "-uploaded_at")


def current_evidence(assessment: Assessment) -> QuerySet[Evidence]:
    return (
        assessment.evidence.filter(superseded_by__isnull=True)
        .annotate(links=Count("self_assessments"))
        .order_by("uploaded_at")
    )


def state_timeline(assessment: Assessment) -> list[dict]:
    """Each state the assessment reached, with when it was reached (from the audit history)."""
    rows = (
        Assessment.history.filter(id=assessment.pk)
        .order_by("history_date", "history_id")
        .values_list("state", "history_date", "history_change_reason")
    )
    timeline, last = [], None
    for state, when, reason in rows:
        if state != last:
            timeline.append(
                {
                    "state": state,
                    "label": Assessment.State(state).label,
                    "at": when,
                    "reason": reason or "",
                }
            )
            last = state
    return timeline


def assessor_assessment(user, pk: int) -> Assessment:
    """An assessment assigned to ``user`` as assessor and not blocked by a declared conflict,
    or 404 (another assessor's candidate is invisible, not forbidden)."""
    from assessments.models import ImpartialityDeclaration

    conflicted = (
        ImpartialityDeclaration.objects.filter(assessor=user)
        .exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
        # ...unless a second admin approved the pairing with a reason (admin console).
        .exclude(assessment__assignment_overrides__assessor=user)
        .values("assessment_id")
    )
    qs = Assessment.objects.select_related(
        "scheme_version__scheme", "event__tuk", "assessor", "candidate__candidate_profile"
    ).exclude(pk__in=conflicted)
    try:
        return qs.get(pk=pk, assessor=user, assessor__is_assessor=True)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def assessor_events(user) -> QuerySet:
    """Events ``user`` is assigned to as assessor."""
    from assessments.models import AssessmentEvent

    return AssessmentEvent.objects.filter(assignments__assessor=user).select_related(
        "tuk", "scheme_version__scheme"
    )


ASSESSOR_STEPS = [
    ("prepare", "assessments:assess_prepare", gettext_lazy("Preparation")),
    ("observe", "assessments:assess_observe", gettext_lazy("Observation and questions")),
    ("evidence", "assessments:assess_evidence", gettext_lazy("Evidence review")),
    ("decide", "assessments:assess_decide", gettext_lazy("Decision (K/BK)")),
    ("feedback", "assessments:assess_feedback", gettext_lazy("Feedback")),
    ("report", "assessments:assess_report", gettext_lazy("Report")),
]
_STATE_ORDER = [
    "scheduled",
    "cleared",
    "prepared",
    "in_progress",
    "reopened",
    "recommended",
    "reported",
    "decided",
]


def assessor_stepper(assessment: Assessment, current: str) -> list[dict]:
    """The six steps of the assessor's work on one candidate, each marked done / current /
    open / locked from the assessment's state (no queries)."""
    from django.urls import NoReverseMatch, reverse

    state = assessment.state
    position = _STATE_ORDER.index(state) if state in _STATE_ORDER else -1
    prepared = position >= _STATE_ORDER.index("prepared")
    recommended = position >= _STATE_ORDER.index("recommended")
    steps = []
    for key, url_name, label in ASSESSOR_STEPS:
        if key == "prepare":
            status = "done" if prepared else "open"
        elif key == "report":
            status = (
                "done"
                if state in ("reported", "decided")
                else ("open" if recommended else "locked")
            )
        else:
            status = "done" if recommended else ("open" if prepared else "locked")
        try:
            url = reverse(url_name, args=[assessment.pk])
        except NoReverseMatch:
            url = ""
        steps.append(
            {
                "key": key,
                "url": url,
                "label": str(label),
                "status": status,
                "current": key == current,
                "number": len(steps) + 1,
            }
        )
    return steps


# assessor home / event ---------------------------------------------------------------------------
# Reads of the assessor's home page and event page. Every list is one query whatever its length;
# a candidate the assessor declared a conflict with never appears, and per-candidate data of an
# event appears only once the assessor has declared impartiality for that candidate.

LICENCE_WARNING_DAYS = 90
HOME_PAST_EVENTS = 10
HOME_LIST_LIMIT = 50
# Never assessed, so never part of the event's matrix.
EVENT_HIDDEN_STATES = ("rejected", "withdrawn")
EVIDENCE_CHECK_STATES = ("prepared", "in_progress", "reopened")
REQUEST_ANSWER_STATES = ("cleared", "prepared", "in_progress", "reopened")
# Still to be reported by the assessor: the event report (FR.AK.05) waits for these.
UNREPORTED_STATES = ("scheduled", "cleared", "prepared", "in_progress", "recommended", "reopened")


def _declarations(user):
    from assessments.models import ImpartialityDeclaration

    return ImpartialityDeclaration.objects.filter(assessor=user)


def _conflicted_ids(user):
    from assessments.models import ImpartialityDeclaration

    return (
        _declarations(user)
        .exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
        .values("assessment_id")
    )


def _declared_none(user):
    """Filter: the assessor declared "no relationship" with this assessment's candidate."""
    from django.db.models import Exists, OuterRef

    from assessments.models import ImpartialityDeclaration

    return Exists(
        _declarations(user).filter(
            assessment_id=OuterRef("pk"),
            relationship=ImpartialityDeclaration.Relationship.NONE,
        )
    )


def assessor_event(user, pk: int):
    """An event ``user`` is assigned to as assessor, or 404."""
    from assessments.models import AssessmentEvent

    if not getattr(user, "is_assessor", False):
        raise Http404
    qs = AssessmentEvent.objects.select_related("tuk", "scheme_version__scheme").filter(
        assignments__assessor=user
    )
    try:
        return qs.get(pk=pk)
    except AssessmentEvent.DoesNotExist as exc:
        raise Http404 from exc


def licence_status(profile, today) -> str:
    """ "missing", "expired", "expiring" (within LICENCE_WARNING_DAYS) or "valid"."""
    import datetime

    if profile is None:
        return "missing"
    if profile.licence_valid_until < today:
        return "expired"
    if profile.licence_valid_until < today + datetime.timedelta(days=LICENCE_WARNING_DAYS):
        return "expiring"
    return "valid"


def event_local_dates(event):
    """The first and last day of the event in its TUK's time zone."""
    from django.utils import timezone

    zone = event.tuk.tzinfo
    return timezone.localdate(event.starts_at, zone), timezone.localdate(event.ends_at, zone)


def assessor_home(user) -> dict:
    """Everything on the assessor's home page, in a fixed number of queries (about 9)."""
    import datetime

    from django.db.models import Exists, OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from assessments.models import (
        AssessmentEvent,
        AssessorProfile,
        EventReport,
        EvidenceRequest,
    )
    from assessments.services import due_date_for

    now = timezone.now()
    today = timezone.localdate()
    profile = AssessorProfile.objects.filter(user=user).first()
    conflicted = _conflicted_ids(user)
    mine = Assessment.objects.filter(assessor=user).exclude(pk__in=conflicted)

    # Events: those still running or ahead (a day's margin covers every Indonesian time zone),
    # then the most recent past ones; one query, with whether the scheme is in the scope.
    events = AssessmentEvent.objects.filter(assignments__assessor=user).exclude(
        status=AssessmentEvent.Status.CANCELLED
    )
    margin = now - datetime.timedelta(days=1)
    older_ids = events.filter(ends_at__lt=margin).order_by("-starts_at").values("pk")
    in_scope = AssessorProfile.scope.through.objects.filter(
        assessorprofile__user=user, scheme_id=OuterRef("scheme_version__scheme_id")
    )
    shown = list(
        events.filter(Q(ends_at__gte=margin) | Q(pk__in=older_ids[:HOME_PAST_EVENTS]))
        .select_related("tuk", "scheme_version__scheme")
        .annotate(in_scope=Exists(in_scope))
        .order_by("starts_at")
    )
    current = [e for e in shown if e.ends_at >= margin]
    older = [e for e in reversed(shown) if e.ends_at < margin]
    counts: dict[int, dict[str, int]] = {}
    for row in (
        mine.filter(event_id__in=[e.pk for e in current + older])
        .exclude(state__in=EVENT_HIDDEN_STATES)
        .values("event_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["event_id"], {})[row["state"]] = row["n"]
    groups: dict[str, list] = {"today": [], "upcoming": [], "past": []}
    for event in current + older:
        first, last = event_local_dates(event)
        key = "upcoming" if first > today else ("today" if last >= today else "past")
        by_state = counts.get(event.pk, {})
        event.state_counts = [
            {"state": state, "label": Assessment.State(state).label, "count": by_state[state]}
            for state in Assessment.State.values
            if by_state.get(state)
        ]
        event.candidate_total = sum(by_state.values())
        event.licence_ok = profile is not None and profile.licence_valid_on(first)
        groups[key].append(event)
    groups["past"].sort(key=lambda e: e.starts_at, reverse=True)
    groups["past"] = groups["past"][:HOME_PAST_EVENTS]

    # Events whose candidates the assessor may not see yet: impartiality first.
    undeclared = (
        Assessment.objects.filter(assessor=user, event__isnull=False)
        .exclude(state__in=Assessment.TERMINAL_STATES)
        .exclude(Exists(_declarations(user).filter(assessment_id=OuterRef("pk"))))
        .values("event_id", "event__code", "event__name")
        .annotate(n=Count("pk"))
        .order_by("event__starts_at")
    )
    # What the lists print: the candidate's name, the event's code and local start date.
    declared = mine.filter(_declared_none(user)).select_related("candidate", "event__tuk")
    apl02 = list(
        declared.filter(state=Assessment.State.SCHEDULED).order_by(
            "event__starts_at", "candidate__full_name"
        )[:HOME_LIST_LIMIT]
    )
    # A correlated count, not Count() over a join: grouping by every selected column of five
    # tables made this the page's most expensive query to plan (3.3 ms of planning).
    unreviewed = (
        Evidence.objects.filter(
            assessment_id=OuterRef("pk"), superseded_by__isnull=True, review__isnull=True
        )
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    evidence = list(
        declared.filter(state__in=EVIDENCE_CHECK_STATES)
        .annotate(unreviewed=Subquery(unreviewed))
        .filter(unreviewed__gt=0)
        .order_by("event__starts_at", "candidate__full_name")[:HOME_LIST_LIMIT]
    )
    open_evidence = Evidence.objects.filter(
        request_id=OuterRef("pk"), superseded_by__isnull=True, review__isnull=True
    )
    requests = list(
        EvidenceRequest.objects.filter(
            assessment__in=declared.filter(state__in=REQUEST_ANSWER_STATES),
            answered_at__isnull=False,
        )
        .filter(Exists(open_evidence))
        .select_related("assessment__candidate")
        .order_by("-answered_at")[:HOME_LIST_LIMIT]
    )
    reports = []
    for assessment in declared.filter(state=Assessment.State.RECOMMENDED).order_by(
        "event__ends_at", "candidate__full_name"
    )[:HOME_LIST_LIMIT]:
        assessment.due_date = due_date_for(assessment.event)
        assessment.overdue = assessment.due_date < today
        reports.append(assessment)
    event_reports = []
    for event in (
        AssessmentEvent.objects.filter(
            Exists(
                Assessment.objects.filter(
                    event_id=OuterRef("pk"),
                    assessor=user,
                )
                .exclude(state__in=EVENT_HIDDEN_STATES)
                .exclude(pk__in=conflicted)
                .exclude(state__in=["draft", "submitted", "returned", "accepted"])
            ),
            ends_at__lt=now,
        )
        .exclude(status=AssessmentEvent.Status.CANCELLED)
        .exclude(
            Exists(
                EventReport.objects.filter(
                    event_id=OuterRef("pk"), assessor=user, submitted_at__isnull=False
                )
            )
        )
        .filter(assignments__assessor=user)
        .select_related("tuk")
        # A correlated count rather than Count() over a join grouped by every column.
        .annotate(
            unreported=Coalesce(
                Subquery(
                    Assessment.objects.filter(
                        event_id=OuterRef("pk"), assessor=user, state__in=UNREPORTED_STATES
                    )
                    .exclude(pk__in=conflicted)
                    .order_by()
                    .values("event_id")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        )
        .order_by("ends_at")[:HOME_LIST_LIMIT]
    ):
        event.due_date = due_date_for(event)
        event.overdue = event.due_date < today
        event_reports.append(event)
    return {
        "profile": profile,
        "licence_status": licence_status(profile, today),
        "today": today,
        "events": groups,
        "undeclared": list(undeclared),
        "apl02": apl02,
        "evidence": evidence,
        "requests": requests,
        "reports": reports,
        "event_reports": event_reports,
    }


def event_candidates(user, event) -> dict:
    """The assessor's candidates of ``event`` (one query), split by impartiality:

    - ``visible``: declared "no relationship": the only ones whose data the assessor sees;
    - ``undeclared``: still to be declared (names and employers only, for the declaration);
    - ``conflicted``: how many the assessor declared a conflict with (hidden; admins told).
    """
    from django.db.models import OuterRef, Subquery

    rows = list(
        Assessment.objects.filter(event=event, assessor=user)
        .exclude(state__in=EVENT_HIDDEN_STATES)
        .select_related("candidate__candidate_profile", "scheme_version")
        # The event pages print the employer, never the NIK: no decryption per candidate.
        .defer("candidate__candidate_profile__nik")
        .annotate(
            declared_relationship=Subquery(
                _declarations(user).filter(assessment_id=OuterRef("pk")).values("relationship")[:1]
            )
        )
        .order_by("candidate__full_name", "pk")
    )
    return {
        "visible": [a for a in rows if a.declared_relationship == "none"],
        # Terminal candidates (absent, decided) are not declared for any more.
        "undeclared": [
            a
            for a in rows
            if a.declared_relationship is None and a.state not in Assessment.TERMINAL_STATES
        ],
        "conflicted": sum(1 for a in rows if a.declared_relationship not in (None, "none")),
    }


def kuk_totals(structure: list[SchemeUnit]) -> dict[int, int]:
    """How many KUK each unit of a scheme_structure() has, by unit id (no query)."""
    return {
        scheme_unit.unit_id: sum(len(e.criteria.all()) for e in scheme_unit.unit.elements.all())
        for scheme_unit in structure
    }


def event_matrix(event, assessments: list[Assessment]) -> tuple[list[SchemeUnit], list[dict]]:
    """The event page's candidates x units matrix: per cell the unit's status ("not_started",
    "in_progress" when some KUK is observed, or the K/BK of FR.AK.02), per row the FR.AK.01
    signatures. Three queries whatever the number of candidates and units, and three more for
    the scheme's structure the first time this process shows it."""
    from django.contrib.contenttypes.models import ContentType

    from assessments.models import Form, Observation, Signature, UnitDecision

    # The scheme's structure, frozen and kept per process once published (scheme_structure).
    units = scheme_structure(event.scheme_version_id)
    totals = kuk_totals(units)
    ids = [a.pk for a in assessments]
    observed = {
        (assessment_id, unit_id): n
        for assessment_id, unit_id, n in Observation.objects.filter(
            assessment_id__in=ids, achieved__isnull=False
        )
        .values("assessment_id", "criterion__element__unit_id")
        .annotate(n=Count("pk"))
        .values_list("assessment_id", "criterion__element__unit_id", "n")
        .order_by()
    }
    outcomes = {
        (assessment_id, unit_id): outcome
        for assessment_id, unit_id, outcome in UnitDecision.objects.filter(
            assessment_id__in=ids
        ).values_list("assessment_id", "unit_id", "outcome")
    }
    signed: dict[int, set[str]] = {}
    for subject_id, role in Signature.objects.filter(
        document=Form.AK01,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id__in=ids,
    ).values_list("subject_id", "role"):
        signed.setdefault(subject_id, set()).add(role)
    rows = []
    for assessment in assessments:
        cells = []
        for su in units:
            key = (assessment.pk, su.unit_id)
            outcome = outcomes.get(key)
            count = observed.get(key, 0)
            status = outcome or ("in_progress" if count else "not_started")
            cells.append(
                {
                    "unit": su.unit,
                    "status": status,
                    "observed": count,
                    "total": totals[su.unit_id],
                }
            )
        roles = signed.get(assessment.pk, set())
        rows.append(
            {
                "assessment": assessment,
                "cells": cells,
                "candidate_signed": Signature.Role.CANDIDATE in roles,
                "assessor_signed": Signature.Role.ASSESSOR in roles,
            }
        )
    return units, rows


# --- admin console (issue 6): Surat Tugas and daftar hadir of one event --------------------------


def event_documents_context(event) -> dict:
    """The data of an event's Surat Tugas (per assessor: name, MET number, and the candidates
    placed with them) and daftar hadir (every placed candidate with attended_at), in a fixed
    number of queries. The PDF helper renders it; the admin's event page shows it."""
    from assessments.models import AssessmentEvent, AssessorProfile, EventAssessor

    event = AssessmentEvent.objects.select_related("tuk", "scheme_version__scheme").get(pk=event.pk)
    candidates = list(
        Assessment.objects.filter(event=event)
        .exclude(state=Assessment.State.WITHDRAWN)
        .select_related("candidate__candidate_profile", "assessor")
        .order_by("candidate__full_name", "pk")
    )
    assignments = list(
        EventAssessor.objects.filter(event=event)
        .select_related("assessor", "assigned_by")
        .order_by("assessor__full_name", "pk")
    )
    profiles = {
        p.user_id: p
        for p in AssessorProfile.objects.filter(user_id__in=[a.assessor_id for a in assignments])
    }
    assessors = [
        {
            "user": a.assessor,
            "name": a.assessor.full_name or a.assessor.email,
            "met_number": getattr(profiles.get(a.assessor_id), "met_number", ""),
            "licence_valid_until": getattr(
                profiles.get(a.assessor_id), "licence_valid_until", None
            ),
            "assigned_by": a.assigned_by,
            "assigned_at": a.assigned_at,
            "candidates": [c for c in candidates if c.assessor_id == a.assessor_id],
        }
        for a in assignments
    ]
    return {
        "event": event,
        "scheme": event.scheme_version.scheme,
        "scheme_version": event.scheme_version,
        "tuk": event.tuk,
        "starts_at": event.local_starts_at,
        "ends_at": event.local_ends_at,
        "zone": event.tuk.zone_label,
        "assessors": assessors,
        "attendance": [
            {
                "number": index,
                "assessment": a,
                "candidate": a.candidate,
                "name": a.candidate.full_name or a.candidate.email,
                "institution": getattr(
                    getattr(a.candidate, "candidate_profile", None), "institution", ""
                ),
                "assessor": a.assessor,
                "attended_at": a.attended_at,
            }
            for index, a in enumerate(candidates, start=1)
        ],
    }

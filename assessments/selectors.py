"""Reads for assessment pages: scoped to the user (404 for other people's records) and with a
constant number of queries whatever the size of the scheme."""

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
        qs = qs.filter(Q(candidate=user) | Q(assessor=user, assessor__is_assessor=True))
    try:
        return qs.get(pk=pk)
    except Assessment.DoesNotExist as exc:
        raise Http404 from exc


def scheme_structure(scheme_version_id: int) -> list[SchemeUnit]:
    """Groups' units in order, each with elements and KUK prefetched (3 queries)."""
    return list(
        SchemeUnit.objects.filter(group__version_id=scheme_version_id)
        .select_related("unit", "group")
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
    return units, {"answered": answered, "total": total,
                   "percent": round(100 * answered / total) if total else 0}


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
            timeline.append({"state": state, "label": Assessment.State(state).label,
                             "at": when, "reason": reason or ""})
            last = state
    return timeline


def assessor_assessment(user, pk: int) -> Assessment:
    """An assessment assigned to ``user`` as assessor and not blocked by a declared conflict,
    or 404 (another assessor's candidate is invisible, not forbidden)."""
    from assessments.models import ImpartialityDeclaration

    conflicted = ImpartialityDeclaration.objects.filter(assessor=user).exclude(
        relationship=ImpartialityDeclaration.Relationship.NONE
    ).values("assessment_id")
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
_STATE_ORDER = ["scheduled", "cleared", "prepared", "in_progress", "reopened", "recommended",
                "reported", "decided"]


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
            status = "done" if state in ("reported", "decided") else (
                "open" if recommended else "locked")
        else:
            status = "done" if recommended else ("open" if prepared else "locked")
        try:
            url = reverse(url_name, args=[assessment.pk])
        except NoReverseMatch:
            url = ""
        steps.append({"key": key, "url": url, "label": str(label), "status": status,
                      "current": key == current, "number": len(steps) + 1})
    return steps

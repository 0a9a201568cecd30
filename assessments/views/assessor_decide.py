"""The assessor's steps 3 to 6 for one candidate: evidence review (FR.IA.08, requests for more
evidence, third-party verification FR.IA.10 and the coverage view), the decision per unit
(FR.AK.02), feedback and the recommendation, the record's submission; and per event the
FR.AK.05 report with the Berita Acara counts.

Every page loads the assessment through ``selectors.assessor_assessment`` (404 for another
assessor's candidate and for a pairing with a declared conflict), sends the assessor to the
impartiality declaration before showing any candidate data, and hides its forms with the
``assessor_refusal`` message when the assessor may not act (licence, scope). GET shows; a POST
calls one service and redirects (PRG); htmx requests get the changed card back, with the
coverage or the overall result swapped out of band. A stale form (EditConflict) answers 409
with the saved review shown beside what the assessor typed. Query counts do not grow with the
number of units."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms_assessor_decide import (
    GAP_PHRASES,
    STRENGTH_PHRASES,
    EventReportForm,
    EvidenceRequestForm,
    EvidenceReviewForm,
    FeedbackForm,
    ThirdPartyForm,
    UnitDecisionForm,
)
from assessments.models import (
    Assessment,
    CandidateFeedback,
    EventReport,
    Evidence,
    ImpartialityDeclaration,
    Instrument,
    Observation,
    QuestionRecord,
    SelfAssessment,
    ThirdPartyVerification,
    UnitDecision,
)
from assessments.services.assessor import THIRD_PARTY_QUESTIONS
from schemes.models import Criterion

S = Assessment.State
TEMPLATES = "assessments/assessor"
REVIEW_STATES = services.ASSESSING_STATES
REQUEST_STATES = (S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.REOPENED)
DECIDE_STATES = (S.IN_PROGRESS, S.REOPENED)
K, BK = UnitDecision.Outcome.K, UnitDecision.Outcome.BK
# Which recorded questions count as which evidence source of FR.AK.02.
QUESTION_SOURCES = {
    Instrument.IA03: UnitDecision.Source.ORAL,
    Instrument.IA07: UnitDecision.Source.ORAL,
    Instrument.IA09: UnitDecision.Source.INTERVIEW,
}
# Candidates of an event report: placed in the event (withdrawn and refused ones are not).
EVENT_REPORT_STATES = (
    S.SCHEDULED,
    S.CLEARED,
    S.PREPARED,
    S.IN_PROGRESS,
    S.RECOMMENDED,
    S.REPORTED,
    S.DECIDED,
    S.REOPENED,
    S.ABSENT,
)
ASSESSED_STATES = (S.IN_PROGRESS, S.RECOMMENDED, S.REPORTED, S.DECIDED, S.REOPENED)
OPEN_STATES = (S.SCHEDULED, S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.RECOMMENDED, S.REOPENED)


# Shared ----------------------------------------------------------------------------------------


def _open(request: HttpRequest, pk: int) -> tuple[Assessment, str]:
    """The assessor's assessment (404 for anyone else) and why they may not act on it now
    ("" when they may): the one rule of ``services.assessor_refusal``."""
    assessment = selectors.assessor_assessment(request.user, pk)
    refusal = services.assessor_refusal(assessor=request.user, assessment=assessment) or ""
    return assessment, refusal


def _impartiality_first(request: HttpRequest, assessment: Assessment) -> HttpResponse | None:
    """No candidate data before the assessor has declared impartiality for the event: send
    them to the declaration (a declared conflict already made the candidate a 404)."""
    if ImpartialityDeclaration.objects.filter(
        assessor=request.user, assessment=assessment
    ).exists():
        return None
    messages.info(
        request, _("Declare impartiality for this event before working on its candidates.")
    )
    for name, args in (
        ("assessments:event_impartiality", [assessment.event_id]),
        ("assessments:assessor_home", []),
    ):
        try:
            return redirect(reverse(name, args=args))
        except NoReverseMatch:
            continue
    raise Http404


def _text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You cannot do this.")


def _code(exc: ValidationError) -> str:
    return getattr(exc, "code", None) or ""


def _render(
    request: HttpRequest,
    template: str,
    assessment: Assessment,
    step: str,
    context: dict,
    status: int = 200,
) -> HttpResponse:
    context = {
        "assessment": assessment,
        "steps": selectors.assessor_stepper(assessment, step),
        **context,
    }
    return render(request, f"{TEMPLATES}/{template}", context, status=status)


def _back(name: str, assessment: Assessment, anchor: str = "") -> HttpResponse:
    url = reverse(name, args=[assessment.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@dataclass
class Structure:
    """The scheme's units in order with their elements and KUK (3 queries)."""

    units: list  # schemes.Unit, in scheme order, elements and criteria prefetched

    @classmethod
    def of(cls, assessment: Assessment) -> "Structure":
        return cls([su.unit for su in selectors.scheme_structure(assessment.scheme_version_id)])

    def unit(self, unit_id: int):
        unit = next((u for u in self.units if u.pk == unit_id), None)
        if unit is None:
            raise Http404
        return unit

    def criterion_ids(self) -> list[int]:
        return [c.pk for u in self.units for e in u.elements.all() for c in e.criteria.all()]


# Step 3: evidence review -----------------------------------------------------------------------


def _evidence_items(assessment: Assessment):
    """The current evidence with its review (and the KUK it supports) and the elements the
    candidate linked it to (4 queries)."""
    return (
        assessment.evidence.filter(superseded_by__isnull=True)
        .select_related("review__reviewed_by", "request")
        .prefetch_related(
            Prefetch("self_assessments", queryset=SelfAssessment.objects.only("id", "element")),
            Prefetch("review__criteria", queryset=Criterion.objects.only("id")),
        )
        .order_by("uploaded_at", "pk")
    )


VATM = [
    ("valid", pgettext_lazy("evidence rule", "Valid")),
    ("authentic", pgettext_lazy("evidence rule", "Authentic")),
    ("current", pgettext_lazy("evidence rule", "Current")),
    ("sufficient", pgettext_lazy("evidence rule", "Sufficient")),
]


def _vatm_values(review) -> list[tuple[str, bool]]:
    return [(label, getattr(review, name)) for name, label in VATM] if review else []


def _review_form(evidence: Evidence, criterion_ids: list[int], linked: set[int], structure):
    review = getattr(evidence, "review", None)
    if review is not None:
        checked = [c.pk for c in review.criteria.all()]
    else:  # first review: start from the KUK of the elements the candidate linked it to
        checked = [
            c.pk
            for u in structure.units
            for e in u.elements.all()
            if e.pk in linked
            for c in e.criteria.all()
        ]
    initial = {
        "valid": review.valid if review else False,
        "authentic": review.authentic if review else False,
        "current": review.current if review else False,
        "sufficient": review.sufficient if review else False,
        "note": review.note if review else "",
        "criteria": checked,
        "version": review.version if review else 0,
    }
    return EvidenceReviewForm(
        initial=initial, prefix=f"ev{evidence.pk}", criterion_ids=criterion_ids
    )


def _review_item(
    evidence: Evidence,
    structure: Structure,
    criterion_ids: list[int],
    *,
    form: EvidenceReviewForm | None = None,
    conflict=None,
    saved: bool = False,
) -> dict:
    """One evidence card: the file, the elements the candidate linked, and the FR.IA.08 form
    with the KUK grouped by unit and element (the linked units open, the others folded)."""
    linked = {answer.element_id for answer in evidence.self_assessments.all()}
    form = form or _review_form(evidence, criterion_ids, linked, structure)
    checked = form.checked_criteria() if form.is_bound else set(form.initial["criteria"])
    units, linked_elements = [], []
    for unit in structure.units:
        elements = []
        for element in unit.elements.all():
            is_linked = element.pk in linked
            if is_linked:
                linked_elements.append((unit, element))
            elements.append(
                {
                    "element": element,
                    "linked": is_linked,
                    "criteria": [(c, c.pk in checked) for c in element.criteria.all()],
                }
            )
        units.append(
            {
                "unit": unit,
                "elements": elements,
                "linked": any(e["linked"] for e in elements),
                "checked": sum(1 for e in elements for _c, on in e["criteria"] if on),
            }
        )
    review = getattr(evidence, "review", None)
    return {
        "evidence": evidence,
        "review": review,
        "review_values": _vatm_values(review),
        "form": form,
        "vatm_fields": [form[name] for name, _label in VATM],
        "units": units,
        "open_units": [u for u in units if u["linked"] or u["checked"]],
        "other_units": [u for u in units if not (u["linked"] or u["checked"])],
        "linked_elements": linked_elements,
        "conflict": conflict,
        "conflict_values": _vatm_values(conflict),
        "saved": saved,
    }


STATUSES = ("covered", "failed", "unsupported")


def _coverage(assessment: Assessment, structure: Structure, titles: dict[int, str]) -> dict:
    """Per unit, per KUK: the observation (Ya / Tidak / none) and the evidence rated VATM that
    supports it; a KUK with neither is "no support" (3 queries)."""
    coverage = services.unit_coverage(assessment)
    units, totals = [], {"total": 0, **dict.fromkeys(STATUSES, 0)}
    for unit in structure.units:
        by_kuk = {c.criterion_id: c for c in coverage.get(unit.pk, [])}
        rows = []
        for element in unit.elements.all():
            for criterion in element.criteria.all():
                kuk = by_kuk.get(criterion.pk)
                observed = kuk.observed if kuk else None
                evidence = [(pk, titles.get(pk, "")) for pk in (kuk.evidence_ids if kuk else [])]
                if observed is False:
                    status = "failed"
                elif kuk and kuk.covered:
                    status = "covered"
                else:
                    status = "unsupported"
                rows.append(
                    {
                        "element": element,
                        "criterion": criterion,
                        "observed": observed,
                        "evidence": evidence,
                        "status": status,
                    }
                )
        summary = {key: sum(1 for r in rows if r["status"] == key) for key in STATUSES}
        summary["total"] = len(rows)
        for key in totals:
            totals[key] += summary[key]
        units.append({"unit": unit, "rows": rows, **summary})
    return {"units": units, **totals}


def _evidence_context(
    assessment: Assessment,
    refusal: str,
    *,
    items: dict[int, dict] | None = None,
    request_form: EvidenceRequestForm | None = None,
    third_party_form: ThirdPartyForm | None = None,
) -> dict:
    structure = Structure.of(assessment)
    criterion_ids = structure.criterion_ids()
    evidence = list(_evidence_items(assessment))
    items = items or {}
    cards = [items.get(e.pk) or _review_item(e, structure, criterion_ids) for e in evidence]
    titles = {e.pk: e.title for e in evidence}
    requests = list(
        assessment.evidence_requests.select_related("requested_by").prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at"))
        )
    )
    third_parties = list(
        assessment.third_party_verifications.select_related("recorded_by").order_by("recorded_at")
    )
    for record in third_parties:
        record.rows = [
            (label, record.answers.get(key)) for key, label in THIRD_PARTY_QUESTIONS.items()
        ]
    can_act = not refusal
    return {
        "refusal": refusal,
        "can_review": can_act and assessment.state in REVIEW_STATES,
        "can_request": can_act and assessment.state in REQUEST_STATES,
        "cards": cards,
        "reviewed_count": sum(1 for e in evidence if e.is_reviewed),
        "requests": requests,
        "open_requests": sum(1 for r in requests if r.is_open),
        "request_form": request_form or EvidenceRequestForm(prefix="request"),
        "third_parties": third_parties,
        "third_party_form": third_party_form or ThirdPartyForm(prefix="ia10"),
        "coverage": _coverage(assessment, structure, titles),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def assess_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, refusal = _open(request, pk)
    if response := _impartiality_first(request, assessment):
        return response
    services.record_access(request, assessment)
    return _render(
        request, "evidence.html", assessment, "evidence", _evidence_context(assessment, refusal)
    )


@login_required
@require_POST
def assess_evidence_review(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """Save FR.IA.08 for one item. A form loaded before someone else saved the same review
    answers 409: the saved review is shown and what was typed is kept, with the new version,
    so that saving again is a deliberate choice."""
    assessment, refusal = _open(request, pk)
    evidence = _evidence_items(assessment).filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404
    structure = Structure.of(assessment)
    criterion_ids = structure.criterion_ids()
    prefix = f"ev{evidence.pk}"
    form = EvidenceReviewForm(request.POST, prefix=prefix, criterion_ids=criterion_ids)
    status, conflict, saved = 200, None, False
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.evidence_review_save(
                evidence_id=evidence.pk,
                actor=request.user,
                valid=data["valid"],
                authentic=data["authentic"],
                current=data["current"],
                sufficient=data["sufficient"],
                note=data["note"],
                criterion_ids=data["criteria"],
                version=data["version"],
            )
        except services.EditConflict as exc:
            status, conflict = 409, exc.current
            posted = request.POST.copy()
            posted[f"{prefix}-version"] = str(exc.current.version if exc.current else 0)
            form = EvidenceReviewForm(posted, prefix=prefix, criterion_ids=criterion_ids)
            form.is_valid()
            form.add_error(None, _text(exc))
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _text(exc))
        else:
            saved = True
    if saved and not request.htmx:
        messages.success(request, _("Review saved: %(title)s.") % {"title": evidence.title})
        return _back("assessments:assess_evidence", assessment, f"evidence-{evidence.pk}")
    if saved:  # reload: the review and the evidence's reviewed mark changed
        evidence = _evidence_items(assessment).get(pk=evidence.pk)
        form = None
    item = _review_item(
        evidence, structure, criterion_ids, form=form, conflict=conflict, saved=saved
    )
    if request.htmx:
        evidence_list = list(assessment.evidence.filter(superseded_by__isnull=True))
        context = {
            "assessment": assessment,
            "card": item,
            "can_review": not refusal and assessment.state in REVIEW_STATES,
            "coverage": _coverage(assessment, structure, {e.pk: e.title for e in evidence_list}),
            "oob": True,
        }
        return render(request, f"{TEMPLATES}/partials/evidence_card.html", context, status=status)
    context = _evidence_context(assessment, refusal, items={evidence.pk: item})
    return _render(request, "evidence.html", assessment, "evidence", context, status=status)


@login_required
@require_POST
def assess_evidence_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the candidate for more evidence (they are notified)."""
    assessment, refusal = _open(request, pk)
    form = EvidenceRequestForm(request.POST, prefix="request")
    if refusal:
        # The service checks the assignment; the licence and scope rule is checked here too.
        form.add_error(None, refusal)
    elif form.is_valid():
        try:
            services.evidence_request_create(
                assessment_id=assessment.pk,
                actor=request.user,
                what=form.cleaned_data["what"],
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as exc:
            field = {"what": "what", "due_date": "due_date"}.get(_code(exc))
            form.add_error(field, _text(exc))
        except PermissionDenied as exc:
            form.add_error(None, _text(exc))
        else:
            messages.success(request, _("The candidate has been asked for more evidence."))
            return _back("assessments:assess_evidence", assessment, "requests")
    context = _evidence_context(assessment, refusal, request_form=form)
    return _render(request, "evidence.html", assessment, "evidence", context)


@login_required
@require_POST
def assess_third_party(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a third-party verification (FR.IA.10)."""
    assessment, refusal = _open(request, pk)
    form = ThirdPartyForm(request.POST, prefix="ia10")
    if form.is_valid():
        try:
            services.third_party_save(
                assessment_id=assessment.pk, actor=request.user, data=form.service_data()
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, _text(exc))
        except PermissionDenied as exc:
            form.add_error(None, _text(exc))
        else:
            messages.success(request, _("Third-party verification recorded."))
            return _back("assessments:assess_evidence", assessment, "third-party")
    context = _evidence_context(assessment, refusal, third_party_form=form)
    return _render(request, "evidence.html", assessment, "evidence", context)


# Step 4: decision per unit (FR.AK.02) ----------------------------------------------------------


def _overall(units: list, decisions: dict[int, UnitDecision]) -> dict:
    """The recommendation follows from the units: BK as soon as one unit is BK, K only when
    every unit is decided K, otherwise still open."""
    outcomes = [decisions[u.pk].outcome if u.pk in decisions else None for u in units]
    undecided = outcomes.count(None)
    if BK in outcomes:
        outcome = BK
    elif units and not undecided:
        outcome = K
    else:
        outcome = None
    return {
        "outcome": outcome,
        "undecided": undecided,
        "bk_units": [u for u, o in zip(units, outcomes, strict=True) if o == BK],
        "total": len(units),
    }


def _decide_units(
    assessment: Assessment,
    structure: Structure,
    *,
    forms: dict[int, UnitDecisionForm] | None = None,
    refusals: dict[int, str] | None = None,
    saved: int | None = None,
) -> tuple[list[dict], dict[int, UnitDecision]]:
    decisions = {d.unit_id: d for d in assessment.unit_decisions.select_related("decided_by")}
    coverage = services.unit_coverage(assessment)
    asked = set(
        QuestionRecord.objects.filter(assessment=assessment)
        .values_list("unit_id", "instrument")
        .distinct()
    )
    third_party = assessment.third_party_verifications.exists()
    forms, refusals = forms or {}, refusals or {}
    labels = dict(UnitDecision.Source.choices)
    rows = []
    for unit in structure.units:
        kuk = coverage.get(unit.pk, [])
        summary = {
            "total": len(kuk),
            "covered": sum(1 for c in kuk if c.covered),
            "failed": sum(1 for c in kuk if c.observed is False),
        }
        summary["unsupported"] = summary["total"] - summary["covered"] - summary["failed"]
        # What the record shows was used, to tick by default on a first decision.
        suggested = []
        if any(c.observed is not None for c in kuk):
            suggested.append(UnitDecision.Source.OBSERVATION)
        if any(c.evidence_ids for c in kuk):
            suggested.append(UnitDecision.Source.PORTFOLIO)
        if third_party:
            suggested.append(UnitDecision.Source.THIRD_PARTY)
        for (unit_id, instrument), source in (
            ((unit.pk, i), s) for i, s in QUESTION_SOURCES.items()
        ):
            if (unit_id, instrument) in asked and source not in suggested:
                suggested.append(source)
        decision = decisions.get(unit.pk)
        form = forms.get(unit.pk) or UnitDecisionForm(
            prefix=f"u{unit.pk}",
            initial={
                "outcome": decision.outcome if decision else "",
                "sources": decision.sources if decision else suggested,
                "reason": decision.reason if decision else "",
                "follow_up": decision.follow_up if decision else "",
            },
        )
        rows.append(
            {
                "unit": unit,
                "decision": decision,
                "source_labels": [labels.get(s, s) for s in decision.sources] if decision else [],
                "form": form,
                "refusal": refusals.get(unit.pk, ""),
                "saved": saved == unit.pk,
                **summary,
            }
        )
    return rows, decisions


def _decide_context(assessment: Assessment, refusal: str, **kwargs) -> dict:
    structure = Structure.of(assessment)
    rows, decisions = _decide_units(assessment, structure, **kwargs)
    return {
        "refusal": refusal,
        "can_decide": not refusal and assessment.state in DECIDE_STATES,
        "rows": rows,
        "overall": _overall(structure.units, decisions),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def assess_decide(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, refusal = _open(request, pk)
    if response := _impartiality_first(request, assessment):
        return response
    return _render(
        request, "decide.html", assessment, "decide", _decide_context(assessment, refusal)
    )


@login_required
@require_POST
def assess_decide_unit(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """K/BK for one unit. A refusal about the KUK (a Tidak, a KUK without support) is shown
    next to the unit with a link to the coverage view; a missing reason next to its field."""
    assessment, refusal = _open(request, pk)
    structure = Structure.of(assessment)
    unit = structure.unit(unit_id)
    form = UnitDecisionForm(request.POST, prefix=f"u{unit.pk}")
    unit_refusal, saved = "", False
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.unit_decide(
                assessment_id=assessment.pk,
                actor=request.user,
                unit_id=unit.pk,
                outcome=data["outcome"],
                sources=data["sources"],
                reason=data["reason"],
                follow_up=data["follow_up"],
            )
        except ValidationError as exc:
            code = _code(exc)
            if code in ("kuk_failed", "kuk_uncovered"):
                unit_refusal = _text(exc)
            elif code == "bk_reason":
                for field in ("reason", "follow_up"):
                    if not data[field].strip():
                        form.add_error(field, _text(exc))
            elif code == "sources":
                form.add_error("sources", _text(exc))
            else:
                form.add_error(None, _text(exc))
        except PermissionDenied as exc:
            form.add_error(None, _text(exc))
        else:
            saved = True
    if saved and not request.htmx:
        messages.success(request, _("Decision saved: %(unit)s.") % {"unit": unit.code})
        return _back("assessments:assess_decide", assessment, f"unit-{unit.pk}")
    if saved:
        assessment.refresh_from_db(fields=["state", "state_changed_at"])
    forms = {} if saved else {unit.pk: form}
    refusals = {unit.pk: unit_refusal} if unit_refusal else {}
    context = _decide_context(
        assessment, refusal, forms=forms, refusals=refusals, saved=unit.pk if saved else None
    )
    if request.htmx:
        row = next(r for r in context["rows"] if r["unit"].pk == unit.pk)
        return render(
            request,
            f"{TEMPLATES}/partials/decide_unit.html",
            {**context, "assessment": assessment, "row": row, "oob": True},
        )
    return _render(request, "decide.html", assessment, "decide", context)


# Step 5: feedback and the recommendation -------------------------------------------------------


def _feedback_context(
    assessment: Assessment,
    refusal: str,
    *,
    forms: dict[int, FeedbackForm] | None = None,
    saved: int | None = None,
) -> dict:
    structure = Structure.of(assessment)
    decisions = {d.unit_id: d for d in assessment.unit_decisions.all()}
    feedback = {f.unit_id: f for f in assessment.assessor_feedback.all()}
    forms = forms or {}
    strengths, gaps = [str(p) for p in STRENGTH_PHRASES], [str(p) for p in GAP_PHRASES]
    rows = []
    for unit in structure.units:
        written = feedback.get(unit.pk)
        form = forms.get(unit.pk) or FeedbackForm(
            prefix=f"f{unit.pk}",
            initial={
                "strengths": written.strengths if written else "",
                "gaps": written.gaps if written else "",
            },
        )
        rows.append(
            {
                "unit": unit,
                "decision": decisions.get(unit.pk),
                "feedback": written,
                "form": form,
                "fields": [(form["strengths"], strengths), (form["gaps"], gaps)],
                "saved": saved == unit.pk,
            }
        )
    can_act = not refusal
    return {
        "refusal": refusal,
        "can_write": can_act and assessment.state in DECIDE_STATES,
        "can_send": can_act and assessment.state == S.IN_PROGRESS,
        "rows": rows,
        "overall": _overall(structure.units, decisions),
        "problems": services.recommendation_problems(assessment)
        if assessment.state in DECIDE_STATES
        else [],
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def assess_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, refusal = _open(request, pk)
    if response := _impartiality_first(request, assessment):
        return response
    return _render(
        request, "feedback.html", assessment, "feedback", _feedback_context(assessment, refusal)
    )


@login_required
@require_POST
def assess_feedback_unit(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    assessment, refusal = _open(request, pk)
    unit = Structure.of(assessment).unit(unit_id)
    form = FeedbackForm(request.POST, prefix=f"f{unit.pk}")
    saved = False
    if form.is_valid():
        try:
            services.feedback_save(
                assessment_id=assessment.pk,
                actor=request.user,
                unit_id=unit.pk,
                strengths=form.cleaned_data["strengths"],
                gaps=form.cleaned_data["gaps"],
            )
        except ValidationError as exc:
            form.add_error("strengths" if _code(exc) == "strengths" else None, _text(exc))
        except PermissionDenied as exc:
            form.add_error(None, _text(exc))
        else:
            saved = True
    if saved and not request.htmx:
        messages.success(request, _("Feedback saved: %(unit)s.") % {"unit": unit.code})
        return _back("assessments:assess_feedback", assessment, f"unit-{unit.pk}")
    if saved:
        assessment.refresh_from_db(fields=["state", "state_changed_at"])
    context = _feedback_context(
        assessment,
        refusal,
        forms={} if saved else {unit.pk: form},
        saved=unit.pk if saved else None,
    )
    if request.htmx:
        row = next(r for r in context["rows"] if r["unit"].pk == unit.pk)
        return render(
            request,
            f"{TEMPLATES}/partials/decide_feedback_unit.html",
            {**context, "assessment": assessment, "row": row, "oob": True},
        )
    return _render(request, "feedback.html", assessment, "feedback", context)


@login_required
@require_POST
def assess_recommend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the recommendation (all units decided, feedback written): the candidate sees it."""
    assessment, _refusal = _open(request, pk)
    try:
        services.recommendation_submit(assessment_id=assessment.pk, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _text(exc))
        return _back("assessments:assess_feedback", assessment, "send")
    messages.success(
        request, _("Recommendation sent. The candidate can now see the result and feedback.")
    )
    return _back("assessments:assess_report", assessment)


# Step 6: the record's submission ---------------------------------------------------------------


def _report_context(assessment: Assessment, refusal: str) -> dict:
    structure = Structure.of(assessment)
    decisions = {d.unit_id: d for d in assessment.unit_decisions.select_related("decided_by")}
    feedback = {f.unit_id: f for f in assessment.assessor_feedback.all()}
    sources = dict(UnitDecision.Source.choices)
    rows = []
    for unit in structure.units:
        decision = decisions.get(unit.pk)
        rows.append(
            {
                "unit": unit,
                "decision": decision,
                "sources": [sources.get(s, s) for s in decision.sources] if decision else [],
                "feedback": feedback.get(unit.pk),
            }
        )
    kuk_total = len(structure.criterion_ids())
    evidence = assessment.evidence.filter(superseded_by__isnull=True)
    counts = {
        "kuk_total": kuk_total,
        "observed": Observation.objects.filter(
            assessment=assessment, achieved__isnull=False
        ).count(),
        "evidence_total": evidence.count(),
        "evidence_reviewed": evidence.filter(reviewed_at__isnull=False).count(),
        "questions": assessment.questions.count(),
        "third_party": ThirdPartyVerification.objects.filter(assessment=assessment).count(),
    }
    return {
        "refusal": refusal,
        "can_submit": not refusal and assessment.state == S.RECOMMENDED,
        "rows": rows,
        "overall": _overall(structure.units, decisions),
        "counts": counts,
        "candidate_feedback": CandidateFeedback.objects.filter(assessment=assessment).first(),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assess_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The record's summary; POST submits it, after which it is read-only."""
    assessment, refusal = _open(request, pk)
    if request.method == "POST":
        try:
            services.report_submit(assessment_id=assessment.pk, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _text(exc))
        else:
            messages.success(request, _("The record is submitted and is now read-only."))
        return _back("assessments:assess_report", assessment)
    if response := _impartiality_first(request, assessment):
        return response
    return _render(
        request, "report.html", assessment, "report", _report_context(assessment, refusal)
    )


# The event report (FR.AK.05) and the Berita Acara ----------------------------------------------


def _event_rows(event, user) -> tuple[list[dict], dict]:
    """The assessor's candidates of the event with their result derived from the unit
    decisions, and the Berita Acara counts (3 queries)."""
    from schemes.models import SchemeUnit

    unit_count = SchemeUnit.objects.filter(group__version_id=event.scheme_version_id).count()
    conflicted = ImpartialityDeclaration.objects.filter(assessor=user).exclude(
        relationship=ImpartialityDeclaration.Relationship.NONE
    )
    assessments = (
        event.assessments.filter(assessor=user, state__in=EVENT_REPORT_STATES)
        .exclude(pk__in=conflicted.values("assessment_id"))
        .select_related("candidate")
        .prefetch_related(
            Prefetch(
                "unit_decisions",
                queryset=UnitDecision.objects.select_related("unit").order_by("unit__code"),
            )
        )
        .order_by("candidate__full_name", "pk")
    )
    rows = []
    counts = {"candidates": 0, "present": 0, "k": 0, "bk": 0, "absent": 0, "open": 0}
    for assessment in assessments:
        decisions = list(assessment.unit_decisions.all())
        bk_units = [d.unit for d in decisions if d.outcome == BK]
        absent = assessment.state == S.ABSENT
        present = not absent and (
            assessment.attended_at is not None or assessment.state in ASSESSED_STATES
        )
        if absent:
            result = ""
        elif bk_units:
            result = BK
        elif unit_count and len(decisions) == unit_count:
            result = K
        else:
            result = ""
        is_open = assessment.state in OPEN_STATES
        counts["candidates"] += 1
        counts["present"] += present
        counts["absent"] += absent
        counts["open"] += is_open
        counts["k"] += result == K
        counts["bk"] += result == BK
        rows.append(
            {
                "assessment": assessment,
                "result": result,
                "bk_units": bk_units,
                "present": present,
                "absent": absent,
                "open": is_open,
            }
        )
    return rows, counts


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_report(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.AK.05 for the assessor's candidates of an event, and the Berita Acara counts. POST
    saves the text; with "submit" it submits the report (refused while a record is open)."""
    if not request.user.is_assessor:
        raise Http404
    event = get_object_or_404(selectors.assessor_events(request.user).distinct(), pk=pk)
    report = EventReport.objects.filter(event=event, assessor=request.user).first()
    submitted = bool(report and report.submitted_at)
    form = EventReportForm(instance=report)
    if request.method == "POST" and not submitted:
        form = EventReportForm(request.POST, instance=report)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.event_report_save(
                    event_id=event.pk, actor=request.user, data=form.cleaned_data, submit=submit
                )
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _text(exc))
            else:
                messages.success(
                    request,
                    _("The event report is submitted.") if submit else _("Event report saved."),
                )
                return redirect("assessments:event_report", pk=event.pk)
    elif request.method == "POST":
        messages.error(request, _("The report was already submitted."))
        return redirect("assessments:event_report", pk=event.pk)
    rows, counts = _event_rows(event, request.user)
    due_date = services.due_date_for(event)
    context = {
        "event": event,
        "report": report,
        "submitted": submitted,
        "form": form,
        "rows": rows,
        "counts": counts,
        "due_date": due_date,
        "overdue": not submitted and due_date < timezone.localdate(),
    }
    return render(request, f"{TEMPLATES}/event_report.html", context)


urlpatterns = [
    path("assess/<int:pk>/evidence/", assess_evidence, name="assess_evidence"),
    path(
        "assess/<int:pk>/evidence/<int:evidence_id>/review/",
        assess_evidence_review,
        name="assess_evidence_review",
    ),
    path(
        "assess/<int:pk>/evidence/request/",
        assess_evidence_request,
        name="assess_evidence_request",
    ),
    path("assess/<int:pk>/evidence/third-party/", assess_third_party, name="assess_third_party"),
    path("assess/<int:pk>/decide/", assess_decide, name="assess_decide"),
    path("assess/<int:pk>/decide/<int:unit_id>/", assess_decide_unit, name="assess_decide_unit"),
    path("assess/<int:pk>/feedback/", assess_feedback, name="assess_feedback"),
    path(
        "assess/<int:pk>/feedback/<int:unit_id>/",
        assess_feedback_unit,
        name="assess_feedback_unit",
    ),
    path("assess/<int:pk>/recommend/", assess_recommend, name="assess_recommend"),
    path("assess/<int:pk>/report/", assess_report, name="assess_report"),
    path("events/<int:pk>/report/", event_report, name="event_report"),
]

"""Step 1 of the assessor's work on one candidate: the preparation page.

One page with six sections, each its own form posting to its own URL: the FR.APL.02 review,
the FR.MAPA.01 plan, the FR.AK.07 adjustments, the TUK and document checklists, the FR.AK.01
signature and "preparation complete". Every POST calls one service and redirects back to the
section's anchor (PRG); the plan, adjustments and checklists answer an htmx request with their
section (and the completion checklist, out of band) instead.

The assessment is loaded through ``selectors.assessor_assessment`` (404 for another assessor's
candidate and for a conflicted pairing). Nothing about the candidate is shown before the
assessor has declared impartiality for them: without a declaration the page sends the assessor
to the event's declaration. The services enforce the state machine and the assessor rule
(licence, scope, conflict); the page only hides the forms that would be refused and says why.
"""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from assessments import selectors, services
from assessments.forms_assessor_prepare import (
    AdjustmentsForm,
    Apl02ReviewForm,
    PlanForm,
    ReadinessForm,
)
from assessments.forms_progress import AK01_STATEMENTS, ConsentSignForm
from assessments.models import (
    Assessment,
    ConsentTerms,
    Form,
    ImpartialityDeclaration,
    Instrument,
    PreparationRecord,
    Signature,
    UnitPlan,
)
from assessments.services import AK07_CHARACTERISTICS, CONSENT_STATES, DOCUMENT_CHECKS, TUK_CHECKS

S = Assessment.State
TEMPLATE = "assessments/assessor/prepare.html"
PARTIALS = "assessments/assessor/partials"
# States past the preparation: the page is read-only in them.
PREPARED_STATES = (S.PREPARED, S.IN_PROGRESS, S.RECOMMENDED, S.REPORTED, S.DECIDED, S.REOPENED)
# Where each item of the completion checklist is done (section anchors on the page).
CHECKLIST_ANCHORS = {
    "apl02": "apl02",
    "background": "plan",
    "plan": "plan",
    "ak07": "ak07",
    "tuk": "checks",
    "documents": "checks",
    "ak01": "ak01",
}


# Loading ---------------------------------------------------------------------------------------


def _load(request: HttpRequest, pk: int) -> tuple[Assessment, HttpResponse | None]:
    """The assessor's candidate (404 otherwise) and, when impartiality is not declared yet, the
    redirect to the event's declaration: no candidate data before it."""
    assessment = selectors.assessor_assessment(request.user, pk)
    declared = ImpartialityDeclaration.objects.filter(
        assessor=request.user, assessment=assessment
    ).exists()
    if declared:
        return assessment, None
    messages.info(
        request,
        _("Declare your impartiality towards this event's candidates before preparing them."),
    )
    return assessment, _done(
        request, reverse("assessments:event_impartiality", args=[assessment.event_id])
    )


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """PRG: a plain form gets a redirect; an htmx one asks the browser to load the page."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _page_url(assessment: Assessment, anchor: str = "") -> str:
    url = reverse("assessments:assess_prepare", args=[assessment.pk])
    return f"{url}#{anchor}" if anchor else url


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do this.")


# The page --------------------------------------------------------------------------------------


def _context(request: HttpRequest, assessment: Assessment, **forms: BaseForm) -> dict:
    """Everything the page shows; a constant number of queries whatever the scheme's size."""
    state = assessment.state
    refusal = services.assessor_refusal(assessor=request.user, assessment=assessment)
    can_act = refusal is None
    record = PreparationRecord.objects.filter(assessment=assessment).first()
    plans = {p.unit_id: p for p in UnitPlan.objects.filter(assessment=assessment)}
    units, apl02_progress = selectors.apl02_rows(assessment)
    # Every file the candidate ever linked, superseded ones too: the review is of what they
    # answered with, and a superseded file is labelled as such.
    evidence = {e.pk: e for e in assessment.evidence.order_by("uploaded_at")}
    instrument_labels = dict(Instrument.choices)
    type_labels = dict(UnitPlan.EvidenceType.choices)
    for unit in units:
        unit["k"] = sum(1 for row in unit["elements"] if row["answer"] == "K")
        unit["bk"] = sum(1 for row in unit["elements"] if row["answer"] == "BK")
        for row in unit["elements"]:
            row["evidence"] = [evidence[i] for i in sorted(row["evidence_ids"]) if i in evidence]
        plan = plans.get(unit["unit"].pk)
        unit["plan"] = plan
        unit["plan_types"] = [type_labels.get(t, t) for t in (plan.evidence_types if plan else [])]
        unit["plan_instruments"] = [
            instrument_labels.get(i, i) for i in (plan.instruments if plan else [])
        ]
    signatures = list(
        Signature.objects.filter(
            document=Form.AK01,
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
        )
        .select_related("signer")
        .order_by("signed_at")
    )
    candidate_signature = next((s for s in signatures if s.role == Signature.Role.CANDIDATE), None)
    assessor_signature = next((s for s in signatures if s.role == Signature.Role.ASSESSOR), None)
    terms = ConsentTerms.objects.filter(assessment=assessment).first() or ConsentTerms(
        assessment=assessment, methods=list(ConsentTerms.DEFAULT_METHODS)
    )
    checklist = [
        {"key": key, "label": label, "done": done, "anchor": CHECKLIST_ANCHORS.get(key, "")}
        for key, label, done in services.preparation_checklist(assessment)
    ]

    can_review = can_act and state == S.SCHEDULED
    can_plan = can_act and state == S.CLEARED
    can_sign = (
        can_act
        and state in CONSENT_STATES
        and candidate_signature is not None
        and assessor_signature is None
    )
    unit_objects = [u["unit"] for u in units]
    typical = request.GET.get("typical") == "1"
    context = {
        "assessment": assessment,
        "steps": selectors.assessor_stepper(assessment, "prepare"),
        "refusal": refusal,
        "record": record,
        "profile": getattr(assessment.candidate, "candidate_profile", None),
        "units": units,
        "apl02_progress": apl02_progress,
        "evidence": [e for e in evidence.values() if e.superseded_by_id is None],
        "documents": list(selectors.current_documents(assessment)),
        "candidate_signature": candidate_signature,
        "assessor_signature": assessor_signature,
        "consent_methods": terms.method_labels(),
        "statements": AK01_STATEMENTS,
        "checklist": checklist,
        "complete": all(item["done"] for item in checklist),
        "can_review": can_review,
        "can_plan": can_plan,
        "can_sign": can_sign,
        "waiting_for_candidate": can_act
        and state in CONSENT_STATES
        and candidate_signature is None,
        "can_complete": can_plan,
        "prepared": state in PREPARED_STATES,
        # Before the APL.02 review (or after it returned the application) nothing is planned.
        "pending_review": state not in (S.CLEARED, *PREPARED_STATES),
        "unplanned": any(
            not (u["plan"] and u["plan"].evidence_types and u["plan"].instruments) for u in units
        ),
        "adjustment_rows": _adjustment_rows(record),
        "tuk_rows": _check_rows(TUK_CHECKS, record.tuk_ready if record else {}),
        "document_rows": _check_rows(DOCUMENT_CHECKS, record.documents_complete if record else {}),
        "review_form": forms.get("review_form") or (Apl02ReviewForm() if can_review else None),
        "plan_form": forms.get("plan_form")
        or (
            PlanForm(
                units=unit_objects,
                initial=PlanForm.initial_for(record, plans, unit_objects, typical=typical),
            )
            if can_plan
            else None
        ),
        "ak07_form": forms.get("ak07_form")
        or (AdjustmentsForm(initial=AdjustmentsForm.initial_for(record)) if can_plan else None),
        "readiness_form": forms.get("readiness_form")
        or (ReadinessForm(initial=_readiness_initial(record)) if can_plan else None),
        "sign_form": forms.get("sign_form")
        or (ConsentSignForm(full_name=request.user.full_name) if can_sign else None),
        "typical": typical,
    }
    return context


def _adjustment_rows(record: PreparationRecord | None) -> list[dict]:
    saved = record.adjustments if record else {}
    return [
        {"label": label, "answered": key in saved, **(saved.get(key) or {})}
        for key, label in AK07_CHARACTERISTICS.items()
    ]


def _check_rows(checks: dict, saved: dict) -> list[dict]:
    return [{"label": label, "done": bool(saved.get(key))} for key, label in checks.items()]


def _readiness_initial(record: PreparationRecord | None) -> dict:
    initial = ReadinessForm.initial_for(record)
    # While cleared, APL.01 was accepted and APL.02 reviewed: facts the assessor need not tick.
    if not (record and record.documents_complete):
        initial.update(doc_apl01=True, doc_apl02=bool(record and record.apl02_proceed))
    return initial


def _render_page(request: HttpRequest, assessment: Assessment, **forms: BaseForm) -> HttpResponse:
    return render(request, TEMPLATE, _context(request, assessment, **forms))


@login_required
@require_GET
def prepare(request: HttpRequest, pk: int) -> HttpResponse:
    assessment, redirect_to = _load(request, pk)
    if redirect_to:
        return redirect_to
    services.record_access(request, assessment)
    return _render_page(request, assessment)


# Section forms ---------------------------------------------------------------------------------


def _section_response(
    request: HttpRequest,
    assessment: Assessment,
    *,
    section: str,
    form_key: str,
    form: BaseForm,
    saved: bool,
) -> HttpResponse:
    """htmx: the section again (with its outcome) and the completion checklist out of band."""
    context = _context(request, assessment, **({} if saved else {form_key: form}))
    context["saved"] = saved
    html = render_to_string(f"{PARTIALS}/prepare_{section}.html", context, request=request)
    html += render_to_string(
        f"{PARTIALS}/prepare_complete.html", {**context, "oob": True}, request=request
    )
    return HttpResponse(html)


def _save_section(
    request: HttpRequest,
    pk: int,
    *,
    form_class,
    form_key: str,
    section: str,
    anchor: str,
    save,
    done: str,
    form_kwargs=None,
) -> HttpResponse:
    """Validate the section's form, call its service once, then PRG back to the section (or,
    for htmx, swap the section). A refusal is shown in the form with what was typed kept."""
    assessment, redirect_to = _load(request, pk)
    if redirect_to:
        return redirect_to
    form = form_class(request.POST, **(form_kwargs(assessment) if form_kwargs else {}))
    saved = False
    if form.is_valid():
        try:
            save(assessment, form)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            saved = True
    if request.htmx:
        return _section_response(
            request, assessment, section=section, form_key=form_key, form=form, saved=saved
        )
    if saved:
        messages.success(request, done)
        return redirect(_page_url(assessment, anchor))
    return _render_page(request, assessment, **{form_key: form})


def _scheme_units(assessment: Assessment) -> dict:
    return {"units": [su.unit for su in selectors.scheme_structure(assessment.scheme_version_id)]}


@login_required
@require_POST
def prepare_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.MAPA.01: background, context, purpose and the plan per unit."""

    def save(assessment: Assessment, form: PlanForm) -> None:
        services.plan_save(
            assessment_id=assessment.pk,
            actor=request.user,
            potensi=form.cleaned_data["potensi"],
            context=form.cleaned_data["context"],
            purpose_note=form.cleaned_data["purpose_note"],
            unit_plans=form.unit_plans(),
        )

    return _save_section(
        request,
        pk,
        form_class=PlanForm,
        form_key="plan_form",
        section="plan",
        anchor="plan",
        save=save,
        done=_("The plan (FR.MAPA.01) is saved."),
        form_kwargs=_scheme_units,
    )


@login_required
@require_POST
def prepare_ak07(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.AK.07: which reasonable adjustments the candidate needs."""

    def save(assessment: Assessment, form: AdjustmentsForm) -> None:
        services.plan_save(
            assessment_id=assessment.pk, actor=request.user, adjustments=form.adjustments()
        )

    return _save_section(
        request,
        pk,
        form_class=AdjustmentsForm,
        form_key="ak07_form",
        section="ak07",
        anchor="ak07",
        save=save,
        done=_("The adjustments (FR.AK.07) are saved."),
    )


@login_required
@require_POST
def prepare_checks(request: HttpRequest, pk: int) -> HttpResponse:
    """The TUK readiness and document completeness checklists."""

    def save(assessment: Assessment, form: ReadinessForm) -> None:
        services.plan_save(
            assessment_id=assessment.pk,
            actor=request.user,
            tuk_ready=form.tuk_ready(),
            documents_complete=form.documents_complete(),
        )

    return _save_section(
        request,
        pk,
        form_class=ReadinessForm,
        form_key="readiness_form",
        section="checks",
        anchor="checks",
        save=save,
        done=_("The checklists are saved."),
    )


@login_required
@require_POST
def prepare_apl02(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.APL.02 review: dapat dilanjutkan (cleared) or tidak dapat (returned, with the note)."""
    assessment, redirect_to = _load(request, pk)
    if redirect_to:
        return redirect_to
    form = Apl02ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_apl02(
                assessment_id=assessment.pk,
                actor=request.user,
                proceed=form.proceed,
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            if form.proceed:
                messages.success(
                    request, _("FR.APL.02 reviewed: the assessment can proceed. Plan it next.")
                )
                return _done(request, _page_url(assessment, "plan"))
            messages.success(
                request,
                _("The application went back to the candidate and the LSP admin with your note."),
            )
            return _done(request, _page_url(assessment, "apl02"))
    return _render_page(request, assessment, review_form=form)


@login_required
@require_POST
def prepare_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.AK.01: the assessor signs after the candidate."""
    assessment, redirect_to = _load(request, pk)
    if redirect_to:
        return redirect_to
    form = ConsentSignForm(request.POST, full_name=request.user.full_name)
    if form.is_valid():
        try:
            services.consent_sign(
                assessment_id=assessment.pk,
                actor=request.user,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agreed"],
                ip_address=get_client_ip_address(request),
            )
        except (ValidationError, PermissionDenied) as error:
            field = {"name_mismatch": "typed_name", "not_agreed": "agreed"}.get(
                getattr(error, "code", None) or ""
            )
            form.add_error(field, _error_text(error))
        else:
            messages.success(request, _("You signed FR.AK.01."))
            return _done(request, _page_url(assessment, "ak01"))
    return _render_page(request, assessment, sign_form=form)


@login_required
@require_POST
def prepare_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Preparation complete: the candidate becomes prepared and observation can start."""
    assessment, redirect_to = _load(request, pk)
    if redirect_to:
        return redirect_to
    try:
        services.preparation_complete(assessment_id=assessment.pk, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request, _("Preparation is not complete yet: %(what)s") % {"what": _error_text(error)}
        )
        return _done(request, _page_url(assessment, "complete"))
    messages.success(request, _("Preparation is complete. The assessment can start."))
    return _done(request, _page_url(assessment, "complete"))


urlpatterns = [
    path("assess/<int:pk>/prepare/", prepare, name="assess_prepare"),
    path("assess/<int:pk>/prepare/apl02/", prepare_apl02, name="assess_prepare_apl02"),
    path("assess/<int:pk>/prepare/plan/", prepare_plan, name="assess_prepare_plan"),
    path("assess/<int:pk>/prepare/ak07/", prepare_ak07, name="assess_prepare_ak07"),
    path("assess/<int:pk>/prepare/checks/", prepare_checks, name="assess_prepare_checks"),
    path("assess/<int:pk>/prepare/sign-ak01/", prepare_sign, name="assess_prepare_sign"),
    path("assess/<int:pk>/prepare/complete/", prepare_complete, name="assess_prepare_complete"),
]

"""The LSP admin's verification of applications (FR.APL.01): the queue, and one application with
its documents, payment, FR.APL.02 summary and the decision.

GET shows; every POST calls one service, turns a refusal into a message and redirects back to
the application (PRG). A form with a missing field is shown again with the error next to it and
what was typed kept."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import services
from assessments.filters import ApplicationFilter
from assessments.forms_verification import AcceptForm, DocumentCheckForm, RejectForm, ReturnForm
from assessments.models import ApplicationDocument, Assessment, DocumentKind
from assessments.selectors import apl02_rows, current_evidence

S = Assessment.State
QUEUE_PAGE_SIZE = 25
DETAIL_TEMPLATE = "assessments/verification/detail.html"


def _require_lsp_admin(user) -> None:
    if not user.is_lsp_admin:
        raise PermissionDenied(_("Only an LSP admin can verify applications."))


def _queue_order() -> list:
    # Oldest submission first: first come, first served. Drafts have no submission date.
    return [F("submitted_at").asc(nulls_last=True), "pk"]


# The queue -------------------------------------------------------------------------------------


def _returned_count() -> Subquery:
    """How often the application was returned for revision, from the audit history. Every
    return stamps a new state_changed_at; other saves while returned keep it, so distinct
    stamps count returns, not history rows."""
    history = Assessment.history.model
    returns = (
        history.objects.filter(id=OuterRef("pk"), state=S.RETURNED)
        .order_by()
        .values("id")
        .annotate(n=Count("state_changed_at", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(returns), 0)


def _queue_row(assessment: Assessment) -> dict:
    kinds = {d.kind: d for d in assessment.current_documents}
    required = [
        k for k in services.required_document_kinds(assessment) if k != DocumentKind.PAYMENT
    ]
    row = {
        "assessment": assessment,
        "documents_present": sum(1 for k in required if k in kinds),
        "documents_required": len(required),
        "payment": None,
    }
    if assessment.scheme_version.fee:
        proof = kinds.get(DocumentKind.PAYMENT)
        if services.payment_confirmed(assessment, proof):
            row["payment"] = "confirmed"
        else:
            row["payment"] = "uploaded" if proof else "missing"
    return row


@login_required
def verification_queue(request: HttpRequest) -> HttpResponse:
    _require_lsp_admin(request.user)
    current_documents = ApplicationDocument.objects.filter(replaced_at__isnull=True).only(
        "id", "assessment_id", "kind", "uploaded_at"
    )
    applications = (
        Assessment.objects.select_related("candidate", "scheme_version__scheme", "event")
        .prefetch_related(
            Prefetch("documents", queryset=current_documents, to_attr="current_documents")
        )
        .annotate(returned_count=_returned_count())
        .order_by(*_queue_order())
    )
    filterset = ApplicationFilter(request.GET, queryset=applications, request=request)
    page = Paginator(filterset.qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "rows": [_queue_row(a) for a in page],
    }
    return render(request, "assessments/verification/queue.html", context)


# One application -------------------------------------------------------------------------------


def _application(user, pk: int) -> Assessment:
    """The application for the verification page: LSP admins only (403 before any lookup, so
    nobody else learns which ids exist), unknown ids 404."""
    _require_lsp_admin(user)
    return get_object_or_404(
        Assessment.objects.select_related(
            "candidate__candidate_profile",
            "scheme_version__scheme",
            "event__tuk",
            "previous__scheme_version__scheme",
            "payment_confirmed_by",
        ),
        pk=pk,
    )


def _current_documents(assessment: Assessment) -> list[ApplicationDocument]:
    return list(
        assessment.documents.filter(replaced_at__isnull=True)
        .select_related("checked_by")
        .order_by("kind", "uploaded_at")
    )


def _documents_context(assessment: Assessment, form: DocumentCheckForm | None = None) -> dict:
    documents = _current_documents(assessment)
    checked = [d for d in documents if d.kind != DocumentKind.PAYMENT]
    present_kinds = {d.kind for d in checked}
    missing = [
        DocumentKind(k).label
        for k in services.required_document_kinds(assessment)
        if k != DocumentKind.PAYMENT and k not in present_kinds
    ]
    proof = next((d for d in documents if d.kind == DocumentKind.PAYMENT), None)
    return {
        "assessment": assessment,
        "can_verify": assessment.state == S.SUBMITTED,
        "document_form": form or DocumentCheckForm(documents=checked),
        "missing_documents": missing,
        "payment_proof": proof,
        "payment_confirmed": services.payment_confirmed(assessment, proof),
    }


def _apl02_summary(assessment: Assessment) -> tuple[list[dict], dict]:
    units, progress = apl02_rows(assessment)
    for unit in units:
        answers = [e["answer"] for e in unit["elements"]]
        unit["k"] = answers.count("K")
        unit["bk"] = answers.count("BK")
        unit["open"] = answers.count("")
    return units, progress


def _history(assessment: Assessment) -> list[dict]:
    """Who moved the application to each state (and confirmed the payment), and when."""
    rows = (
        Assessment.history.filter(id=assessment.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    events, last_state = [], None
    for row in rows:
        if row.state != last_state:
            label = S(row.state).label
        elif row.history_change_reason == services.PAYMENT_CONFIRMED_REASON:
            label = _("Payment confirmed")
        else:
            continue
        events.append(
            {
                "label": label,
                "state": row.state if row.state != last_state else "",
                "at": row.history_date,
                "by": row.history_user,
                "note": row.state_note if row.state != last_state else "",
            }
        )
        last_state = row.state
    return events


def _next_in_queue(assessment: Assessment) -> Assessment | None:
    """The submitted application after this one in queue order, or the first one."""
    queue = (
        Assessment.objects.filter(state=S.SUBMITTED)
        .exclude(pk=assessment.pk)
        .select_related("candidate")
        .order_by(*_queue_order())
    )
    later = None
    if assessment.state == S.SUBMITTED and assessment.submitted_at:
        later = queue.filter(
            Q(submitted_at__gt=assessment.submitted_at)
            | Q(submitted_at=assessment.submitted_at, pk__gt=assessment.pk)
        ).first()
    return later or queue.first()


def _render_detail(request: HttpRequest, assessment: Assessment, **forms) -> HttpResponse:
    units, progress = _apl02_summary(assessment)
    profile = getattr(assessment.candidate, "candidate_profile", None)
    context = {
        **_documents_context(assessment, forms.get("document_form")),
        "profile": profile,
        "units": units,
        "progress": progress,
        "evidence": list(current_evidence(assessment)),
        "returned_sections": [
            services.RETURN_SECTIONS[key]
            for key in assessment.returned_sections
            if key in services.RETURN_SECTIONS
        ],
        "history": _history(assessment),
        "next_application": _next_in_queue(assessment),
        "accept_form": forms.get("accept_form") or AcceptForm(prefix="accept"),
        "reject_form": forms.get("reject_form") or RejectForm(prefix="reject"),
        "return_form": forms.get("return_form") or ReturnForm(prefix="return"),
    }
    return render(request, DETAIL_TEMPLATE, context)


@login_required
def verification(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _application(request.user, pk)
    services.record_access(request, assessment)
    return _render_detail(request, assessment)


def _run(request: HttpRequest, assessment: Assessment, call: Callable[[], object], done: str):
    """Call one service; its refusal becomes an error message. Then back to the application."""
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("assessments:verification", pk=assessment.pk)


@login_required
@require_POST
def verification_documents(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _application(request.user, pk)
    documents = [d for d in _current_documents(assessment) if d.kind != DocumentKind.PAYMENT]
    form = DocumentCheckForm(request.POST, documents=documents)
    if not request.htmx:
        if not form.is_valid():
            return _render_detail(request, assessment, document_form=form)
        return _run(
            request,
            assessment,
            lambda: services.application_check_documents(
                assessment_id=assessment.pk, actor=request.user, checks=form.checks()
            ),
            _("The document checks are saved."),
        )
    # htmx: the documents card is swapped in place, with its outcome shown inside it.
    notice, level = "", "success"
    if form.is_valid():
        try:
            services.application_check_documents(
                assessment_id=assessment.pk, actor=request.user, checks=form.checks()
            )
        except ValidationError as exc:
            notice, level = " ".join(exc.messages), "danger"
        else:
            notice, form = _("The document checks are saved."), None
    context = {**_documents_context(assessment, form), "notice": notice, "notice_level": level}
    return render(request, f"{DETAIL_TEMPLATE}#documents", context)


@login_required
@require_POST
def verification_payment(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _application(request.user, pk)
    return _run(
        request,
        assessment,
        lambda: services.application_confirm_payment(
            assessment_id=assessment.pk, actor=request.user
        ),
        _("The payment is confirmed."),
    )


@login_required
@require_POST
def verification_accept(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _application(request.user, pk)
    form = AcceptForm(request.POST, prefix="accept")
    if not form.is_valid():
        return _render_detail(request, assessment, accept_form=form)
    return _run(
        request,
        assessment,
        lambda: services.application_accept(
            assessment_id=assessment.pk, actor=request.user, note=form.cleaned_data["note"]
        ),
        _("The application is accepted (Diterima). The candidate has been notified."),
    )


@login_required
@require_POST
def verification_reject(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _application(request.user, pk)
    form = RejectForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _render_detail(request, assessment, reject_form=form)
    return _run(
        request,
        assessment,
        lambda: services.application_reject(
            assessment_id=assessment.pk, actor=request.user, note=form.cleaned_data["note"]
        ),
        _("The application is not accepted (Tidak diterima). The candidate has been notified."),
    )


@login_required
@require_POST
def verification_return(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _application(request.user, pk)
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return _render_detail(request, assessment, return_form=form)
    return _run(
        request,
        assessment,
        lambda: services.application_return(
            assessment_id=assessment.pk,
            actor=request.user,
            note=form.cleaned_data["note"],
            sections=form.cleaned_data["sections"],
        ),
        _("The application is returned for revision. The candidate has been notified."),
    )


urlpatterns: list = [
    path("verification/", verification_queue, name="verification_queue"),
    path("verification/<int:pk>/", verification, name="verification"),
    path("verification/<int:pk>/documents/", verification_documents, name="verification_documents"),
    path("verification/<int:pk>/payment/", verification_payment, name="verification_payment"),
    path("verification/<int:pk>/accept/", verification_accept, name="verification_accept"),
    path("verification/<int:pk>/reject/", verification_reject, name="verification_reject"),
    path("verification/<int:pk>/return/", verification_return, name="verification_return"),
]

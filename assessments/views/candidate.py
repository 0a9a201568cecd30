"""The candidate's application pages: profile (FR.APL.01 part 1), apply and edit (FR.APL.01),
required documents, the FR.APL.02 self-assessment, portfolio evidence with the assessor's
requests, the review-and-submit page, and the permission-checked file downloads.

Every page loads the assessment through ``selectors.candidate_assessment`` (404 for another
person's record, never a hint that it exists). GET shows; POST calls one service and redirects
with a message; a refusal from the service is shown next to the field it concerns (the rest of
what was typed stays in the form). Nothing here sets a state: the services do, and they refuse
every change outside draft/returned even when a page is stale.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.forms import Form
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors, services
from assessments.forms import (
    ApplicationForm,
    CandidateProfileForm,
    DocumentUploadForm,
    EvidenceRequestAnswerForm,
    EvidenceUploadForm,
    SelfAssessmentForm,
)
from assessments.models import (
    ApplicationDocument,
    Assessment,
    CandidateProfile,
    DocumentKind,
    Evidence,
    EvidenceRequest,
    SelfAssessment,
    StoredFile,
)
from assessments.redirects import local_url
from assessments.services import EDITABLE_STATES, REQUEST_ANSWER_STATES, RETURN_SECTIONS
from assessments.uploads import ALLOWED
from schemes.models import SchemeUnit, SchemeVersion

S = Assessment.State
TEMPLATES = "assessments/candidate"
# A signed S3 link only has to survive the redirect that hands it to the browser.
SIGNED_URL_SECONDS = 60

# The steps of the application, in the order the candidate does them (the step navigation).
STEPS = [
    ("apl01", gettext_lazy("Application"), "assessments:application_edit"),
    ("documents", gettext_lazy("Documents"), "assessments:documents"),
    ("evidence", gettext_lazy("Evidence"), "assessments:evidence"),
    ("apl02", gettext_lazy("Self-assessment"), "assessments:apl02"),
    ("submit", gettext_lazy("Submit"), "assessments:submit"),
]
# Where each line of the submit checklist is fixed.
CHECKLIST_PAGES = {
    "apl01": "assessments:application_edit",
    "documents": "assessments:documents",
    "apl02": "assessments:apl02",
    "evidence": "assessments:evidence",
}
# Service error codes that belong to one field of the application form.
APPLICATION_FIELD_CODES = {
    "event_full": "event",
    "event_closed": "event",
    "wrong_scheme": "event",
}


# Helpers ---------------------------------------------------------------------------------------


def _messages_of(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _put_error(form: Form, exc: ValidationError, codes: dict[str, str] | None = None) -> None:
    """Show a service refusal in the form: next to its field when the service named one (or the
    error code belongs to one), otherwise above the form."""
    if hasattr(exc, "error_dict"):
        known = {k: v for k, v in exc.error_dict.items() if k in form.fields}
        for field, errors in known.items():
            form.add_error(field, errors)
        rest = [e for k, v in exc.error_dict.items() if k not in form.fields for e in v]
        if rest:
            form.add_error(None, rest)
        return
    field = (codes or {}).get(getattr(exc, "code", None) or "")
    form.add_error(field if field in form.fields else None, exc)


def _overview_url(assessment: Assessment) -> str:
    """The application's progress page (built by the progress pages); resolved per request."""
    try:
        return reverse("assessments:application", args=[assessment.pk])
    except NoReverseMatch:
        return reverse("assessments:submit", args=[assessment.pk])


def _posted(request: HttpRequest):
    """The POST data to bind a form to (even when empty, so that it reports what is missing)."""
    return request.POST if request.method == "POST" else None


def _refused_uploads(request: HttpRequest) -> set[str]:
    return set(getattr(request, "refused_uploads", ()) or ())


def _upload_too_large(request: HttpRequest) -> bool:
    """The request was so large that the upload handler did not read it at all."""
    request.FILES  # noqa: B018  (parsing the body is what runs the upload handlers)
    if getattr(request, "upload_too_large", False):
        messages.error(
            request, _("The upload was far too large and was not received. Choose a smaller file.")
        )
        return True
    return False


def _stale_form(request: HttpRequest, assessment: Assessment, *, states=EDITABLE_STATES) -> bool:
    """A form posted from a page opened before the application left ``states``: its forms
    are hidden now, so the refusal is said at the top instead of next to a field."""
    if assessment.state in states:
        return False
    messages.error(
        request,
        _("The application can no longer be changed (it is %(state)s).")
        % {"state": assessment.get_state_display()},
    )
    return True


def _page(request: HttpRequest, template: str, assessment: Assessment, step: str, **context):
    """Render one of the application's pages with what they all show at the top: the step
    navigation, the admin's note and the sections to revise when it was returned, and why the
    forms are hidden when it can no longer be changed."""
    returned = assessment.state == S.RETURNED
    context = {
        "assessment": assessment,
        "step": step,
        "steps": [
            {"key": key, "label": label, "url": reverse(name, args=[assessment.pk])}
            for key, label, name in STEPS
        ],
        "editable": assessment.state in EDITABLE_STATES,
        "returned": returned,
        "returned_sections": [
            {"key": key, "label": RETURN_SECTIONS[key]}
            for key in (assessment.returned_sections or [])
            if key in RETURN_SECTIONS
        ]
        if returned
        else [],
        "overview_url": _overview_url(assessment),
        **context,
    }
    return render(request, f"{TEMPLATES}/{template}", context)


def _after_success(assessment: Assessment, name: str, anchor: str = "") -> HttpResponseRedirect:
    url = reverse(name, args=[assessment.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


# Profile ---------------------------------------------------------------------------------------


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _safe_next(request: HttpRequest) -> str:
    return local_url(request, request.POST.get("next") or request.GET.get("next"), path_only=True)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """FR.APL.01 part 1: personal and job data, filled once and reused for every application."""
    instance = CandidateProfile.objects.filter(user=request.user).first()
    next_url = _safe_next(request)
    form = CandidateProfileForm(_posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.candidate_profile_save(user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _put_error(form, exc)
        else:
            messages.success(request, _("Your personal data is saved."))
            return redirect(next_url or reverse("assessments:apply"))
    context = {"form": form, "next_url": next_url, "is_new": instance is None}
    return render(request, f"{TEMPLATES}/profile.html", context)


# Apply and edit --------------------------------------------------------------------------------


def _published_versions():
    return SchemeVersion.objects.published().select_related("scheme")


def _scheme_units(version_id: int) -> list[SchemeUnit]:
    return list(
        SchemeUnit.objects.filter(group__version_id=version_id)
        .select_related("unit", "group")
        .order_by("group__position", "position")
    )


def _document_labels(version: SchemeVersion) -> list[str]:
    labels = [DocumentKind(k).label for k in version.required_documents if k in DocumentKind.values]
    if version.fee and DocumentKind.PAYMENT not in version.required_documents:
        labels.append(DocumentKind.PAYMENT.label)
    return labels


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """Open an application: first choose a published scheme (?scheme=<version id>), then the
    purpose and, where the LSP opened one, a schedule with free places."""
    if not CandidateProfile.objects.filter(user=request.user).exists():
        messages.info(request, _("Fill in your personal data first; it is kept for next time."))
        return redirect(_with_next(reverse("assessments:profile"), request.get_full_path()))
    scheme_id = request.POST.get("scheme") or request.GET.get("scheme")
    if not scheme_id:
        return _scheme_list(request)
    try:
        version = _published_versions().get(pk=int(scheme_id))
    except (ValueError, SchemeVersion.DoesNotExist):
        messages.error(request, _("That scheme is not open for application. Choose another."))
        return redirect("assessments:apply")
    form = ApplicationForm(_posted(request), candidate=request.user, scheme_version_id=version.pk)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.application_start(
                candidate=request.user, scheme_version=version, **form.service_kwargs()
            )
        except ValidationError as exc:
            _put_error(form, exc, APPLICATION_FIELD_CODES)
        else:
            messages.success(
                request,
                _("Your application is saved as a draft. Next: upload the required documents."),
            )
            return redirect("assessments:documents", pk=assessment.pk)
    existing = (
        Assessment.objects.open().filter(candidate=request.user, scheme_version=version).first()
    )
    context = {
        "version": version,
        "form": form,
        "scheme_units": _scheme_units(version.pk),
        "document_labels": _document_labels(version),
        "existing": existing,
    }
    return render(request, f"{TEMPLATES}/apply_form.html", context)


def _scheme_list(request: HttpRequest) -> HttpResponse:
    versions = (
        _published_versions()
        .annotate(
            unit_count=Count("groups__scheme_units", distinct=True),
            open_event_count=Count(
                "events",
                filter=Q(events__status="open", events__starts_at__gt=timezone.now()),
                distinct=True,
            ),
        )
        .order_by("title")
    )
    mine = dict(
        Assessment.objects.open()
        .filter(candidate=request.user)
        .values_list("scheme_version_id", "pk")
    )
    cards = [
        {
            "version": v,
            "documents": _document_labels(v),
            "existing_pk": mine.get(v.pk),
        }
        for v in versions
    ]
    return render(request, f"{TEMPLATES}/apply_list.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.APL.01 of an existing application: purpose and schedule, while it is editable."""
    assessment = selectors.candidate_assessment(request.user, pk)
    initial = {
        "purpose": assessment.purpose,
        "purpose_other": assessment.purpose_other,
        "previous": assessment.previous_id,
        "event": assessment.event_id,
    }
    form = ApplicationForm(
        _posted(request),
        initial=initial,
        candidate=request.user,
        scheme_version_id=assessment.scheme_version_id,
        assessment=assessment,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                assessment_id=assessment.pk, actor=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            _put_error(form, exc, APPLICATION_FIELD_CODES)
            if getattr(exc, "code", "") == "not_editable":
                messages.error(request, _messages_of(exc))
                return redirect("assessments:application_edit", pk=assessment.pk)
        else:
            messages.success(request, _("Your application is saved."))
            return redirect("assessments:application_edit", pk=assessment.pk)
    elif request.method == "POST" and _stale_form(request, assessment):
        return redirect("assessments:application_edit", pk=assessment.pk)
    context = {
        "form": form,
        "scheme_units": _scheme_units(assessment.scheme_version_id),
        "document_labels": _document_labels(assessment.scheme_version),
        "profile": CandidateProfile.objects.filter(user=request.user).first(),
    }
    return _page(request, "application_edit.html", assessment, "apl01", **context)


# Documents -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    """One upload row per document the scheme requires (and any number of other documents).
    Uploading again replaces the current file; the replaced one stays in the record."""
    assessment = selectors.candidate_assessment(request.user, pk)
    bound = None
    if request.method == "POST":
        if _upload_too_large(request):
            return redirect("assessments:documents", pk=assessment.pk)
        bound = DocumentUploadForm(
            request.POST,
            request.FILES,
            refused_uploads=_refused_uploads(request),
            auto_id=f"id_{request.POST.get('kind', '')}_%s",
        )
        if bound.is_valid():
            kind = bound.cleaned_data["kind"]
            try:
                document = services.document_upload(
                    assessment_id=assessment.pk,
                    actor=request.user,
                    kind=kind,
                    uploaded=bound.cleaned_data["file"],
                )
            except ValidationError as exc:
                if getattr(exc, "code", "") == "not_editable":
                    messages.error(request, _messages_of(exc))
                    return redirect("assessments:documents", pk=assessment.pk)
                _put_error(bound, ValidationError({"file": exc.messages}))
            else:
                messages.success(
                    request,
                    _("%(doc)s uploaded: %(name)s.")
                    % {"doc": DocumentKind(kind).label, "name": document.original_name},
                )
                return _after_success(assessment, "assessments:documents", f"doc-{kind}")
        elif _stale_form(request, assessment):
            return redirect("assessments:documents", pk=assessment.pk)
    current = list(selectors.current_documents(assessment))
    by_kind = {d.kind: d for d in current if d.kind != DocumentKind.OTHER}
    bound_kind = bound.data.get("kind") if bound is not None else None

    def form_for(kind: str) -> DocumentUploadForm:
        form = bound if bound is not None and bound_kind == kind else None
        form = form or DocumentUploadForm(initial={"kind": kind}, auto_id=f"id_{kind}_%s")
        # The row's heading names the document; the input carries it as its accessible name
        # (one page, many file inputs) and the page's intro states the types and size limit.
        field = form.fields["file"]
        field.label, field.help_text = "", ""
        field.widget.attrs["aria-label"] = str(DocumentKind(kind).label)
        return form

    required = services.required_document_kinds(assessment)
    rows = [
        {
            "kind": kind,
            "label": DocumentKind(kind).label,
            "document": by_kind.get(kind),
            "form": form_for(kind),
        }
        for kind in required
    ]
    # Documents the scheme does not require but the candidate may add (training certificates,
    # work references ...): offered as optional rows once each, "other" as many as wanted.
    optional_kinds = [
        k
        for k in DocumentKind.values
        if k not in required and k not in (DocumentKind.OTHER, DocumentKind.PAYMENT)
    ]
    optional_rows = [
        {
            "kind": kind,
            "label": DocumentKind(kind).label,
            "document": by_kind.get(kind),
            "form": form_for(kind),
        }
        for kind in optional_kinds
    ]
    if (
        bound is not None
        and bound.errors
        and bound_kind not in (*required, *optional_kinds, DocumentKind.OTHER)
    ):
        # A row the page does not show (a forged or outdated kind): say it at the top.
        messages.error(
            request, " ".join(str(e) for errors in bound.errors.values() for e in errors)
        )
    context = {
        "rows": rows,
        "optional_rows": optional_rows,
        "others": [d for d in current if d.kind == DocumentKind.OTHER],
        "other_form": form_for(DocumentKind.OTHER),
        "uploaded_count": sum(1 for row in rows if row["document"]),
        "optional_open": bound_kind in (*optional_kinds, DocumentKind.OTHER),
        "fee": assessment.scheme_version.fee,
        "max_mb": settings.KOMPETEN_UPLOAD_MAX_BYTES // (1024 * 1024),
    }
    return _page(request, "documents.html", assessment, "documents", **context)


# FR.APL.02 -------------------------------------------------------------------------------------


def _evidence_choices(assessment: Assessment) -> list[tuple[int, str]]:
    return list(
        Evidence.objects.filter(assessment=assessment, superseded_by__isnull=True)
        .order_by("uploaded_at")
        .values_list("pk", "title")
    )


def _apl02_element(row: dict, evidence_choices, *, form=None, saved=False) -> dict:
    """One element's display data; after a refused save it shows what was sent, with errors."""
    element = row["element"]
    current_ids = {pk for pk, _title in evidence_choices}
    linked = row["evidence_ids"] & current_ids
    selected_answer, selected_evidence, errors = row["answer"], linked, []
    if form is not None and form.is_bound:
        selected_answer = form.data.get(form.add_prefix("answer"), "")
        selected_evidence = {
            int(v) for v in form.data.getlist(form.add_prefix("evidence")) if v.isdigit()
        }
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    return {
        **row,
        "saved": saved,
        "selected_answer": selected_answer,
        "selected_evidence": selected_evidence,
        "errors": errors,
        "unsupported": row["answer"] == SelfAssessment.Answer.K and not linked,
        "anchor": f"element-{element.pk}",
    }


@login_required
def apl02(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.APL.02: per unit, per element "Dapatkah saya ...?" with K/BK and the evidence that
    supports it. A constant number of queries whatever the size of the scheme."""
    assessment = selectors.candidate_assessment(request.user, pk)
    choices = _evidence_choices(assessment)
    units, progress = _apl02_units(assessment, choices)
    context = {
        "units": units,
        "progress": progress,
        "evidence_choices": choices,
        "answer_choices": SelfAssessment.Answer.choices,
    }
    return _page(request, "apl02.html", assessment, "apl02", **context)


def _apl02_units(assessment: Assessment, choices) -> tuple[list[dict], dict]:
    units, progress = selectors.apl02_rows(assessment)
    for unit in units:
        unit["elements"] = [_apl02_element(row, choices) for row in unit["elements"]]
        unit["answered"] = sum(1 for row in unit["elements"] if row["answer"])
    return units, progress


@login_required
@require_POST
def apl02_answer(request: HttpRequest, pk: int, element_id: int) -> HttpResponse:
    """Save one element's answer. htmx gets the element's partial (with a saved mark, and the
    progress counters out of band); without JS the page is reloaded at the element."""
    assessment = selectors.candidate_assessment(request.user, pk)
    choices = _evidence_choices(assessment)
    form = SelfAssessmentForm(request.POST, element_id=element_id, evidence_choices=choices)
    saved = False
    if form.is_valid():
        try:
            services.self_assessment_save(
                assessment_id=assessment.pk,
                actor=request.user,
                element_id=element_id,
                answer=form.cleaned_data["answer"],
                evidence_ids=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            if getattr(exc, "code", "") == "element":
                raise Http404 from exc
            _put_error(form, exc)
        else:
            saved = True
    if not request.htmx:
        if saved:
            messages.success(request, _("Answer saved."))
        else:
            errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
            messages.error(request, " ".join(errors))
        return _after_success(assessment, "assessments:apl02", f"element-{element_id}")
    units, progress = _apl02_units(assessment, choices)
    found = next(
        (
            (unit, row)
            for unit in units
            for row in unit["elements"]
            if row["element"].pk == element_id
        ),
        None,
    )
    if found is None:
        raise Http404
    unit, row = found
    # After a refusal, show what was sent (and why), not the stored answer.
    row = {**row, "saved": True} if saved else _apl02_element(row, choices, form=form)
    context = {
        "assessment": assessment,
        "row": row,
        "unit": unit,
        "progress": progress,
        "evidence_choices": choices,
        "answer_choices": SelfAssessment.Answer.choices,
        "editable": assessment.state in EDITABLE_STATES,
        "oob": True,
    }
    return render(request, f"{TEMPLATES}/partials/apl02_answer.html", context)


# Evidence --------------------------------------------------------------------------------------


def _type_label(content_type: str) -> str:
    labels = {ctype: ext.upper() for ext, ctype in ALLOWED.items() if ext != "jpeg"}
    if content_type in labels:
        return labels[content_type]
    return "Video" if content_type.startswith("video/") else content_type


def _evidence_page(request: HttpRequest, assessment: Assessment, **forms) -> HttpResponse:
    supports = Prefetch(
        "self_assessments",
        queryset=SelfAssessment.objects.select_related("element__unit").order_by(
            "element__unit__code", "element__number"
        ),
    )
    items = list(
        assessment.evidence.filter(superseded_by__isnull=True)
        .select_related("request")
        .prefetch_related(supports, "supersedes")
        .order_by("uploaded_at")
    )
    superseded = list(
        assessment.evidence.filter(superseded_by__isnull=False)
        .select_related("superseded_by")
        .order_by("uploaded_at")
    )
    requests = list(
        EvidenceRequest.objects.filter(assessment=assessment)
        .select_related("requested_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at")))
        .order_by("answered_at", "due_date")
    )
    can_answer = assessment.state in (*EDITABLE_STATES, *REQUEST_ANSWER_STATES)
    upload_form = forms.get("upload_form") or EvidenceUploadForm()
    supersede_forms = forms.get("supersede_forms", {})
    request_forms = forms.get("request_forms", {})
    answer_forms = forms.get("answer_forms", {})
    today = timezone.localdate()
    for item in [*items, *superseded]:
        item.type_label = _type_label(item.content_type)
    for item in items:
        item.supersede_form = supersede_forms.get(item.pk) or EvidenceUploadForm(
            prefix=f"s{item.pk}", initial={"title": item.title}
        )
    for evidence_request in requests:
        evidence_request.overdue = evidence_request.is_open and evidence_request.due_date < today
        evidence_request.upload_form = request_forms.get(evidence_request.pk) or EvidenceUploadForm(
            prefix=f"r{evidence_request.pk}"
        )
        evidence_request.answer_form = answer_forms.get(
            evidence_request.pk
        ) or EvidenceRequestAnswerForm(prefix=f"a{evidence_request.pk}")
    context = {
        "items": items,
        "superseded": superseded,
        "open_requests": [r for r in requests if r.is_open],
        "answered_requests": [r for r in requests if not r.is_open],
        "upload_form": upload_form,
        "can_answer_requests": can_answer,
        "open_supersede": forms.get("open_supersede"),
    }
    return _page(request, "evidence.html", assessment, "evidence", **context)


def _evidence_upload(
    request: HttpRequest,
    assessment: Assessment,
    form: EvidenceUploadForm,
    *,
    request_id: int | None = None,
    supersedes_id: int | None = None,
) -> Evidence | None:
    """Validate and hand the upload to the service; on refusal the error lands in ``form``."""
    if not form.is_valid():
        states = (*EDITABLE_STATES, *REQUEST_ANSWER_STATES) if request_id else EDITABLE_STATES
        _stale_form(request, assessment, states=states)
        return None
    try:
        return services.evidence_upload(
            assessment_id=assessment.pk,
            actor=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            uploaded=form.cleaned_data["file"],
            request_id=request_id,
            supersedes_id=supersedes_id,
        )
    except ValidationError as exc:
        code = getattr(exc, "code", "")
        if code == "not_editable":
            # The form may be hidden on a page that was stale: say it at the top as well.
            messages.error(request, _messages_of(exc))
        if hasattr(exc, "error_dict"):
            _put_error(form, exc)
        elif code in ("not_editable", "request_closed", "supersede"):
            form.add_error(None, exc)
        else:
            form.add_error("file", exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Portfolio evidence: the current items, the upload form, and the assessor's requests."""
    assessment = selectors.candidate_assessment(request.user, pk)
    if request.method != "POST":
        return _evidence_page(request, assessment)
    if _upload_too_large(request):
        return redirect("assessments:evidence", pk=assessment.pk)
    form = EvidenceUploadForm(
        request.POST, request.FILES, refused_uploads=_refused_uploads(request)
    )
    item = _evidence_upload(request, assessment, form)
    if item is None:
        return _evidence_page(request, assessment, upload_form=form)
    messages.success(
        request,
        _("Evidence uploaded: %(title)s. Link it to the elements it supports in FR.APL.02.")
        % {"title": item.title},
    )
    return _after_success(assessment, "assessments:evidence", f"evidence-{item.pk}")


def _own_evidence(assessment: Assessment, evidence_id: int) -> Evidence:
    item = Evidence.objects.filter(pk=evidence_id, assessment=assessment).first()
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
def evidence_supersede(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    """Upload a newer version of an item; the older one stays in the record."""
    assessment = selectors.candidate_assessment(request.user, pk)
    old = _own_evidence(assessment, evidence_id)
    if _upload_too_large(request):
        return redirect("assessments:evidence", pk=assessment.pk)
    form = EvidenceUploadForm(
        request.POST,
        request.FILES,
        prefix=f"s{old.pk}",
        refused_uploads=_refused_uploads(request),
    )
    item = _evidence_upload(request, assessment, form, supersedes_id=old.pk)
    if item is None:
        return _evidence_page(
            request, assessment, supersede_forms={old.pk: form}, open_supersede=old.pk
        )
    messages.success(
        request,
        _("A newer version of %(title)s is uploaded; the earlier one stays in your record.")
        % {"title": old.title},
    )
    return _after_success(assessment, "assessments:evidence", f"evidence-{item.pk}")


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    assessment = selectors.candidate_assessment(request.user, pk)
    item = _own_evidence(assessment, evidence_id)
    try:
        services.evidence_delete(evidence_id=item.pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("Deleted: %(title)s.") % {"title": item.title})
    return redirect("assessments:evidence", pk=assessment.pk)


def _own_request(assessment: Assessment, request_id: int) -> EvidenceRequest:
    evidence_request = EvidenceRequest.objects.filter(pk=request_id, assessment=assessment).first()
    if evidence_request is None:
        raise Http404
    return evidence_request


@login_required
@require_POST
def evidence_request_upload(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    """Upload a file in answer to one of the assessor's evidence requests."""
    assessment = selectors.candidate_assessment(request.user, pk)
    evidence_request = _own_request(assessment, request_id)
    if _upload_too_large(request):
        return redirect("assessments:evidence", pk=assessment.pk)
    form = EvidenceUploadForm(
        request.POST,
        request.FILES,
        prefix=f"r{evidence_request.pk}",
        refused_uploads=_refused_uploads(request),
    )
    item = _evidence_upload(request, assessment, form, request_id=evidence_request.pk)
    if item is None:
        return _evidence_page(request, assessment, request_forms={evidence_request.pk: form})
    messages.success(
        request,
        _("Uploaded: %(title)s. When everything asked for is there, press “I have answered”.")
        % {"title": item.title},
    )
    return _after_success(assessment, "assessments:evidence", f"request-{evidence_request.pk}")


@login_required
@require_POST
def evidence_request_answer(request: HttpRequest, pk: int, request_id: int) -> HttpResponse:
    """Tell the assessor the request is answered (after at least one upload)."""
    assessment = selectors.candidate_assessment(request.user, pk)
    evidence_request = _own_request(assessment, request_id)
    form = EvidenceRequestAnswerForm(request.POST, prefix=f"a{evidence_request.pk}")
    if form.is_valid():
        try:
            services.evidence_request_answer(
                request_id=evidence_request.pk, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The assessor is told that you answered the request."))
            return redirect("assessments:evidence", pk=assessment.pk)
    return _evidence_page(request, assessment, answer_forms={evidence_request.pk: form})


# Submit ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Review every problem still open (each with a link to fix it), then submit."""
    assessment = selectors.candidate_assessment(request.user, pk)
    if request.method == "POST":
        try:
            services.application_submit(assessment_id=assessment.pk, actor=request.user)
        except ValidationError as exc:
            messages.error(request, _messages_of(exc))
            return redirect("assessments:submit", pk=assessment.pk)
        messages.success(
            request, _("Your application is submitted. The LSP will check it and let you know.")
        )
        return redirect(_overview_url(assessment))
    editable = assessment.state in EDITABLE_STATES
    checklist = []
    if editable:
        for section, message in services.application_checklist(assessment):
            if section == "profile":
                url = _with_next(reverse("assessments:profile"), request.path)
            else:
                url = reverse(CHECKLIST_PAGES[section], args=[assessment.pk])
            checklist.append({"section": section, "message": message, "url": url})
    context = {
        "checklist": checklist,
        "document_count": selectors.current_documents(assessment).count(),
        "evidence_count": assessment.evidence.filter(superseded_by__isnull=True).count(),
        "answer_counts": dict(
            assessment.self_assessments.values_list("answer").annotate(n=Count("pk")).order_by()
        ),
    }
    return _page(request, "submit.html", assessment, "submit", **context)


# Downloads -------------------------------------------------------------------------------------


def _load_file(request: HttpRequest, model: type[StoredFile], file_id: int) -> StoredFile:
    """The file, if the user may read its assessment (assessments.view_assessment: the
    candidate, the assigned assessor, LSP admins, decision makers); 404 for everyone else."""
    stored = model.objects.filter(pk=file_id).first()
    if stored is None:
        raise Http404
    assessment = selectors.viewable_assessment(request.user, stored.assessment_id)
    if not request.user.has_perm("assessments.view_assessment", assessment):
        raise Http404
    services.record_access(request, assessment, "evidence" if model is Evidence else "document")
    return stored


def _serve(request: HttpRequest, stored: StoredFile) -> HttpResponse:
    """Send the file as an attachment with the content type detected at upload; only PDF,
    JPEG and PNG are shown inline, and only when asked (?inline=1). With S3 storage the
    browser is sent to a short-lived signed URL carrying the same headers."""
    inline = request.GET.get("inline") == "1" and stored.inline_preview
    storage = stored.file.storage
    if getattr(storage, "querystring_auth", False):
        disposition = content_disposition_header(
            as_attachment=not inline, filename=stored.original_name
        )
        url = storage.url(
            stored.file.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": stored.content_type,
            },
            expire=SIGNED_URL_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        try:
            handle = stored.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(
            handle,
            as_attachment=not inline,
            filename=stored.original_name,
            content_type=stored.content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def document_file(request: HttpRequest, file_id: int) -> HttpResponse:
    return _serve(request, _load_file(request, ApplicationDocument, file_id))


# Same-origin framing: the assessor's evidence review shows PDFs inline in an <object>.
@xframe_options_sameorigin
@login_required
@require_http_methods(["GET", "HEAD"])
def evidence_file(request: HttpRequest, file_id: int) -> HttpResponse:
    return _serve(request, _load_file(request, Evidence, file_id))


urlpatterns = [
    path("profile/", profile, name="profile"),
    path("apply/", apply, name="apply"),
    path("<int:pk>/edit/", application_edit, name="application_edit"),
    path("<int:pk>/documents/", documents, name="documents"),
    path("<int:pk>/apl02/", apl02, name="apl02"),
    path("<int:pk>/apl02/<int:element_id>/", apl02_answer, name="apl02_answer"),
    path("<int:pk>/evidence/", evidence, name="evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/supersede/",
        evidence_supersede,
        name="evidence_supersede",
    ),
    path("<int:pk>/evidence/<int:evidence_id>/delete/", evidence_delete, name="evidence_delete"),
    path(
        "<int:pk>/requests/<int:request_id>/upload/",
        evidence_request_upload,
        name="evidence_request_upload",
    ),
    path(
        "<int:pk>/requests/<int:request_id>/answer/",
        evidence_request_answer,
        name="evidence_request_answer",
    ),
    path("<int:pk>/submit/", submit, name="submit"),
    path("files/document/<int:file_id>/", document_file, name="document_file"),
    path("files/evidence/<int:file_id>/", evidence_file, name="evidence_file"),
]

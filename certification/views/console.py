"""The LSP admin's console pages of the certification layer: the dashboard, institution batch
registration, the results export for BNSP, a scheme's question bank, a draft version's
requirements and the diff between two versions of a scheme.

LSP admins only: every other role gets 403 before anything is looked up."""

import json
import uuid
import zlib
from functools import wraps

from cryptography.fernet import InvalidToken
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.fields import field_cipher
from assessments.models import BankQuestion, Instrument
from certification import reports, services_batch
from certification.forms_console import (
    MAX_BATCH_BYTES,
    BankQuestionForm,
    BatchUploadForm,
    DiffForm,
    ExportForm,
    RequirementsForm,
)
from schemes.diff import SECTION_LABELS, scheme_version_diff
from schemes.models import Scheme, SchemeVersion
from schemes.services import scheme_version_update

BATCH_SESSION_KEY = "console_batch"


def admin_only(view):
    """login_required, then 403 for anyone who is not an active LSP admin (superusers too:
    they fix raw data in the Django admin, the console is the LSP's daily work)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_active and request.user.is_lsp_admin):
            raise PermissionDenied(_("Your role does not give access to this page."))
        return view(request, *args, **kwargs)

    return wrapped


def _error_messages(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    for message in getattr(error, "messages", None) or [str(error)]:
        messages.error(request, message)


# --- dashboard -----------------------------------------------------------------------------------


@admin_only
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "certification/console/dashboard.html", {"counts": reports.dashboard_counts()}
    )


# --- batch registration --------------------------------------------------------------------------


def _seal_rows(rows: list[dict[str, str]]) -> str:
    """The previewed rows as one token encrypted with the NIK's field key: the session table
    must not hold NIKs in plain text any more than the profile table does (docs/privacy.md).
    Compressed first: a Fernet token does not compress, and 1,000 rows would otherwise make a
    session row thirty times larger (380 KB instead of 12 KB), rewritten at every session save."""
    return field_cipher().encrypt(zlib.compress(json.dumps(rows).encode())).decode("ascii")


def _open_rows(token) -> list[dict[str, str]] | None:
    """The rows of ``_seal_rows``; None when no current key opens them (a key rotated out
    since the preview) or when they are not a sealed token at all (a preview kept in plain
    rows by an older release), which the admin sees as an expired preview."""
    if not isinstance(token, str):
        return None
    try:
        return json.loads(zlib.decompress(field_cipher().decrypt(token.encode("ascii"))))
    except InvalidToken:
        return None


@admin_only
@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form with the column documentation. POST: read and check the file, keep
    the rows in the session (encrypted) and show the preview; nothing is written until
    "Register"."""
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if "file" in getattr(request, "refused_uploads", ()) or getattr(
        request, "upload_too_large", False
    ):
        form.add_error(
            None, _("The file is larger than %(mb)s MB.") % {"mb": MAX_BATCH_BYTES // 2**20}
        )
    preview = None
    token = ""
    if request.method == "POST" and form.is_valid():
        event = form.cleaned_data["event"]
        uploaded = form.cleaned_data["file"]
        try:
            rows = services_batch.read_batch_file(uploaded.name, uploaded.read())
        except services_batch.BatchFileError as exc:
            form.add_error("file", exc.messages)
        else:
            problem = services_batch.event_problem(event)
            if problem:
                form.add_error("event", problem)
            else:
                preview = services_batch.batch_check(event=event, rows=rows)
                token = uuid.uuid4().hex
                request.session[BATCH_SESSION_KEY] = {
                    "token": token,
                    "event_id": event.pk,
                    "rows": _seal_rows(rows),
                    "name": uploaded.name,
                }
    context = {
        "form": form,
        "preview": preview,
        "token": token,
        "columns": services_batch.COLUMNS,
        "required": services_batch.REQUIRED,
    }
    return render(request, "certification/console/batch.html", context)


@admin_only
@require_POST
def batch_apply(request: HttpRequest) -> HttpResponse:
    stored = request.session.get(BATCH_SESSION_KEY)
    rows = None
    if stored and stored.get("token") == request.POST.get("token"):
        rows = _open_rows(stored["rows"])
    if rows is None:
        messages.error(request, _("This preview has expired; upload the file again."))
        return redirect("console_batch")
    try:
        preview = services_batch.batch_register(
            event_id=stored["event_id"], rows=rows, actor=request.user
        )
    except (ValidationError, PermissionDenied) as exc:
        _error_messages(request, exc)
        return redirect("console_batch")
    del request.session[BATCH_SESSION_KEY]
    messages.success(
        request,
        _("%(count)s candidates registered for %(event)s; %(new)s invitations are being sent.")
        % {"count": len(preview.rows), "event": preview.event, "new": preview.new_accounts},
    )
    return redirect("console_batch")


@admin_only
def batch_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(services_batch.template_csv(), content_type="text/csv")
    else:
        response = HttpResponse(
            services_batch.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="candidates-template.{fmt}"'
    return response


# --- results export ------------------------------------------------------------------------------


@admin_only
def report_export(request: HttpRequest) -> HttpResponse:
    """GET without parameters: the form. GET with them: the file (a download changes nothing,
    so it needs no POST)."""
    form = ExportForm(request.GET or None, user=request.user)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        qs = reports.results_queryset(
            event_id=data["event"].pk if data["event"] else None,
            start=None if data["event"] else data["start"],
            end=None if data["event"] else data["end"],
            scheme_id=data["scheme"].pk if data["scheme"] else None,
        )
        header, rows = reports.export_rows(qs, data["columns"])
        stem = (
            f"hasil-{data['event'].code}"
            if data["event"]
            else f"hasil-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
        )
        if data["format"] == "csv":
            response = HttpResponse(reports.as_csv(header, rows), content_type="text/csv")
        else:
            response = HttpResponse(
                reports.as_xlsx(header, rows, title=_("Results")),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{stem}.{data["format"]}"'
        return response
    return render(request, "certification/console/export.html", {"form": form})


# --- question bank -------------------------------------------------------------------------------


def _current_version(scheme: Scheme) -> SchemeVersion | None:
    """The published version, else the newest one (a scheme still in its first draft)."""
    versions = scheme.versions.order_by("-version")
    return versions.filter(status=SchemeVersion.Status.PUBLISHED).first() or versions.first()


def _unit_choices(scheme: Scheme) -> list[tuple[str, str]]:
    version = _current_version(scheme)
    if version is None:
        return []
    return [(u.code, f"{u.code} {u.title}") for u in version.units()]


@admin_only
@require_http_methods(["GET", "POST"])
def bank_list(request: HttpRequest, scheme_pk: int) -> HttpResponse:
    scheme = get_object_or_404(Scheme, pk=scheme_pk)
    unit_choices = _unit_choices(scheme)
    form = BankQuestionForm(request.POST or None, unit_choices=unit_choices)
    if request.method == "POST" and form.is_valid():
        try:
            services_batch.bank_question_save(
                actor=request.user, scheme_id=scheme.pk, **_bank_fields(form.cleaned_data)
            )
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Question added to the bank."))
            return redirect("console_bank", scheme_pk=scheme.pk)
    questions = BankQuestion.objects.filter(scheme=scheme).order_by(
        "-active", "instrument", "unit_code", "pk"
    )
    instrument = request.GET.get("instrument")
    if instrument in (Instrument.IA03, Instrument.IA07, Instrument.IA09):
        questions = questions.filter(instrument=instrument)
    context = {
        "scheme": scheme,
        "version": _current_version(scheme),
        "questions": questions,
        "form": form,
        "units": dict(unit_choices),
        "instrument": instrument,
        "instruments": BankQuestion._meta.get_field("instrument").choices,
    }
    return render(request, "certification/console/bank.html", context)


def _bank_fields(data: dict) -> dict:
    return {
        "instrument": data["instrument"],
        "unit_code": data["unit_code"] or "",
        "text": data["text"],
        "expected_answer": data["expected_answer"],
    }


@admin_only
@require_http_methods(["GET", "POST"])
def bank_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(BankQuestion.objects.select_related("scheme"), pk=pk)
    form = BankQuestionForm(
        request.POST or None, instance=question, unit_choices=_unit_choices(question.scheme)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_batch.bank_question_save(
                actor=request.user,
                scheme_id=question.scheme_id,
                question_id=question.pk,
                **_bank_fields(form.cleaned_data),
            )
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect("console_bank", scheme_pk=question.scheme_id)
    return render(
        request, "certification/console/bank_edit.html", {"question": question, "form": form}
    )


@admin_only
@require_POST
def bank_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(BankQuestion, pk=pk)
    active = request.POST.get("active") == "1"
    services_batch.bank_question_set_active(actor=request.user, question_id=pk, active=active)
    messages.success(request, _("Question activated.") if active else _("Question deactivated."))
    return redirect("console_bank", scheme_pk=question.scheme_id)


# --- requirements --------------------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def requirements_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(SchemeVersion.objects.select_related("scheme"), pk=pk)
    initial = {
        "requirements": version.requirements,
        "required_documents": version.required_documents,
        "fee": version.fee,
        "validity_years": version.validity_years,
    }
    form = RequirementsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scheme_version_update(version_id=version.pk, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                _error_messages(request, exc)
        else:
            messages.success(request, _("Requirements saved."))
            return redirect("console_requirements", pk=version.pk)
    context = {"version": version, "form": form, "frozen": version.is_frozen}
    return render(request, "certification/console/requirements.html", context)


# --- version diff --------------------------------------------------------------------------------


@admin_only
def version_diff(request: HttpRequest, scheme_pk: int) -> HttpResponse:
    scheme = get_object_or_404(Scheme, pk=scheme_pk)
    versions = list(scheme.versions.order_by("-version"))
    if not versions:
        raise Http404
    initial = {"new": versions[0].pk, "old": versions[min(1, len(versions) - 1)].pk}
    form = DiffForm(request.GET or initial, scheme=scheme)
    diff = None
    if form.is_valid():
        diff = scheme_version_diff(form.cleaned_data["old"], form.cleaned_data["new"])
    sections = []
    if diff is not None:
        for key, label in SECTION_LABELS.items():
            lines = [line for line in diff.lines if line.section == key]
            if lines:
                sections.append((label, lines))
    context = {"scheme": scheme, "form": form, "diff": diff, "sections": sections}
    return render(request, "certification/console/diff.html", context)


urlpatterns = [
    path("console/", dashboard, name="console_dashboard"),
    path("console/batch/", batch_upload, name="console_batch"),
    path("console/batch/apply/", batch_apply, name="console_batch_apply"),
    # Only the two formats the page offers; anything else is a 404, not an empty file.
    re_path(
        r"^console/batch/template\.(?P<fmt>csv|xlsx)$",
        batch_template,
        name="console_batch_template",
    ),
    path("console/reports/", report_export, name="console_export"),
    path("console/schemes/<int:scheme_pk>/bank/", bank_list, name="console_bank"),
    path("console/bank/<int:pk>/", bank_edit, name="console_bank_edit"),
    path("console/bank/<int:pk>/active/", bank_toggle, name="console_bank_toggle"),
    path(
        "console/versions/<int:pk>/requirements/",
        requirements_edit,
        name="console_requirements",
    ),
    path("console/schemes/<int:scheme_pk>/diff/", version_diff, name="console_diff"),
]

"""Generated documents: ask for a PDF, watch it render, download archived versions, and the
archive check for LSP admins.

Who may generate and download a document is the registry's rule for its subject (for an
assessment: whoever may read the record, assessments.rules ``view_assessment``); subjects are
loaded through the same scoped helper the record's pages use, so somebody else's record is a 404,
never a hint that it exists. Rendering never happens here: the view creates a RenderRequest and
the Celery task renders it after commit (eagerly in development without REDIS_URL).
"""

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.models import (
    ArchivedDocument,
    Assessment,
    AssessmentEvent,
    RenderBatch,
    RenderRequest,
)
from assessments.pdf import registry, services
from assessments.pdf.header import form_label, lsp_header
from assessments.redirects import local_url
from assessments.services.privacy import record_access

TEMPLATE_DIR = "assessments/documents"
# Polling interval of the status partial while a document is queued or rendering.
POLL_SECONDS = 2


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on, if it is one of ours (never an open redirect)."""
    referer = local_url(request, request.headers.get("Referer", ""))
    return redirect(referer or "home")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _label(spec: registry.DocumentSpec, lsp: dict | None = None) -> dict[str, str]:
    """The code and title this LSP prints for the document."""
    return form_label(
        lsp if lsp is not None else lsp_header(), spec.key, code=spec.code, title=spec.title
    )


def _subject_of(request: HttpRequest, content_type_id: int, subject_id: int):
    """The subject of an archive row or request, if the user may see it; 404 otherwise."""
    try:
        subject_type = registry.subject_for_content_type(content_type_id)
    except registry.RegistryError as exc:
        raise Http404 from exc
    return subject_type, subject_type.loader(request.user, subject_id)


def _may_view(request: HttpRequest, key: str, subject_type, subject) -> bool:
    try:
        return registry.get_document(key).may_view(request.user, subject)
    except registry.RegistryError:
        # A document no longer registered stays readable under the subject's own rule.
        return subject_type.can_view(request.user, subject)


@login_required
@require_POST
def document_request(
    request: HttpRequest, document: str, subject_type: str, subject_id: int
) -> HttpResponse:
    """Ask for a (new version of a) document; htmx callers get the status partial, others
    are redirected to the status page."""
    spec = registry.document_or_404(document, subject_type)
    subject = spec.subject_type.loader(request.user, subject_id)
    if not spec.may_request(request.user, subject):
        raise Http404
    try:
        render_request = services.render_request_create(
            document=spec.key, subject=subject, actor=request.user
        )
    except (ValidationError, PermissionDenied) as exc:
        message = " ".join(getattr(exc, "messages", [str(exc)]))
        if request.htmx:
            return _no_store(
                render(
                    request,
                    f"{TEMPLATE_DIR}/partials/request_error.html",
                    {"message": message},
                    status=400,
                )
            )
        messages.error(request, message)
        return _back(request)
    if request.htmx:
        render_request.refresh_from_db()
        return _status_response(request, render_request, spec, partial=True)
    return redirect("assessments:document_status", request_id=render_request.request_id)


def _status_response(
    request: HttpRequest, render_request: RenderRequest, spec, *, partial: bool
) -> HttpResponse:
    context = {
        "render_request": render_request,
        "archive": render_request.archived,
        "label": _label(spec),
        "spec": spec,
        "poll_seconds": POLL_SECONDS,
        "retry_url": reverse(
            "assessments:document_request",
            args=[spec.key, spec.subject, render_request.subject_id],
        ),
    }
    template = "partials/status.html" if partial else "status_page.html"
    return _no_store(render(request, f"{TEMPLATE_DIR}/{template}", context))


@login_required
@require_GET
def document_status(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Where a render request stands. The partial polls itself while queued or rendering and
    stops once ready (download link) or failed (reason and a retry button)."""
    render_request = get_object_or_404(
        RenderRequest.objects.select_related("archive"), request_id=request_id
    )
    try:
        spec = registry.get_document(render_request.document)
    except registry.RegistryError as exc:
        raise Http404 from exc
    subject_type, subject = _subject_of(
        request, render_request.subject_type_id, render_request.subject_id
    )
    if not spec.may_view(request.user, subject):
        raise Http404
    return _status_response(request, render_request, spec, partial=bool(request.htmx))


def _download_name(code: str, archive: ArchivedDocument, subject_slug: str) -> str:
    # The LSP's own code may hold slashes or spaces ("FR/APL 01"): keep a safe file name.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", code).strip("-.") or archive.document
    return f"{safe}_{subject_slug}-{archive.subject_id}_v{archive.version}.pdf"


@login_required
@require_GET
def archive_download(request: HttpRequest, pk: int) -> HttpResponse:
    """One archived version, as an attachment, for whoever may read its subject."""
    archive = get_object_or_404(ArchivedDocument, pk=pk)
    subject_type, subject = _subject_of(request, archive.subject_type_id, archive.subject_id)
    if not _may_view(request, archive.document, subject_type, subject):
        raise Http404
    if isinstance(subject, Assessment):
        record_access(request, subject, "document")
    try:
        spec = registry.get_document(archive.document)
        code = _label(spec)["code"]
    except registry.RegistryError:
        code = archive.document
    try:
        handle = archive.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        # verify_archive reports it too; the person sees a plain 404, not a server error.
        raise Http404(_("The archived file is missing.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=_download_name(code, archive, subject_type.slug),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


@login_required
@require_GET
def documents_panel(request: HttpRequest, subject_type: str, subject_id: int) -> HttpResponse:
    """The documents of one subject (``?documents=apl01,ak01``): each one's latest archived
    version with a download link, its render in progress, and a generate button. Loaded into
    pages by the include templates/assessments/documents/panel.html."""
    try:
        kind = registry.get_subject(subject_type)
    except registry.RegistryError as exc:
        raise Http404 from exc
    subject = kind.loader(request.user, subject_id)
    specs = registry.documents()
    wanted = [key.strip() for key in request.GET.get("documents", "").split(",") if key.strip()]
    keys = [
        key
        for key in dict.fromkeys(wanted)
        if key in specs
        and specs[key].subject == subject_type
        and specs[key].may_view(request.user, subject)
    ]
    latest = services.latest_versions(subject, keys)
    pending = services.pending_requests(subject, keys)
    lsp = lsp_header()
    rows = [
        {
            "spec": specs[key],
            "label": _label(specs[key], lsp),
            "archive": latest.get(key),
            "render_request": pending.get(key),
            "can_request": specs[key].may_request(request.user, subject),
            "request_url": reverse(
                "assessments:document_request", args=[key, subject_type, subject.pk]
            ),
        }
        for key in keys
    ]
    return _no_store(
        render(
            request,
            f"{TEMPLATE_DIR}/partials/panel_content.html",
            {"rows": rows, "poll_seconds": POLL_SECONDS},
        )
    )


def _lsp_admin(request: HttpRequest) -> None:
    if not request.user.is_lsp_admin:
        raise PermissionDenied(_("Only an LSP admin can do this."))


@login_required
@require_POST
def document_batch(request: HttpRequest, document: str, event_id: int) -> HttpResponse:
    """Generate one document for every candidate of an event (LSP admins)."""
    _lsp_admin(request)
    spec = registry.document_or_404(document, "assessment")
    event = get_object_or_404(AssessmentEvent, pk=event_id)
    try:
        batch = services.render_batch_create(event=event, document=spec.key, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return _back(request)
    return redirect("assessments:document_batch_status", pk=batch.pk)


@login_required
@require_GET
def document_batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch's progress bar (done / total), polling itself until every request is done."""
    _lsp_admin(request)
    batch = get_object_or_404(RenderBatch.objects.select_related("event"), pk=pk)
    progress = batch.progress()
    spec = registry.document_or_404(batch.document)
    failed = batch.requests.filter(status=RenderRequest.Status.FAILED).order_by("pk")
    context = {
        "batch": batch,
        "progress": progress,
        "label": _label(spec),
        "failed": failed,
        "poll_seconds": POLL_SECONDS,
    }
    template = "partials/batch_progress.html" if request.htmx else "batch_page.html"
    return _no_store(render(request, f"{TEMPLATE_DIR}/{template}", context))


@login_required
@require_GET
def archive_check(request: HttpRequest) -> HttpResponse:
    """The verify_archive result for LSP admins: every archived file re-hashed now."""
    _lsp_admin(request)
    report = services.verify_archive()
    return _no_store(render(request, f"{TEMPLATE_DIR}/archive_check.html", {"report": report}))


urlpatterns = [
    # Before document_request, whose pattern would also match "panel/<type>/<id>/".
    path(
        "documents/panel/<slug:subject_type>/<int:subject_id>/",
        documents_panel,
        name="documents_panel",
    ),
    path(
        "documents/<str:document>/<slug:subject_type>/<int:subject_id>/",
        document_request,
        name="document_request",
    ),
    path("documents/requests/<uuid:request_id>/", document_status, name="document_status"),
    path("documents/archive/<int:pk>/", archive_download, name="archive_download"),
    path(
        "documents/<str:document>/event/<int:event_id>/batch/",
        document_batch,
        name="document_batch",
    ),
    path("documents/batches/<int:pk>/", document_batch_status, name="document_batch_status"),
    path("documents/archive-check/", archive_check, name="archive_check"),
]

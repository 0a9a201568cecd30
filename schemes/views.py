"""Scheme pages: the list, a version with its units, publishing, and the import upload.

The import page previews before it writes. Between the preview and the confirmation the uploaded
file is kept in the private default storage (local disk or the S3 bucket, never a public URL)
under ``imports/pending/<user id>/<sha256>``, and the session keeps only its name, hash and the
plan's digest. That works with several web processes (no per-process memory), keeps large files
out of the session row (saved on every request), and lets the confirmation check that it applies
exactly the file and the plan the admin saw.
"""

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schemes import services
from schemes.forms import SchemeImportForm
from schemes.importer import (
    ImportFileInvalid,
    ImportPlan,
    ImportPlanStale,
    apply_import,
    parse_file,
    plan_import,
)
from schemes.models import Element, SchemeUnit, SchemeVersion, UnitGroup

PENDING_KEY = "schemes_import_pending"


def _require_lsp_admin(user) -> None:
    if not user.is_lsp_admin:
        raise PermissionDenied


def _versions_for(user) -> QuerySet[SchemeVersion]:
    """The versions a user may see: LSP admins all, everyone else the published ones."""
    versions = SchemeVersion.objects.select_related("scheme")
    return versions if user.is_lsp_admin else versions.published()


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    versions = (
        _versions_for(request.user)
        .annotate(unit_count=Count("groups__scheme_units"))
        .order_by("scheme__number", "-version")
    )
    return render(request, "schemes/scheme_list.html", {"versions": versions})


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    elements = Element.objects.order_by("number").prefetch_related("criteria")
    scheme_units = (
        SchemeUnit.objects.select_related("unit")
        .order_by("position")
        .prefetch_related(Prefetch("unit__elements", queryset=elements))
    )
    groups = UnitGroup.objects.order_by("position").prefetch_related(
        Prefetch("scheme_units", queryset=scheme_units)
    )
    version = get_object_or_404(
        _versions_for(request.user).prefetch_related(Prefetch("groups", queryset=groups)), pk=pk
    )
    siblings = list(
        _versions_for(request.user).filter(scheme_id=version.scheme_id).order_by("-version")
    )
    is_admin = request.user.is_lsp_admin
    context = {
        "version": version,
        "siblings": siblings,
        "unit_count": sum(len(g.scheme_units.all()) for g in version.groups.all()),
        "can_publish": is_admin and version.status == SchemeVersion.Status.DRAFT,
        "can_new_draft": is_admin
        and version.status == SchemeVersion.Status.PUBLISHED
        and not any(v.status == SchemeVersion.Status.DRAFT for v in siblings),
    }
    return render(request, "schemes/version_detail.html", context)


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _require_lsp_admin(request.user)
    version = get_object_or_404(SchemeVersion, pk=pk)
    try:
        services.scheme_version_publish(version_id=version.pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Version %(version)s of %(number)s is published.")
            % {"version": version.version, "number": version.scheme.number},
        )
    return redirect("schemes:detail", pk=version.pk)


@login_required
@require_POST
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    _require_lsp_admin(request.user)
    version = get_object_or_404(SchemeVersion, pk=pk)
    try:
        draft = services.scheme_version_new_draft(scheme_id=version.scheme_id, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("schemes:detail", pk=version.pk)
    messages.success(
        request, _("Draft version %(version)s is ready to edit.") % {"version": draft.version}
    )
    return redirect("schemes:detail", pk=draft.pk)


# Import ------------------------------------------------------------------------------------


def _pending_dir(request: HttpRequest) -> str:
    return f"imports/pending/{request.user.pk}"


def _discard_pending(request: HttpRequest, *, keep: str = "") -> None:
    """Forget the pending upload and delete this user's parked files (but ``keep``)."""
    request.session.pop(PENDING_KEY, None)
    folder = _pending_dir(request)
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        path = f"{folder}/{name}"
        if path != keep:
            default_storage.delete(path)


def _park_upload(request: HttpRequest, name: str, data: bytes, plan: ImportPlan) -> None:
    sha = plan.parsed.sha256
    path = f"{_pending_dir(request)}/{sha}.{plan.parsed.file_format}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    _discard_pending(request, keep=path)
    request.session[PENDING_KEY] = {
        "path": path,
        "name": name,
        "sha256": sha,
        "digest": plan.digest,
        "target": plan.target_version_id,
        "group_title": plan.group_title,
    }


def _render_form(request: HttpRequest, form: SchemeImportForm, **extra: Any) -> HttpResponse:
    return render(request, "schemes/import.html", {"form": form, **extra})


def _render_preview(request: HttpRequest, plan: ImportPlan, **extra: Any) -> HttpResponse:
    target = None
    if plan.target_version_id:
        target = SchemeVersion.objects.select_related("scheme").get(pk=plan.target_version_id)
    context = {"plan": plan, "token": plan.digest, "target": target, **extra}
    return render(request, "schemes/import_preview.html", context)


@login_required
def scheme_import(request: HttpRequest) -> HttpResponse:
    """Upload a file and preview its plan (nothing is written), or confirm a previewed plan."""
    _require_lsp_admin(request.user)
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm_import(request)
    if request.method != "POST":
        return _render_form(request, SchemeImportForm())
    form = SchemeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        parsed = parse_file(upload.name, data)
        plan = plan_import(
            parsed,
            target_version=form.cleaned_data["target_version"],
            group_title=form.cleaned_data["group_title"],
        )
    except ImportFileInvalid as exc:
        return _render_form(request, SchemeImportForm(), issues=exc.issues, filename=upload.name)
    _park_upload(request, upload.name, data, plan)
    return _render_preview(request, plan)


def _confirm_import(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    # The token ties the button to the preview it was on: confirming an old tab after another
    # upload must not apply the other file.
    if not pending or request.POST.get("token") != pending["digest"]:
        messages.error(
            request,
            _(
                "This preview is no longer current (it expired or another "
                "file was uploaded since). Upload the file again."
            ),
        )
        return redirect("schemes:import")
    try:
        with default_storage.open(pending["path"], "rb") as stored:
            data = stored.read()
    except (FileNotFoundError, OSError):
        data = b""
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        _discard_pending(request)
        messages.error(request, _("The uploaded file is no longer available. Upload it again."))
        return redirect("schemes:import")
    try:
        parsed = parse_file(pending["name"], data)
        plan = plan_import(
            parsed, target_version=pending["target"], group_title=pending["group_title"]
        )
        if plan.digest != pending["digest"]:
            raise ImportPlanStale([])
        result = apply_import(plan, actor=request.user)
    except ImportPlanStale:
        # Someone changed the schemes meanwhile: show what the import would do now.
        plan = plan_import(
            parse_file(pending["name"], data),
            target_version=pending["target"],
            group_title=pending["group_title"],
        )
        pending["digest"] = plan.digest
        request.session[PENDING_KEY] = pending
        return _render_preview(request, plan, stale=True)
    except ImportFileInvalid as exc:
        _discard_pending(request)
        return _render_form(
            request, SchemeImportForm(), issues=exc.issues, filename=pending["name"]
        )
    _discard_pending(request)
    if result.changed:
        messages.success(request, _("%(file)s was imported.") % {"file": pending["name"]})
    else:
        messages.info(
            request, _("%(file)s holds nothing new: no change.") % {"file": pending["name"]}
        )
    if result.version_id is not None:
        return redirect("schemes:detail", pk=result.version_id)
    return redirect("schemes:list")

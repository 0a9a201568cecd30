"""The LSP admin's console: assessors, TUK (with the verification checklist) and events (schedule,
open/close/finish/cancel, assign assessors, place and move candidates, Surat Tugas and daftar
hadir data). LSP admins only: anyone else gets 403.

GET shows; every POST calls one service, turns a refusal into a message (the reason the rules
give) and redirects (PRG)."""

import datetime
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import services
from assessments.forms_admin import (
    AssessorFilterForm,
    AssessorForm,
    AssignAssessorForm,
    EventForm,
    LicenceState,
    PlaceCandidateForm,
    ReassignForm,
    TUKForm,
    TUKVerificationForm,
)
from assessments.models import (
    TUK,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    AssignmentOverride,
    ImpartialityDeclaration,
    RenderBatch,
    TUKVerification,
)
from assessments.pdf.dossier import DOSSIER
from assessments.selectors import event_documents_context
from assessments.services.admin import PLACEABLE_STATES

PAGE_SIZE = 25
T = "assessments/admin/"


def lsp_admin_required(view: Callable) -> Callable:
    """Login first (anonymous -> login page), then the LSP admin role (others -> 403)."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_lsp_admin:
            raise PermissionDenied(_("Only an LSP admin can use the administration console."))
        return view(request, *args, **kwargs)

    return wrapper


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("This is not allowed.")


# --- assessors ----------------------------------------------------------------------------------


@lsp_admin_required
def assessor_list(request: HttpRequest) -> HttpResponse:
    form = AssessorFilterForm(request.GET or None)
    today = timezone.localdate()
    qs = AssessorProfile.objects.select_related("user").prefetch_related("scope")
    if form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(
                Q(user__full_name__icontains=q)
                | Q(user__email__icontains=q)
                | Q(met_number__icontains=q)
            )
        if data.get("scheme"):
            qs = qs.filter(scope=data["scheme"])
        licence = data.get("licence")
        if licence == LicenceState.EXPIRED:
            qs = qs.filter(licence_valid_until__lt=today)
        elif licence == LicenceState.ENDING:
            qs = qs.filter(
                licence_valid_until__gte=today,
                licence_valid_until__lte=today + datetime.timedelta(days=90),
            )
        elif licence == LicenceState.VALID:
            qs = qs.filter(licence_valid_until__gte=today)
    page = Paginator(qs.order_by("user__full_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        T + "assessor_list.html",
        {
            "filter_form": form,
            "page": page,
            "today": today,
            "ending_before": today + datetime.timedelta(days=90),
        },
    )


@lsp_admin_required
def assessor_create(request: HttpRequest) -> HttpResponse:
    form = AssessorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = services.assessor_register(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                met_number=data["met_number"],
                licence_valid_until=data["licence_valid_until"],
                scope=data["scope"],
                status=data["status"],
                phone=data["phone"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Assessor %(name)s registered.") % {"name": profile.user})
            return redirect("assessments:admin_assessors")
    return render(request, T + "assessor_form.html", {"form": form, "profile": None})


@lsp_admin_required
def assessor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(AssessorProfile.objects.select_related("user"), pk=pk)
    initial = {
        "met_number": profile.met_number,
        "licence_valid_until": profile.licence_valid_until,
        "scope": list(profile.scope.all()),
        "status": profile.status,
        "phone": profile.phone,
    }
    form = AssessorForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessor_update(
                actor=request.user,
                profile_id=profile.pk,
                reason=data["reason"],
                scope=data["scope"],
                met_number=data["met_number"],
                licence_valid_until=data["licence_valid_until"],
                status=data["status"],
                phone=data["phone"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Assessor %(name)s updated.") % {"name": profile.user})
            return redirect("assessments:admin_assessors")
    history = profile.history.select_related("history_user").order_by("-history_date")[:10]
    return render(
        request, T + "assessor_form.html", {"form": form, "profile": profile, "history": history}
    )


def _form_errors(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, _refusal_text(exc))


# --- TUK ----------------------------------------------------------------------------------------


@lsp_admin_required
def tuk_list(request: HttpRequest) -> HttpResponse:
    tuks = (
        TUK.objects.select_related("verified_by")
        .annotate(upcoming=Count("events", filter=Q(events__starts_at__gte=timezone.now())))
        .order_by("name")
    )
    return render(request, T + "tuk_list.html", {"tuks": tuks})


@lsp_admin_required
def tuk_create(request: HttpRequest) -> HttpResponse:
    return _tuk_form(request, None)


@lsp_admin_required
def tuk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _tuk_form(request, get_object_or_404(TUK, pk=pk))


def _tuk_form(request: HttpRequest, tuk: TUK | None) -> HttpResponse:
    # The ModelForm only validates and carries the fields; the service saves.
    form = TUKForm(request.POST or None, instance=tuk and TUK.objects.get(pk=tuk.pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if tuk is None:
                tuk = services.tuk_register(actor=request.user, **fields)
            else:
                services.tuk_update(actor=request.user, tuk_id=tuk.pk, **fields)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("TUK %(tuk)s saved.") % {"tuk": tuk.name})
            return redirect("assessments:admin_tuks")
    return render(request, T + "tuk_form.html", {"form": form, "tuk": tuk})


@lsp_admin_required
def tuk_verify(request: HttpRequest, pk: int) -> HttpResponse:
    tuk = get_object_or_404(TUK, pk=pk)
    form = TUKVerificationForm(request.POST or None, initial={"verifier": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tuk_verify(
                actor=request.user,
                tuk_id=tuk.pk,
                checklist=form.checklist(),
                conclusion=data["conclusion"],
                verifier=data["verifier"],
                verified_on=data["verified_on"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _refusal_text(exc))
        else:
            messages.success(request, _("Verification of %(tuk)s recorded.") % {"tuk": tuk})
            return redirect("assessments:admin_tuks")
    records = TUKVerification.objects.filter(tuk=tuk).select_related("verifier")[:5]
    return render(request, T + "tuk_verify.html", {"form": form, "tuk": tuk, "records": records})


# --- events -------------------------------------------------------------------------------------


@lsp_admin_required
def event_list(request: HttpRequest) -> HttpResponse:
    when = request.GET.get("when", "upcoming")
    now = timezone.now()
    qs = AssessmentEvent.objects.select_related("tuk", "scheme_version__scheme").annotate(
        placed=Count(
            "assessments",
            filter=~Q(assessments__state__in=Assessment.TERMINAL_STATES),
            distinct=True,
        ),
        assessor_count=Count("assignments", distinct=True),
    )
    if when == "past":
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at")
    else:
        when = "upcoming"
        qs = qs.filter(ends_at__gte=now).order_by("starts_at")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, T + "event_list.html", {"page": page, "when": when})


@lsp_admin_required
def event_create(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_schedule(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Event %(code)s scheduled.") % {"code": event.code})
            return redirect("assessments:admin_event", event.pk)
    return render(request, T + "event_form.html", {"form": form, "event": None})


@lsp_admin_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AssessmentEvent.objects.select_related("tuk"), pk=pk)
    initial = {
        "name": event.name,
        "quota": event.quota,
        "local_starts_at": event.local_starts_at.replace(tzinfo=None),
        "local_ends_at": event.local_ends_at.replace(tzinfo=None),
    }
    form = EventForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event_id=event.pk, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Event %(code)s updated.") % {"code": event.code})
            return redirect("assessments:admin_event", event.pk)
    return render(request, T + "event_form.html", {"form": form, "event": event})


def _event_forms(event: AssessmentEvent, data=None) -> dict:
    assessors = [a.assessor for a in event.assignments.select_related("assessor")]
    accepted = (
        Assessment.objects.filter(
            scheme_version=event.scheme_version, state=Assessment.State.ACCEPTED
        )
        .select_related("candidate")
        .order_by("state_changed_at", "pk")
    )
    return {
        "assign_form": AssignAssessorForm(),
        "place_form": PlaceCandidateForm(data, candidates=accepted, assessors=assessors),
        "reassign_form": ReassignForm(assessors=assessors),
        "assessor_options": assessors,
        "accepted_count": len(accepted),
    }


@lsp_admin_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AssessmentEvent, pk=pk)
    context = event_documents_context(event)
    conflicts = set(
        ImpartialityDeclaration.objects.filter(event=event)
        .exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
        .values_list("assessment_id", "assessor_id")
    )
    overrides = list(
        AssignmentOverride.objects.filter(assessment__event=event).select_related(
            "assessor", "approved_by", "assigned_by", "assessment__candidate"
        )
    )
    dossier_batch = (
        RenderBatch.objects.filter(event=event, document=DOSSIER).order_by("-pk").first()
    )
    context.update(_event_forms(context["event"]))
    context.update(
        {
            "conflicted_ids": {assessment_id for assessment_id, _a in conflicts},
            "overrides": overrides,
            "placeable_states": PLACEABLE_STATES,
            "actions": _allowed_actions(context["event"]),
            "dossier_batch": dossier_batch,
            "dossier_progress": dossier_batch.progress() if dossier_batch else None,
        }
    )
    return render(request, T + "event_detail.html", context)


EVENT_ACTIONS = {
    "open": (services.event_open, AssessmentEvent.Status.OPEN),
    "close": (services.event_close, AssessmentEvent.Status.CLOSED),
    "finish": (services.event_finish, AssessmentEvent.Status.DONE),
    "cancel": (services.event_cancel, AssessmentEvent.Status.CANCELLED),
}


def _allowed_actions(event: AssessmentEvent) -> list[str]:
    names = {t.name for t in event.get_available_status_transitions()}
    return [name for name in EVENT_ACTIONS if name in names]


@require_POST
@lsp_admin_required
def event_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    event = get_object_or_404(AssessmentEvent, pk=pk)
    if action not in EVENT_ACTIONS:
        raise PermissionDenied
    service, _target = EVENT_ACTIONS[action]
    try:
        event = service(event_id=event.pk, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(
            request, _("The event is now: %(status)s.") % {"status": event.get_status_display()}
        )
    return redirect("assessments:admin_event", pk)


@require_POST
@lsp_admin_required
def event_assign(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AssessmentEvent, pk=pk)
    form = AssignAssessorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an assessor."))
        return redirect("assessments:admin_event", pk)
    try:
        services.event_assign_assessor(
            event_id=event.pk, actor=request.user, assessor_id=form.cleaned_data["assessor"].pk
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("Assessor assigned."))
    return redirect("assessments:admin_event", pk)


@require_POST
@lsp_admin_required
def event_place(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AssessmentEvent, pk=pk)
    form = _event_forms(event, request.POST)["place_form"]
    if not form.is_valid():
        messages.error(request, _("Choose an accepted candidate and an assessor of this event."))
        return redirect("assessments:admin_event", pk)
    data = form.cleaned_data
    try:
        services.event_place_candidate(
            event_id=event.pk,
            actor=request.user,
            assessment_id=data["assessment"],
            assessor_id=data["assessor"],
            override_reason=data["override_reason"],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("Candidate placed."))
    return redirect("assessments:admin_event", pk)


@require_POST
@lsp_admin_required
def assessment_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment, pk=pk)
    if assessment.event_id is None:
        messages.error(request, _("This candidate is not placed in an event."))
        return redirect("assessments:admin_events")
    assessors = get_user_model().objects.filter(event_assignments__event_id=assessment.event_id)
    form = ReassignForm(request.POST, assessors=assessors)
    if not form.is_valid():
        messages.error(request, _("Choose an assessor of this event."))
        return redirect("assessments:admin_event", assessment.event_id)
    try:
        services.assessment_reassign(
            assessment_id=assessment.pk,
            actor=request.user,
            assessor_id=form.cleaned_data["assessor"],
            override_reason=form.cleaned_data["override_reason"],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("Candidate moved to another assessor."))
    return redirect("assessments:admin_event", assessment.event_id)


urlpatterns = [
    path("console/assessors/", assessor_list, name="admin_assessors"),
    path("console/assessors/new/", assessor_create, name="admin_assessor_create"),
    path("console/assessors/<int:pk>/", assessor_edit, name="admin_assessor_edit"),
    path("console/tuk/", tuk_list, name="admin_tuks"),
    path("console/tuk/new/", tuk_create, name="admin_tuk_create"),
    path("console/tuk/<int:pk>/", tuk_edit, name="admin_tuk_edit"),
    path("console/tuk/<int:pk>/verify/", tuk_verify, name="admin_tuk_verify"),
    path("console/events/", event_list, name="admin_events"),
    path("console/events/new/", event_create, name="admin_event_create"),
    path("console/events/<int:pk>/", event_detail, name="admin_event"),
    path("console/events/<int:pk>/edit/", event_edit, name="admin_event_edit"),
    path("console/events/<int:pk>/assign/", event_assign, name="admin_event_assign"),
    path("console/events/<int:pk>/place/", event_place, name="admin_event_place"),
    path("console/events/<int:pk>/<slug:action>/", event_action, name="admin_event_action"),
    path(
        "console/assessments/<int:pk>/reassign/",
        assessment_reassign,
        name="admin_assessment_reassign",
    ),
]

"""The assessor's home page and event page.

- ``assessor_home``: my events (today, upcoming, past) with their candidates counted by state,
  what waits for me (impartiality to declare, FR.APL.02 to review, evidence to check, answered
  evidence requests, reports due) and the licence warning.
- ``event_detail``: my candidates of the event x the scheme's units, one click to each
  candidate's current step, and the bulk actions that are safe: attendance and the FR.AK.01
  countersignature for every present candidate who has signed.
- ``event_impartiality``: before any candidate data of the event is shown, the assessor declares
  any relationship with each candidate (names and employers only).

Every page loads the event through ``selectors.assessor_event`` (404 unless assigned), refuses
to act with ``services.assessor_refusal``'s message (expired licence, scope) and makes a constant
number of queries whatever the number of candidates and units. A POST calls one service (the
AK.01 bulk action calls the one signing service per candidate) and redirects with a message.
"""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import fragments, selectors, services
from assessments.forms_assessor_home import AttendanceForm, ImpartialityForm, SignAllForm
from assessments.models import Assessment
from assessments.services import CONSENT_STATES
from assessments.services.assessor import ATTENDANCE_STATES

S = Assessment.State
TEMPLATE_DIR = "assessments/assessor"

# The page of the candidate's current step, by state: one click from the matrix.
STEP_PAGE = {
    S.SCHEDULED: "assessments:assess_prepare",
    S.CLEARED: "assessments:assess_prepare",
    S.PREPARED: "assessments:assess_observe",
    S.IN_PROGRESS: "assessments:assess_observe",
    S.REOPENED: "assessments:assess_observe",
    S.RECOMMENDED: "assessments:assess_report",
    S.REPORTED: "assessments:assess_report",
    S.DECIDED: "assessments:assess_report",
}
STEP_LABEL = {
    "assessments:assess_prepare": gettext_lazy("Prepare"),
    "assessments:assess_observe": gettext_lazy("Assess"),
    "assessments:assess_report": gettext_lazy("Report"),
}


def _url(name: str, *args) -> str:
    """The page's address, or "" while that page does not exist yet (the step pages are built
    alongside this one): a missing link hides its button instead of breaking the page."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _error_messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or _("You are not allowed to do this.")]


def _require_assessor(request: HttpRequest) -> None:
    if not request.user.is_assessor:
        raise PermissionDenied(_("This page is for assessors."))


def _event_context(request: HttpRequest, pk: int) -> dict:
    """The event (404 unless assigned), the assessor's candidates split by impartiality, and
    why the assessor may not act (or None). Five queries."""
    _require_assessor(request)
    event = selectors.assessor_event(request.user, pk)
    candidates = selectors.event_candidates(request.user, event)
    # Licence on the event date and scope are the same for every candidate of the event: the
    # one rule applied to any candidate the assessor has not declared a conflict with.
    sample = next(iter(candidates["undeclared"] + candidates["visible"]), None)
    refusal = None
    if sample is not None:
        sample.event = event
        refusal = services.assessor_refusal(assessor=request.user, assessment=sample)
    return {"event": event, "refusal": refusal, **candidates}


def _refused(request: HttpRequest, context: dict) -> HttpResponse | None:
    """A POST the assessor may not make: the message and back to the event, nothing changed."""
    if context["refusal"]:
        messages.error(request, context["refusal"])
    elif context["undeclared"]:
        messages.error(request, _("Declare impartiality for this event first."))
    else:
        return None
    return redirect(_event_url(context["event"]))


def _event_url(event) -> str:
    return reverse("assessments:event_detail", args=[event.pk])


# --- home ----------------------------------------------------------------------------------------


@login_required
@require_GET
def assessor_home(request: HttpRequest) -> HttpResponse:
    """My events and what waits for me (a fixed number of queries)."""
    _require_assessor(request)
    data = selectors.assessor_home(request.user)
    for assessment in data["apl02"]:
        assessment.action_url = _url("assessments:assess_prepare", assessment.pk)
    for assessment in data["evidence"]:
        assessment.action_url = _url("assessments:assess_evidence", assessment.pk)
    for request_ in data["requests"]:
        request_.action_url = _url("assessments:assess_evidence", request_.assessment_id)
    for assessment in data["reports"]:
        assessment.action_url = _url("assessments:assess_report", assessment.pk)
    for event in data["event_reports"]:
        event.action_url = _url("assessments:event_report", event.pk)
    waiting = sum(
        len(data[key]) for key in ("undeclared", "apl02", "evidence", "requests", "reports")
    ) + len(data["event_reports"])
    context = {
        **data,
        "waiting": waiting,
        "licence_warning_days": selectors.LICENCE_WARNING_DAYS,
    }
    return render(request, f"{TEMPLATE_DIR}/home.html", context)


# --- event ---------------------------------------------------------------------------------------


def _matrix_row_key(row: dict, attendance_column: bool) -> str:
    """The digest of everything one row of partials/event_matrix.html prints: the row is a
    cached fragment (assessments/fragments.py). A template change that prints anything more
    must add it here."""
    assessment = row["assessment"]
    return fragments.digest(
        "event-matrix-row",
        assessment.pk,
        assessment.state,
        assessment.candidate.full_name,
        assessment.attended_at,
        row["step_url"],
        str(row["step_label"]),
        row["can_attend"],
        row["candidate_signed"],
        row["assessor_signed"],
        attendance_column,
        tuple((c["unit"].code, c["status"], c["observed"], c["total"]) for c in row["cells"]),
    )


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The matrix of my candidates x the scheme's units, once impartiality is declared."""
    context = _event_context(request, pk)
    event = context["event"]
    if context["undeclared"]:
        return redirect("assessments:event_impartiality", pk=event.pk)
    units, rows = selectors.event_matrix(event, context["visible"])
    first_day, _last_day = selectors.event_local_dates(event)
    started = timezone.localdate(timezone.now(), event.tuk.tzinfo) >= first_day
    for row in rows:
        assessment = row["assessment"]
        page = STEP_PAGE.get(assessment.state)
        row["step_url"] = _url(page, assessment.pk) if page else ""
        row["step_label"] = STEP_LABEL.get(page, "")
        row["can_attend"] = (
            started and assessment.attended_at is None and assessment.state in ATTENDANCE_STATES
        )
        row["can_sign"] = (
            assessment.attended_at is not None
            and row["candidate_signed"]
            and not row["assessor_signed"]
            and assessment.state in CONSENT_STATES
        )
        row["waits_for_candidate"] = (
            assessment.attended_at is not None
            and not row["candidate_signed"]
            and assessment.state in CONSENT_STATES
        )
    refusal = context["refusal"]
    attendance_rows = [r for r in rows if r["can_attend"]] if not refusal else []
    sign_rows = [r for r in rows if r["can_sign"]] if not refusal else []
    for row in rows:
        row["fragment_key"] = _matrix_row_key(row, bool(attendance_rows))
    context.update(
        {
            "units": units,
            "rows": rows,
            "started": started,
            "attendance_form": AttendanceForm(
                assessments=[r["assessment"] for r in attendance_rows]
            ),
            "attendance_rows": attendance_rows,
            "sign_form": SignAllForm(full_name=request.user.full_name),
            "sign_rows": sign_rows,
            "waiting_candidates": [r for r in rows if r["waits_for_candidate"]],
            "report_url": _url("assessments:event_report", event.pk),
        }
    )
    return render(request, f"{TEMPLATE_DIR}/event_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def event_impartiality(request: HttpRequest, pk: int) -> HttpResponse:
    """The impartiality declaration: candidate names and employers, nothing else."""
    context = _event_context(request, pk)
    event = context["event"]
    undeclared = context["undeclared"]
    if not undeclared:
        if request.method == "POST":
            messages.info(request, _("You have already declared impartiality for this event."))
        return redirect(_event_url(event))
    form = ImpartialityForm(request.POST or None, assessments=undeclared)
    if request.method == "POST":
        if context["refusal"]:
            messages.error(request, context["refusal"])
            return redirect("assessments:event_impartiality", pk=event.pk)
        if form.is_valid():
            try:
                created = services.impartiality_declare(
                    event_id=event.pk, actor=request.user, declarations=form.declarations()
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _error_messages(error):
                    form.add_error(None, message)
            else:
                conflicts = sum(1 for d in created if d.is_conflict)
                messages.success(request, _("Your impartiality declaration is recorded."))
                if conflicts:
                    messages.warning(
                        request,
                        ngettext(
                            "You declared a conflict of interest with %(n)s candidate: they are "
                            "hidden from you and the LSP admin has been told to assign "
                            "another assessor.",
                            "You declared a conflict of interest with %(n)s candidates: they "
                            "are hidden from you and the LSP admin has been told to assign "
                            "another assessor.",
                            conflicts,
                        )
                        % {"n": conflicts},
                    )
                return redirect(_event_url(event))
    context["form"] = form
    return render(request, f"{TEMPLATE_DIR}/event_impartiality.html", context)


@login_required
@require_POST
def event_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the ticked candidates present (services.attendance_mark)."""
    context = _event_context(request, pk)
    refused = _refused(request, context)
    if refused:
        return refused
    event = context["event"]
    form = AttendanceForm(request.POST, assessments=context["visible"])
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(_event_url(event))
    try:
        marked = services.attendance_mark(
            event_id=event.pk, actor=request.user, assessment_ids=form.cleaned_data["present"]
        )
    except (ValidationError, PermissionDenied) as error:
        for message in _error_messages(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s candidate recorded as present.",
                "%(n)s candidates recorded as present.",
                len(marked),
            )
            % {"n": len(marked)},
        )
    return redirect(_event_url(event))


@login_required
@require_POST
def event_sign_ak01(request: HttpRequest, pk: int) -> HttpResponse:
    """Countersign FR.AK.01 for every present candidate who has signed; each refusal is listed
    by candidate (one candidate's refusal does not stop the others)."""
    context = _event_context(request, pk)
    refused = _refused(request, context)
    if refused:
        return refused
    event = context["event"]
    form = SignAllForm(request.POST, full_name=request.user.full_name)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(_event_url(event))
    _units, rows = selectors.event_matrix(event, context["visible"])
    present = [
        r
        for r in rows
        if r["assessment"].attended_at is not None
        and r["candidate_signed"]
        and not r["assessor_signed"]
    ]
    if not present:
        messages.info(request, _("No present candidate is waiting for your FR.AK.01 signature."))
        return redirect(_event_url(event))
    signed, refusals = [], []
    ip_address = get_client_ip_address(request)
    for row in present:
        assessment = row["assessment"]
        try:
            services.consent_sign(
                assessment_id=assessment.pk,
                actor=request.user,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agreed"],
                ip_address=ip_address,
            )
        except (ValidationError, PermissionDenied) as error:
            if getattr(error, "code", None) in ("name_mismatch", "not_agreed"):
                # The same for every candidate: say it once, nothing was signed.
                for message in _error_messages(error):
                    messages.error(request, message)
                return redirect(_event_url(event))
            refusals.append((assessment.candidate.full_name, " ".join(_error_messages(error))))
        else:
            signed.append(assessment)
    if signed:
        messages.success(
            request,
            ngettext(
                "You signed FR.AK.01 for %(n)s candidate.",
                "You signed FR.AK.01 for %(n)s candidates.",
                len(signed),
            )
            % {"n": len(signed)},
        )
    for name, reason in refusals:
        messages.warning(
            request,
            _("Not signed for %(name)s: %(reason)s") % {"name": name, "reason": reason},
        )
    return redirect(_event_url(event))


urlpatterns = [
    path("assessor/", assessor_home, name="assessor_home"),
    path("events/<int:pk>/", event_detail, name="event_detail"),
    path("events/<int:pk>/impartiality/", event_impartiality, name="event_impartiality"),
    path("events/<int:pk>/attendance/", event_attendance, name="event_attendance"),
    path("events/<int:pk>/sign-ak01/", event_sign_ak01, name="event_sign_ak01"),
]

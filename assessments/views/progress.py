"""The candidate's pages once an application exists: the progress tracker, the list of
applications, notifications, FR.AK.01 consent, FR.AK.03 feedback with the result, and
withdrawal.

Every page loads the assessment through ``selectors.candidate_assessment`` (404 for another
person's record), makes a constant number of queries whatever the size of the scheme, and on
POST calls one service, then redirects with a message (htmx callers get a partial or an
HX-Redirect instead).
"""

from dataclasses import dataclass, field

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from assessments import results, selectors, services
from assessments.forms_progress import (
    AK01_STATEMENTS,
    ConsentSignForm,
    FeedbackForm,
    WithdrawForm,
)
from assessments.models import (
    Assessment,
    CandidateFeedback,
    CandidateProfile,
    ConsentTerms,
    DocumentKind,
    EvidenceRequest,
    Form,
    Notification,
    SelfAssessment,
    Signature,
)
from assessments.redirects import local_url
from assessments.services import (
    CANDIDATE_WITHDRAW_STATES,
    CONSENT_STATES,
    FEEDBACK_STATES,
    RETURN_SECTIONS,
    required_document_kinds,
)

S = Assessment.State
TEMPLATE_DIR = "assessments/progress"
TRACKER_NOTIFICATIONS = 5
NOTIFICATIONS_PER_PAGE = 25

# The usual road from application to decision; the tracker shows the steps still ahead greyed.
HAPPY_PATH = [
    S.DRAFT,
    S.SUBMITTED,
    S.ACCEPTED,
    S.SCHEDULED,
    S.CLEARED,
    S.PREPARED,
    S.IN_PROGRESS,
    S.RECOMMENDED,
    S.REPORTED,
    S.DECIDED,
]

# One line per state for the list of applications (no per-row queries: state only).
NEXT_STEP_SUMMARY = {
    S.DRAFT: gettext_lazy("Complete your application and submit it."),
    S.SUBMITTED: gettext_lazy("The LSP is checking your application and documents."),
    S.RETURNED: gettext_lazy("Revise your application as the LSP asked, then submit it again."),
    S.ACCEPTED: gettext_lazy("Accepted. The LSP will place you in an assessment schedule."),
    S.REJECTED: gettext_lazy("Your application was not accepted; see the note."),
    S.SCHEDULED: gettext_lazy("Scheduled. Read and sign the assessment agreement (FR.AK.01)."),
    S.CLEARED: gettext_lazy("Your assessor cleared your self-assessment; prepare for the day."),
    S.PREPARED: gettext_lazy("Everything is ready for your assessment."),
    S.IN_PROGRESS: gettext_lazy("Your assessment is in progress."),
    S.RECOMMENDED: gettext_lazy("Your assessor has given the result: send your feedback."),
    S.REPORTED: gettext_lazy("Waiting for the certification decision."),
    S.DECIDED: gettext_lazy("The certification decision has been made."),
    S.REOPENED: gettext_lazy("Your assessment record was reopened for a correction."),
    S.ABSENT: gettext_lazy("You were recorded as absent from the assessment."),
    S.WITHDRAWN: gettext_lazy("You withdrew this application."),
}

# The consent page exists once the candidate is placed in an event with an assessor.
CONSENT_PAGE_STATES = (
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

# Which page fixes which section the LSP (or the assessor) returned.
SECTION_PAGES = {
    "apl01": "assessments:application_edit",
    "documents": "assessments:documents",
    "payment": "assessments:documents",
    "apl02": "assessments:apl02",
    "evidence": "assessments:evidence",
}


def _url(name: str, *args) -> str:
    """The page's address, or "" while the page does not exist (the candidate pages are built
    alongside these); a missing link hides its button instead of breaking the tracker."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@dataclass
class Action:
    """A call to action: the label of the button and where it goes."""

    key: str
    label: str
    url: str
    icon: str = "bi-arrow-right-circle"


@dataclass
class NextStep:
    """What the candidate must do (or wait for) now; ``actions[0]`` is the main button."""

    key: str
    message: str
    actions: list[Action] = field(default_factory=list)

    @property
    def primary(self) -> Action | None:
        return next((a for a in self.actions if a.url), None)

    @property
    def secondary(self) -> list[Action]:
        primary = self.primary
        return [a for a in self.actions if a.url and a is not primary]


def _signatures(assessment: Assessment):
    return (
        Signature.objects.filter(
            document=Form.AK01,
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
        )
        .select_related("signer")
        .order_by("signed_at")
    )


def draft_checklist(assessment: Assessment) -> list[dict]:
    """The parts of an editable application, each done or not, in the order to do them.

    Four queries whatever the size of the scheme (counts, never a row per element).
    """
    pk = assessment.pk
    profile_done = CandidateProfile.objects.filter(user_id=assessment.candidate_id).exists()
    required = required_document_kinds(assessment)
    present = set(
        assessment.documents.filter(replaced_at__isnull=True).values_list("kind", flat=True)
    )
    missing = [DocumentKind(k).label for k in required if k not in present]
    from schemes.models import Element

    total = Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ).count()
    # Answered elements, and those claimed K without current evidence, in one query.
    current_evidence = SelfAssessment.evidence.through.objects.filter(
        selfassessment_id=OuterRef("pk"), evidence__superseded_by__isnull=True
    )
    counts = SelfAssessment.objects.filter(assessment=assessment).aggregate(
        answered=Count("pk"),
        unsupported=Count(
            "pk", filter=Q(answer=SelfAssessment.Answer.K) & ~Exists(current_evidence)
        ),
    )
    answers, unsupported = counts["answered"], counts["unsupported"]
    return [
        {
            "key": "profile",
            "label": _("Personal and job data (profile)"),
            "done": profile_done,
            "detail": "" if profile_done else _("Complete your profile."),
            "url": _url("assessments:profile"),
        },
        {
            "key": "documents",
            "label": _("Required documents"),
            "done": not missing,
            "detail": _("Missing: %(docs)s.") % {"docs": ", ".join(str(m) for m in missing)}
            if missing
            else _("%(n)s of %(n)s uploaded.") % {"n": len(required)},
            "url": _url("assessments:documents", pk),
        },
        {
            "key": "apl02",
            "label": _("Self-assessment (FR.APL.02)"),
            "done": total > 0 and answers >= total,
            "detail": _("%(done)s of %(total)s elements answered.")
            % {"done": answers, "total": total},
            "url": _url("assessments:apl02", pk),
        },
        {
            "key": "evidence",
            "label": _("Portfolio evidence"),
            # Nothing answered yet is not "done": the candidate has not linked anything.
            "done": answers > 0 and unsupported == 0,
            "detail": _("%(n)s element(s) claimed K have no evidence linked.") % {"n": unsupported}
            if unsupported
            else _("Every element claimed K has evidence.")
            if answers
            else _("Upload your evidence and link it to the elements you claim K."),
            "url": _url("assessments:evidence", pk),
        },
    ]


def candidate_next_step(
    assessment: Assessment,
    *,
    checklist: list[dict] | None = None,
    candidate_signed: bool = False,
    feedback_sent: bool = False,
    open_requests: int = 0,
    appeal_open: bool = False,
) -> NextStep:
    """What the candidate must do next in the assessment's state, with the page to do it on.

    The facts are passed in (the tracker loads them once) so that this stays a pure function.
    """
    pk = assessment.pk
    state = assessment.state
    submit = Action("submit", _("Review and submit"), _url("assessments:submit", pk), "bi-send")
    answer_request = Action(
        "evidence_request",
        _("Answer the assessor's request"),
        _url("assessments:evidence", pk),
        "bi-cloud-upload",
    )
    consent = Action(
        "consent", _("Read and sign FR.AK.01"), _url("assessments:consent", pk), "bi-pen"
    )
    feedback = Action(
        "feedback",
        _("Give your feedback (FR.AK.03)"),
        _url("assessments:feedback", pk),
        "bi-chat-square-text",
    )

    if state == S.DRAFT:
        for item in checklist or []:
            if not item["done"]:
                return NextStep(
                    item["key"],
                    str(item["detail"]),
                    [
                        Action(
                            item["key"],
                            _("Continue: %(part)s") % {"part": item["label"]},
                            item["url"],
                        )
                    ],
                )
        return NextStep(
            "submit", _("Your application is complete: review it and submit it."), [submit]
        )
    if state == S.RETURNED:
        actions = [
            Action(
                f"revise_{key}",
                _("Revise: %(section)s") % {"section": RETURN_SECTIONS[key]},
                _url(SECTION_PAGES[key], pk),
                "bi-pencil-square",
            )
            for key in assessment.returned_sections
            if key in SECTION_PAGES
        ]
        if not actions:
            actions.append(
                Action(
                    "revise",
                    _("Revise your application"),
                    _url("assessments:application_edit", pk),
                    "bi-pencil-square",
                )
            )
        return NextStep(
            "revise",
            _(
                "The LSP asked you to revise your application. Fix the sections named below, then "
                "submit it again."
            ),
            [*actions, submit],
        )
    if state == S.SUBMITTED:
        return NextStep("wait_check", str(NEXT_STEP_SUMMARY[state]))
    if state == S.ACCEPTED:
        return NextStep("wait_schedule", str(NEXT_STEP_SUMMARY[state]))
    if state in (S.SCHEDULED, S.CLEARED):
        actions = []
        if not candidate_signed:
            actions.append(consent)
        if open_requests:
            actions.append(answer_request)
        if not candidate_signed:
            return NextStep(
                "consent",
                _(
                    "Your assessment is scheduled. Read the assessment agreement (FR.AK.01) and "
                    "sign it before the assessment day."
                ),
                actions,
            )
        if open_requests:
            return NextStep(
                "evidence_request",
                _("Your assessor asks for more evidence; upload it before the due date."),
                actions,
            )
        return NextStep(
            "wait_assessment", _("You have signed FR.AK.01. Come to the TUK at the time below.")
        )
    if state in (S.PREPARED, S.IN_PROGRESS, S.REOPENED):
        if open_requests:
            return NextStep(
                "evidence_request",
                _("Your assessor asks for more evidence; upload it before the due date."),
                [answer_request],
            )
        key = {S.PREPARED: "wait_assessment", S.IN_PROGRESS: "in_progress", S.REOPENED: "reopened"}[
            state
        ]
        return NextStep(key, str(NEXT_STEP_SUMMARY[state]))
    if state in (S.RECOMMENDED, S.REPORTED):
        if not feedback_sent:
            return NextStep(
                "feedback",
                _(
                    "Your assessor has given the result. Tell the LSP how your assessment went "
                    "(FR.AK.03)."
                ),
                [feedback],
            )
        return NextStep(
            "wait_decision",
            _("Thank you for your feedback. The LSP's certification committee decides next."),
        )
    if state == S.DECIDED:
        actions = [
            Action("result", _("See the result"), _url("assessments:feedback", pk), "bi-award")
        ]
        if appeal_open:
            actions.append(
                Action(
                    "appeal",
                    _("Appeal the decision (FR.AK.04)"),
                    _url("appeal_new", pk),
                    "bi-megaphone",
                )
            )
        if not feedback_sent:
            actions.append(feedback)
        message = str(NEXT_STEP_SUMMARY[state])
        if appeal_open:
            deadline = services.appeal_deadline(assessment)
            message += " " + _("If you disagree with it, you may appeal until %(date)s.") % {
                "date": date_format(deadline, "DATE_FORMAT")
            }
        return NextStep("decided", message, actions)
    if state == S.REJECTED:
        return NextStep("rejected", str(NEXT_STEP_SUMMARY[state]))
    return NextStep("closed", str(NEXT_STEP_SUMMARY[state]))


def _timeline(assessment: Assessment) -> list[dict]:
    reached = selectors.state_timeline(assessment)
    for row in reached:
        row["reached"], row["current"] = True, False
    if reached:
        reached[-1]["current"] = True
    if assessment.state in Assessment.TERMINAL_STATES:
        return reached
    states = {row["state"] for row in reached}
    positions = [HAPPY_PATH.index(s) for s in states if s in HAPPY_PATH]
    after = max(positions) if positions else -1
    ahead = [
        {
            "state": s,
            "label": S(s).label,
            "at": None,
            "reason": "",
            "reached": False,
            "current": False,
        }
        for s in HAPPY_PATH[after + 1 :]
    ]
    return reached + ahead


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """PRG: a plain form gets a redirect; an htmx one asks the browser to load the page."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _template(request: HttpRequest, name: str, partial: str) -> str:
    """The full page, or only its main part for an htmx request."""
    full = f"{TEMPLATE_DIR}/{name}.html"
    return f"{full}#{partial}" if request.htmx else full


def _error_messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or _("You are not allowed to do this.")]


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    """The candidate's applications with their state and next step (one query)."""
    rows = [
        {"obj": a, "next_step": NEXT_STEP_SUMMARY.get(a.state, "")}
        for a in Assessment.objects.for_candidate(request.user)
        .select_related("scheme_version__scheme", "event__tuk")
        .order_by("-created_at")
    ]
    return render(request, _template(request, "application_list", "applications"), {"rows": rows})


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress tracker of one application."""
    assessment = selectors.candidate_assessment(request.user, pk)
    state = assessment.state
    editable = state in (S.DRAFT, S.RETURNED)
    checklist = draft_checklist(assessment) if editable else []
    signatures = list(_signatures(assessment)) if state in CONSENT_PAGE_STATES else []
    candidate_signed = any(s.role == Signature.Role.CANDIDATE for s in signatures)
    feedback_sent = (
        state in FEEDBACK_STATES
        and CandidateFeedback.objects.filter(assessment=assessment).exists()
    )
    open_requests = (
        list(
            EvidenceRequest.objects.filter(
                assessment=assessment, answered_at__isnull=True
            ).order_by("due_date")
        )
        if state in (S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.REOPENED, S.SCHEDULED)
        else []
    )
    appeal_open = services.appeal_window_open(assessment)
    next_step = candidate_next_step(
        assessment,
        checklist=checklist,
        candidate_signed=candidate_signed,
        feedback_sent=feedback_sent,
        open_requests=len(open_requests),
        appeal_open=appeal_open,
    )
    notifications = list(
        Notification.objects.filter(recipient=request.user).order_by("-created_at")[
            :TRACKER_NOTIFICATIONS
        ]
    )
    context = {
        "assessment": assessment,
        "timeline": _timeline(assessment),
        "next_step": next_step,
        "checklist": checklist,
        "returned_sections": [
            {
                "key": key,
                "label": RETURN_SECTIONS[key],
                "url": _url(SECTION_PAGES[key], assessment.pk) if key in SECTION_PAGES else "",
            }
            for key in assessment.returned_sections
            if key in RETURN_SECTIONS
        ]
        if state == S.RETURNED
        else [],
        "signatures": signatures,
        "open_requests": open_requests,
        "notifications": notifications,
        "can_withdraw": state in CANDIDATE_WITHDRAW_STATES,
        "appeal_open": appeal_open,
        "appeal_deadline": services.appeal_deadline(assessment),
        "outcome": results.certification_outcome(assessment),
        "consent_url": _url("assessments:consent", assessment.pk)
        if state in CONSENT_PAGE_STATES
        else "",
    }
    return render(request, _template(request, "application", "tracker"), context)


def _notifications_page(request: HttpRequest):
    unread_first = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    qs = (
        Notification.objects.filter(recipient=request.user)
        .annotate(unread=unread_first)
        .order_by("-unread", "-created_at", "-pk")
    )
    return Paginator(qs, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, unread first (any role: assessors get them too)."""
    page = _notifications_page(request)
    unread = Notification.objects.filter(recipient=request.user).unread().count()
    return render(
        request,
        _template(request, "notifications", "notification_list"),
        {"page": page, "unread_count": unread},
    )


def _own_notification(request: HttpRequest, pk: int) -> Notification:
    try:
        return Notification.objects.get(pk=pk, recipient=request.user)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with ``open`` in the POST, go on to its link."""
    notification = _own_notification(request, pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    target = local_url(request, notification.url)
    if "open" in request.POST and target:
        return _done(request, target)
    if request.htmx:
        notification.refresh_from_db()
        response = render(
            request, f"{TEMPLATE_DIR}/notifications.html#notification_item", {"n": notification}
        )
        response["HX-Trigger"] = "notificationsChanged"
        return response
    return redirect("assessments:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_read(user=request.user)
    if request.htmx:
        response = render(
            request,
            f"{TEMPLATE_DIR}/notifications.html#notification_list",
            {"page": _notifications_page(request), "unread_count": 0},
        )
        response["HX-Trigger"] = "notificationsChanged"
        return response
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("assessments:notifications")


@login_required
@require_GET
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The navbar's unread count, refreshed by htmx after a notification is read."""
    return render(
        request,
        f"{TEMPLATE_DIR}/partials/notification_badge.html",
        {"unread_count": Notification.objects.filter(recipient=request.user).unread().count()},
    )


def _consent_terms(assessment: Assessment) -> list[str]:
    terms = ConsentTerms.objects.filter(assessment=assessment).first()
    if terms is None:
        terms = ConsentTerms(assessment=assessment, methods=list(ConsentTerms.DEFAULT_METHODS))
    return terms.method_labels()


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.AK.01: the statements, the agreed evidence, when and where; the candidate signs."""
    assessment = selectors.candidate_assessment(request.user, pk)
    if assessment.state not in CONSENT_PAGE_STATES:
        messages.info(request, _("Consent is given once the assessment is scheduled."))
        return _done(request, reverse("assessments:application", args=[pk]))
    signatures = list(_signatures(assessment))
    signed = any(
        s.signer_id == request.user.pk and s.role == Signature.Role.CANDIDATE for s in signatures
    )
    can_sign = assessment.state in CONSENT_STATES and not signed
    form = ConsentSignForm(request.POST or None, full_name=request.user.full_name)
    if request.method == "POST":
        if not can_sign:
            messages.error(
                request,
                _("You have already signed.") if signed else _("FR.AK.01 cannot be signed now."),
            )
            return _done(request, reverse("assessments:consent", args=[pk]))
        if form.is_valid():
            try:
                services.consent_sign(
                    assessment_id=assessment.pk,
                    actor=request.user,
                    typed_name=form.cleaned_data["typed_name"],
                    agreed=form.cleaned_data["agreed"],
                    ip_address=get_client_ip_address(request),
                )
            except ValidationError as error:
                target = {"name_mismatch": "typed_name", "not_agreed": "agreed"}.get(error.code)
                form.add_error(target, error)
            else:
                messages.success(request, _("You signed FR.AK.01. Your assessor signs next."))
                return _done(request, reverse("assessments:consent", args=[pk]))
    context = {
        "assessment": assessment,
        "statements": AK01_STATEMENTS,
        "methods": _consent_terms(assessment),
        "signatures": signatures,
        "can_sign": can_sign,
        "signed": signed,
        "form": form,
    }
    return render(request, _template(request, "consent", "consent_body"), context)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """FR.AK.03 once the assessor has recommended; the result once decided."""
    assessment = selectors.candidate_assessment(request.user, pk)
    if assessment.state not in FEEDBACK_STATES:
        messages.info(request, _("Feedback opens once the assessor has given the result."))
        return _done(request, reverse("assessments:application", args=[pk]))
    sent = CandidateFeedback.objects.filter(assessment=assessment).first()
    form = None if sent else FeedbackForm(request.POST or None)
    if request.method == "POST":
        if sent:
            messages.error(request, _("You have already sent your feedback."))
            return _done(request, reverse("assessments:feedback", args=[pk]))
        if form.is_valid():
            try:
                services.feedback_submit(
                    assessment_id=assessment.pk,
                    actor=request.user,
                    answers=form.answers(),
                    comments=form.comments(),
                    notes=form.cleaned_data["notes"],
                )
            except (ValidationError, PermissionDenied) as error:
                for message in _error_messages(error):
                    form.add_error(None, message)
            else:
                messages.success(request, _("Thank you: your feedback was sent."))
                return _done(request, reverse("assessments:feedback", args=[pk]))
    appeal_open = services.appeal_window_open(assessment)
    context = {
        "assessment": assessment,
        "decided": assessment.state == S.DECIDED,
        "outcome": results.certification_outcome(assessment),
        "unit_results": selectors.unit_results(assessment),
        "sent": sent,
        "form": form,
        "appeal_open": appeal_open,
        "appeal_deadline": services.appeal_deadline(assessment),
        "appeal_url": _url("appeal_new", assessment.pk) if appeal_open else "",
    }
    return render(request, _template(request, "feedback", "feedback_body"), context)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, with a reason, before withdrawing (only before the assessment starts)."""
    assessment = selectors.candidate_assessment(request.user, pk)
    allowed = assessment.state in CANDIDATE_WITHDRAW_STATES
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                assessment_id=assessment.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _error_messages(error):
                messages.error(request, message)
            return _done(request, reverse("assessments:withdraw", args=[pk]))
        messages.success(request, _("You withdrew your application."))
        return _done(request, reverse("assessments:application", args=[pk]))
    if assessment.state in Assessment.TERMINAL_STATES:
        refusal = _("This application is already closed (it is %(state)s).") % {
            "state": assessment.get_state_display()
        }
    elif not allowed:
        refusal = _("The assessment has started; ask the LSP to withdraw it.")
    else:
        refusal = ""
    context = {"assessment": assessment, "form": form, "allowed": allowed, "refusal": refusal}
    return render(request, _template(request, "withdraw", "withdraw_body"), context)


urlpatterns = [
    path("", application_list, name="applications"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read-all/", notification_read_all, name="notifications_read_all"),
    path("notifications/badge/", notification_badge, name="notification_badge"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
    path("<int:pk>/", application_detail, name="application"),
    path("<int:pk>/consent/", consent, name="consent"),
    path("<int:pk>/feedback/", feedback, name="feedback"),
    path("<int:pk>/withdraw/", withdraw, name="withdraw"),
]

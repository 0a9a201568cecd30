"""FR.AK.04: the candidate's appeal page (reached from the progress tracker inside the window),
and the handling pages: the LSP admins' list, assigning a reviewer not involved in the assessment
or the decision, and the reviewer's ruling (upheld opens a reassessment of the named units)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from assessments import selectors
from assessments.form_fields import ModelMultipleChoiceField
from assessments.services import appeal_deadline, appeal_window_open, record_access
from certification import rules
from certification import selectors as cert_selectors
from certification.models import Appeal, User
from certification.services_appeals import (
    appeal_assign,
    appeal_decide,
    appeal_file,
    appeal_units_to_reassess,
)
from schemes.models import Unit

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _yes_no(label) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose Yes or No.")},
    )


class AppealForm(forms.Form):
    """The three Yes/No questions of FR.AK.04 and the reason (never a status or an owner)."""

    process_explained = _yes_no(gettext_lazy("Was the appeal process explained to you?"))
    discussed_with_assessor = _yes_no(
        gettext_lazy("Have you discussed the appeal with the assessor?")
    )
    involved_other_person = _yes_no(
        gettext_lazy("Do you want to involve another person to help you in the appeal?")
    )
    other_person_name = forms.CharField(
        label=gettext_lazy("Name of that person"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Only if you answered Yes above."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why do you appeal the decision?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Say what you disagree with and why, as precisely as you can."),
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "process_explained": data["process_explained"] == "yes",
            "discussed_with_assessor": data["discussed_with_assessor"] == "yes",
            "involved_other_person": data["involved_other_person"] == "yes",
            "other_person_name": data["other_person_name"],
            "reason": data["reason"],
        }


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    """GET shows the form inside the window (or the appeal being handled); POST files it."""
    assessment = selectors.candidate_assessment(request.user, assessment_pk)
    tracker = reverse("assessments:application", args=[assessment.pk])
    open_appeal = (
        Appeal.objects.filter(assessment=assessment, status__in=Appeal.OPEN_STATUSES)
        .order_by("-filed_at")
        .first()
    )
    window_open = appeal_window_open(assessment)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_file(assessment_id=assessment.pk, actor=request.user, **form.service_kwargs())
        except PermissionDenied as error:
            messages.error(request, str(error))
            return _go(request, tracker)
        except ValidationError as error:
            if error.code in ("window_closed", "not_decided", "already_open"):
                for message in error.messages:
                    messages.error(request, message)
                return _go(request, tracker)
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your appeal was filed. The LSP will tell you the outcome."),
            )
            return _go(request, tracker)
    context = {
        "assessment": assessment,
        "form": form,
        "open_appeal": open_appeal,
        "window_open": window_open,
        "deadline": appeal_deadline(assessment),
    }
    template = "certification/appeals/new.html"
    return render(request, f"{template}#appeal_body" if request.htmx else template, context)


# --- handling (LSP admins and the assigned reviewer) -------------------------------------------


class AssignReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=gettext_lazy("Reviewer"),
        queryset=User.objects.none(),
        help_text=gettext_lazy(
            "An LSP admin who was not involved in the assessment or the decision."
        ),
        error_messages={"required": gettext_lazy("Choose the reviewer.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = User.objects.filter(
            is_lsp_admin=True, is_active=True
        ).order_by("full_name")


class UnitChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} {obj.title}"


class RuleAppealForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            ("upheld", gettext_lazy("Upheld: reassess the units named below")),
            ("rejected", gettext_lazy("Rejected: the decision stands")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose upheld or rejected.")},
    )
    ruling = forms.CharField(
        label=gettext_lazy("Reasons"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Give the reasons for the outcome.")},
    )
    units = UnitChoiceField(
        label=gettext_lazy("Units to reassess"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Only units decided BK; needed when the appeal is upheld."),
    )

    def __init__(self, *args, appeal: Appeal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(
            pk__in=[d.unit_id for d in appeal_units_to_reassess(appeal)]
        ).order_by("code")


def _require_admin(user) -> None:
    if not rules.can(user, "certification.manage_appeals"):
        raise PermissionDenied(_("Only LSP admins handle appeals."))


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """Appeals, open ones first by deadline (LSP admins)."""
    _require_admin(request.user)
    status = request.GET.get("status", "open")
    appeals = cert_selectors.appeal_list(request.user)
    if status == "open":
        appeals = appeals.filter(status__in=Appeal.OPEN_STATUSES)
    elif status in Appeal.Status.values:
        appeals = appeals.filter(status=status)
    page = Paginator(appeals, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/appeals/list.html",
        {
            "page": page,
            "status": status,
            "statuses": Appeal.Status.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One appeal with the appealed decision and units; the assign form for admins, the
    ruling form for the assigned reviewer."""
    _require_admin(request.user)
    appeal = cert_selectors.appeal_detail(request.user, pk)
    record_access(request, appeal.assessment)
    decision = getattr(appeal.assessment, "certification_decision", None)
    reviewer_refusal = (
        rules.reviewer_refusal(request.user, appeal)
        if appeal.reviewer_id == request.user.pk
        else None
    )
    context = {
        "appeal": appeal,
        "decision": decision,
        "unit_decisions": appeal_units_to_reassess(appeal),
        "today": timezone.localdate(),
        "assign_form": AssignReviewerForm() if appeal.is_open else None,
        "rule_form": RuleAppealForm(appeal=appeal)
        if appeal.status == Appeal.Status.UNDER_REVIEW
        and appeal.reviewer_id == request.user.pk
        and reviewer_refusal is None
        else None,
        "reviewer_refusal": reviewer_refusal,
    }
    return render(request, "certification/appeals/detail.html", context)


@login_required
@require_POST
def appeal_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request.user)
    appeal = cert_selectors.appeal_detail(request.user, pk)
    form = AssignReviewerForm(request.POST)
    if form.is_valid():
        try:
            appeal_assign(
                appeal_id=appeal.pk,
                actor=request.user,
                reviewer_id=form.cleaned_data["reviewer"].pk,
            )
        except (PermissionDenied, ValidationError) as error:
            for message in getattr(error, "messages", [str(error)]):
                messages.error(request, message)
        else:
            messages.success(request, _("The reviewer is assigned."))
    else:
        messages.error(request, _("Choose the reviewer."))
    return redirect("appeal_detail", pk=appeal.pk)


@login_required
@require_POST
def appeal_rule_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request.user)
    appeal = cert_selectors.appeal_detail(request.user, pk)
    form = RuleAppealForm(request.POST, appeal=appeal)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("appeal_detail", pk=appeal.pk)
    data = form.cleaned_data
    try:
        appeal_decide(
            appeal_id=appeal.pk,
            actor=request.user,
            upheld=data["outcome"] == "upheld",
            ruling=data["ruling"],
            unit_ids=[unit.pk for unit in data["units"]],
        )
    except (PermissionDenied, ValidationError) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    else:
        messages.success(request, _("The ruling is recorded."))
    return redirect("appeal_detail", pk=appeal.pk)

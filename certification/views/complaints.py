"""Complaints: a public form (no account needed, rate-limited per address), and the handling
pages: LSP admins see and assign every complaint, a handler sees and answers theirs, and a
complaint about a certificate can lead to its suspension (a decision maker or the LSP head
decides, naming the complaint)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from certification import rules, selectors
from certification.models import Certificate, Complaint, User
from certification.services_appeals import complaint_answer, complaint_assign, complaint_file
from certification.services_certification import certificate_suspend
from certification.views.decisions import PAGE_SIZE, refusal_messages
from certification.views.verify import rate_limited, too_many

COMPLAINT_PERIOD = 3600  # seconds: KOMPETEN_COMPLAINT_RATE_LIMIT complaints per hour and address


class ComplaintForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("Your email"),
        help_text=gettext_lazy("The LSP sends its answer to this address."),
    )
    about = forms.ChoiceField(
        label=gettext_lazy("The complaint is about"), choices=Complaint.About.choices
    )
    certificate_number = forms.CharField(
        label=gettext_lazy("Certificate number (if it concerns a certificate)"),
        max_length=120,
        required=False,
    )
    text = forms.CharField(
        label=gettext_lazy("Your complaint"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("What happened, when, and who was involved."),
    )
    # Left empty by people; bots that fill every field are dropped quietly.
    website = forms.CharField(required=False, label="", widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """The public complaint form (a signed-in user's name and email are filled in)."""
    user = request.user
    initial = {"name": user.full_name, "email": user.email} if user.is_authenticated else {}
    if request.GET.get("certificate_number"):
        # From a verification page's "report a concern" link.
        initial.update(
            about=Complaint.About.CERTIFIED_PERSON,
            certificate_number=request.GET["certificate_number"][:120],
        )
    form = ComplaintForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if rate_limited(
            request,
            scope="complaint",
            limit=settings.KOMPETEN_COMPLAINT_RATE_LIMIT,
            period=COMPLAINT_PERIOD,
        ):
            return too_many(request, period=COMPLAINT_PERIOD)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                return redirect("complaint_thanks")
            try:
                complaint_file(
                    name=data["name"],
                    email=data["email"],
                    about=data["about"],
                    text=data["text"],
                    certificate_number=data["certificate_number"],
                    actor=user if user.is_authenticated else None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("complaint_thanks")
    return render(request, "certification/complaints/new.html", {"form": form})


def complaint_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "certification/complaints/thanks.html")


# --- handling ----------------------------------------------------------------------------------


def _require_staff(user) -> None:
    if not (user.is_lsp_admin or user.is_decision_maker or user.is_lsp_head):
        raise PermissionDenied(_("Your role does not give access to complaints."))


class AssignHandlerForm(forms.Form):
    handler = forms.ModelChoiceField(
        label=gettext_lazy("Handler"),
        queryset=User.objects.none(),
        error_messages={"required": gettext_lazy("Choose the handler.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = Q(is_lsp_admin=True) | Q(is_decision_maker=True) | Q(is_lsp_head=True)
        self.fields["handler"].queryset = User.objects.filter(staff, is_active=True).order_by(
            "full_name"
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer to the complainant"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Emailed to the complainant as written."),
        error_messages={"required": gettext_lazy("Write the answer.")},
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the suspension"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for this decision.")},
    )


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    status = request.GET.get("status", "open")
    complaints = selectors.complaint_list(request.user)
    if status == "open":
        complaints = complaints.exclude(status=Complaint.Status.ANSWERED)
    elif status in Complaint.Status.values:
        complaints = complaints.filter(status=status)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/complaints/list.html",
        {"page": page, "status": status, "statuses": Complaint.Status.choices},
    )


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request.user)
    complaint = selectors.complaint_detail(request.user, pk)
    certificate = complaint.certificate
    can_suspend = (
        certificate is not None
        and certificate.state in (Certificate.State.ACTIVE, Certificate.State.RESTORED)
        and rules.can(request.user, "certification.change_certificate_state")
    )
    context = {
        "complaint": complaint,
        "assign_form": AssignHandlerForm()
        if complaint.is_open and rules.can(request.user, "certification.manage_complaints")
        else None,
        "answer_form": AnswerForm()
        if complaint.status == Complaint.Status.IN_HANDLING
        and complaint.handler_id == request.user.pk
        else None,
        "suspend_form": SuspendForm() if can_suspend else None,
    }
    return render(request, "certification/complaints/detail.html", context)


@login_required
@require_POST
def complaint_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request.user)
    complaint = selectors.complaint_detail(request.user, pk)
    form = AssignHandlerForm(request.POST)
    if form.is_valid():
        try:
            complaint_assign(
                complaint_id=complaint.pk,
                actor=request.user,
                handler_id=form.cleaned_data["handler"].pk,
            )
        except (PermissionDenied, ValidationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("The handler is assigned."))
    else:
        messages.error(request, _("Choose the handler."))
    return redirect("complaint_detail", pk=complaint.pk)


@login_required
@require_POST
def complaint_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request.user)
    complaint = selectors.complaint_detail(request.user, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            complaint_answer(
                complaint_id=complaint.pk, actor=request.user, answer=form.cleaned_data["answer"]
            )
        except (PermissionDenied, ValidationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("The answer is recorded and sent to the complainant."))
    else:
        messages.error(request, _("Write the answer."))
    return redirect("complaint_detail", pk=complaint.pk)


@login_required
@require_POST
def complaint_suspend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Suspend the certificate the complaint is about, naming the complaint as the reason."""
    _require_staff(request.user)
    complaint = selectors.complaint_detail(request.user, pk)
    form = SuspendForm(request.POST)
    if complaint.certificate_id is None:
        messages.error(request, _("This complaint is not about a certificate."))
    elif not form.is_valid():
        messages.error(request, _("Give the reason for this decision."))
    else:
        try:
            certificate_suspend(
                certificate_id=complaint.certificate_id,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                complaint_id=complaint.pk,
            )
        except (PermissionDenied, ValidationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("The certificate is suspended."))
    return redirect("complaint_detail", pk=complaint.pk)

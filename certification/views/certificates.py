"""Certificates: the register for the LSP's staff (issue, BNSP numbers, suspend / restore /
withdraw with a reason), and the holder's own certificates.

The register is for decision makers, LSP admins and the head (403 for other roles); a holder
sees only their own certificates (another's is 404, never a hint that it exists)."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessments.filters import SchemeFilter
from assessments.services import record_access
from certification import rules, selectors
from certification.models import Certificate, Complaint
from certification.services_certification import (
    add_months,
    certificate_issue,
    certificate_record_bnsp,
    certificate_restore,
    certificate_suspend,
    certificate_withdraw,
)
from certification.views.decisions import PAGE_SIZE, refusal_messages, require, scheme_choices

STATE_SERVICES = {
    "suspend": certificate_suspend,
    "restore": certificate_restore,
    "withdraw": certificate_withdraw,
}


class CertificateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("Number or holder"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=Certificate.State.choices,
        empty_label=gettext_lazy("Any state"),
    )
    scheme = SchemeFilter(
        label=gettext_lazy("Scheme"),
        field_name="scheme_version__scheme",
        queryset=scheme_choices,
        empty_label=gettext_lazy("Any scheme"),
    )
    expiring = django_filters.BooleanFilter(
        label=gettext_lazy("Expiring within the reminder period"),
        method="filter_expiring",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(Q(number__icontains=word) | Q(holder_name__icontains=word))
        return queryset

    def filter_expiring(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        from django.conf import settings

        today = timezone.localdate()
        horizon = add_months(today, settings.KOMPETEN_RECERTIFICATION_REMINDER_MONTHS)
        return queryset.valid().filter(valid_until__gte=today, valid_until__lte=horizon)


@login_required
def certificate_list(request: HttpRequest) -> HttpResponse:
    """The certificate register, and (for admins) the certified decisions still to be issued."""
    require(request.user, "certification.view_certificates")
    filterset = CertificateFilter(request.GET, queryset=selectors.certificate_list())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_issue = rules.can(request.user, "certification.issue_certificate")
    awaiting = list(selectors.awaiting_certificate()[:50]) if can_issue else []
    return render(
        request,
        "certification/certificates/list.html",
        {"filter": filterset, "page": page, "awaiting": awaiting, "can_issue": can_issue},
    )


@login_required
@require_POST
def certificate_issue_view(request: HttpRequest, decision_pk: int) -> HttpResponse:
    require(request.user, "certification.issue_certificate")
    try:
        certificate = certificate_issue(decision_id=decision_pk, actor=request.user)
    except ValidationError as error:
        refusal_messages(request, error)
        return redirect("certificate_list")
    messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
    return redirect("certificate_detail", pk=certificate.pk)


class BNSPForm(forms.Form):
    registration_number = forms.CharField(
        label=gettext_lazy("BNSP registration number"), max_length=100, required=False
    )
    blank_number = forms.CharField(
        label=gettext_lazy("Blank (blanko) number"), max_length=60, required=False
    )


class StateForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("suspend", gettext_lazy("Suspend")),
            ("restore", gettext_lazy("Restore")),
            ("withdraw", gettext_lazy("Withdraw")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for this decision.")},
    )
    complaint = forms.ModelChoiceField(
        label=gettext_lazy("Arising from complaint"),
        queryset=Complaint.objects.none(),
        required=False,
    )

    def __init__(self, *args, certificate: Certificate, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = {
            Certificate.State.ACTIVE: ["suspend", "withdraw"],
            Certificate.State.RESTORED: ["suspend", "withdraw"],
            Certificate.State.SUSPENDED: ["restore", "withdraw"],
        }.get(certificate.state, [])
        self.fields["action"].choices = [
            c for c in self.fields["action"].choices if c[0] in allowed
        ]
        self.fields["complaint"].queryset = Complaint.objects.filter(
            certificate=certificate
        ).order_by("-received_at")


def _holder_or_staff(user, pk: int) -> Certificate:
    certificate = selectors.certificate_detail(pk)
    if not rules.can(user, "certification.view_certificate", certificate):
        raise Http404
    return certificate


@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One certificate. The holder sees it with its verification link; staff also see its
    decision and history, and act on it as their role allows."""
    certificate = _holder_or_staff(request.user, pk)
    # Staff opening someone's certificate (its decision and history) is in the access log.
    record_access(request, certificate.decision.assessment)
    staff = rules.can(request.user, "certification.view_certificates")
    can_bnsp = rules.can(request.user, "certification.record_bnsp_numbers")
    can_change = rules.can(request.user, "certification.change_certificate_state")
    context = {
        "certificate": certificate,
        "verify_url": selectors.verification_url(certificate.token),
        "staff": staff,
        "today": timezone.localdate(),
        "bnsp_form": BNSPForm(
            initial={
                "registration_number": certificate.bnsp_registration_number,
                "blank_number": certificate.blank_number,
            }
        )
        if can_bnsp
        else None,
        "state_form": StateForm(certificate=certificate)
        if can_change and certificate.state in Certificate.LIVE_STATES
        else None,
    }
    return render(request, "certification/certificates/detail.html", context)


@login_required
@require_POST
def certificate_bnsp(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "certification.record_bnsp_numbers")
    certificate = selectors.certificate_detail(pk)
    form = BNSPForm(request.POST)
    if form.is_valid():
        try:
            certificate_record_bnsp(
                certificate_id=certificate.pk, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("BNSP's numbers are recorded."))
    else:
        refusal_messages(request, ValidationError(_("Check the numbers you entered.")))
    return redirect("certificate_detail", pk=certificate.pk)


@login_required
@require_POST
def certificate_state(request: HttpRequest, pk: int) -> HttpResponse:
    """Suspend, restore or withdraw, always with a reason (a recorded decision)."""
    require(request.user, "certification.change_certificate_state")
    certificate = selectors.certificate_detail(pk)
    form = StateForm(request.POST, certificate=certificate)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("certificate_detail", pk=certificate.pk)
    service = STATE_SERVICES[form.cleaned_data["action"]]
    complaint = form.cleaned_data["complaint"]
    try:
        certificate = service(
            certificate_id=certificate.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            complaint_id=complaint.pk if complaint else None,
        )
    except (PermissionDenied, ValidationError) as error:
        refusal_messages(request, error)
    else:
        messages.success(
            request,
            _("The certificate is now %(state)s.") % {"state": certificate.get_state_display()},
        )
    return redirect("certificate_detail", pk=certificate.pk)


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own certificates (any role)."""
    certificates = (
        Certificate.objects.filter(holder=request.user)
        .select_related("scheme_version__scheme")
        .order_by("-issued_on", "-sequence")
    )
    return render(
        request,
        "certification/certificates/mine.html",
        {"certificates": certificates, "today": timezone.localdate()},
    )

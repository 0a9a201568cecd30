"""Personal data pages (UU PDP 27/2022): the candidate asks for erasure; LSP admins read the
access log and carry out erasure requests. docs/privacy.md is the policy behind them."""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessments import services
from assessments.models import ErasureRequest, RecordAccess
from assessments.views.admin_console import lsp_admin_required

PAGE_SIZE = 50
T = "assessments/privacy/"


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my account will be closed and cannot be used again."),
    )


class AccessLogFilterForm(forms.Form):
    who = forms.CharField(label=gettext_lazy("Opened by (name or email)"), required=False)
    candidate = forms.CharField(label=gettext_lazy("Candidate (name or email)"), required=False)
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def erasure_request(request: HttpRequest) -> HttpResponse:
    """The candidate's page: what erasure removes and keeps, their requests, and the form."""
    if not request.user.is_candidate:
        raise PermissionDenied(_("Only a candidate can ask for their data to be erased."))
    requests_made = ErasureRequest.objects.filter(candidate=request.user)
    pending = any(r.status == ErasureRequest.Status.PENDING for r in requests_made)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and not pending and form.is_valid():
        try:
            services.erasure_request_create(
                candidate=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Your request is sent. The LSP will carry it out and email you.")
            )
        return redirect("assessments:privacy_erasure")
    context = {"form": form, "requests_made": requests_made, "pending": pending}
    return render(request, T + "erasure_request.html", context)


def _user_matches(prefix: str, text: str) -> Q:
    return Q(**{f"{prefix}__full_name__icontains": text}) | Q(
        **{f"{prefix}__email__icontains": text}
    )


@lsp_admin_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Who opened which candidate's record, evidence or documents; newest first."""
    form = AccessLogFilterForm(request.GET or None)
    rows = RecordAccess.objects.select_related("accessed_by", "candidate", "assessment")
    if form.is_valid():
        data = form.cleaned_data
        if data["who"]:
            rows = rows.filter(_user_matches("accessed_by", data["who"]))
        if data["candidate"]:
            rows = rows.filter(_user_matches("candidate", data["candidate"]))
        zone = timezone.get_current_timezone()
        if data["start"]:
            start = datetime.datetime.combine(data["start"], datetime.time.min, tzinfo=zone)
            rows = rows.filter(accessed_at__gte=start)
        if data["end"]:
            end = datetime.datetime.combine(data["end"], datetime.time.min, tzinfo=zone)
            rows = rows.filter(accessed_at__lt=end + datetime.timedelta(days=1))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "retention_days": settings.KOMPETEN_ACCESS_LOG_RETENTION_DAYS,
    }
    return render(request, T + "access_log.html", context)


@lsp_admin_required
def erasure_list(request: HttpRequest) -> HttpResponse:
    requests_made = ErasureRequest.objects.select_related("candidate", "handled_by")
    page = Paginator(requests_made, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, T + "erasure_list.html", {"page": page})


@lsp_admin_required
@require_http_methods(["GET", "POST"])
def erasure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the request and what carrying it out does; POST carries it out."""
    erasure = get_object_or_404(
        ErasureRequest.objects.select_related("candidate", "handled_by"), pk=pk
    )
    if request.method == "POST":
        try:
            services.erasure_carry_out(request_id=erasure.pk, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("The erasure was carried out; the candidate is emailed."))
        return redirect("assessments:privacy_erasure_detail", pk=erasure.pk)
    return render(request, T + "erasure_detail.html", {"erasure": erasure})


urlpatterns = [
    path("privacy/erasure/", erasure_request, name="privacy_erasure"),
    path("console/privacy/access-log/", access_log, name="privacy_access_log"),
    path("console/privacy/erasure/", erasure_list, name="privacy_erasure_requests"),
    path("console/privacy/erasure/<int:pk>/", erasure_detail, name="privacy_erasure_detail"),
]

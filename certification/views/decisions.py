"""The pleno: the queue of reported assessments, the decision page (the whole record, read-only,
and the decision), the decision log with its CSV/XLSX export, and the decision letters (SK).

Decision makers only for the queue and the decision; the log and the letters are for the LSP's
staff (decision makers, admins, the head). Other roles get 403 before any lookup. GET shows;
every POST calls one service, turns a refusal into a message and redirects (PRG)."""

import csv
import datetime
import io

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from assessments import fragments
from assessments.filters import SchemeFilter
from assessments.form_fields import ModelMultipleChoiceField
from assessments.services import record_access
from certification import rules, selectors
from certification.models import CertificationDecision, DecisionLetter, User
from certification.services_certification import (
    decision_letter_create,
    decision_letter_sign,
    decision_make,
)
from schemes.models import Scheme, SchemeVersion

PAGE_SIZE = 25
Outcome = CertificationDecision.Outcome


def require(user, perm: str) -> None:
    """403 unless the user's role allows ``perm`` (certification.rules)."""
    if not rules.can(user, perm):
        raise PermissionDenied(_("Your role does not give access to this page."))


def refusal_messages(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    for message in getattr(error, "messages", None) or [str(error)]:
        messages.error(request, message)


# --- queue -------------------------------------------------------------------------------------


@login_required
def decision_queue(request: HttpRequest) -> HttpResponse:
    """Reported assessments waiting for the pleno, oldest report first."""
    require(request.user, "certification.decide")
    page = Paginator(selectors.decision_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "certification/decisions/queue.html", {"page": page})


# --- the decision page -------------------------------------------------------------------------


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose certified or not certified.")},
    )
    basis = forms.CharField(
        label=gettext_lazy("Basis of the decision"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "What the decision rests on: the recommendation, the evidence, the pleno meeting."
        ),
        error_messages={"required": gettext_lazy("Write the basis of the decision.")},
    )

    def __init__(self, *args, recommendation: str = "K", **kwargs):
        super().__init__(*args, **kwargs)
        if recommendation != "K":
            # Shown, but the only choice that the rules allow is "not certified".
            self.fields["outcome"].help_text = gettext_lazy(
                "The assessor did not find every unit K: the candidate cannot be certified."
            )


def _unit_fragment_key(row: dict) -> str:
    """The digest of everything partials/unit.html prints for one unit: each unit's section
    is a cached fragment (assessments/fragments.py). The row holds plain values (the selector's
    dicts and tuples), whose repr is their content; the questions are model instances, so the
    fields the template prints are named. A template change that prints anything more from a
    question must add it here."""
    plain = {key: value for key, value in row.items() if key != "questions"}
    questions = tuple(
        (q.pk, q.instrument, q.question, q.achieved, q.answer) for q in row["questions"]
    )
    return fragments.digest(
        "decision-unit",
        repr(plain),
        questions,
    )


def _decision_context(request: HttpRequest, assessment, form=None) -> dict:
    record = selectors.decision_record(assessment)
    for row in record["units"]:
        row["fragment_key"] = _unit_fragment_key(row)
    refusal = rules.decision_refusal(request.user, assessment)
    decision = getattr(assessment, "certification_decision", None)
    if form is None:
        initial = {} if record["recommendation"] == "K" else {"outcome": Outcome.NOT_CERTIFIED}
        form = DecisionForm(initial=initial, recommendation=record["recommendation"])
    return {
        "assessment": assessment,
        "record": record,
        "refusal": refusal,
        "decision": decision,
        "can_decide": refusal is None and assessment.state == "reported" and decision is None,
        "form": form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole record read-only, and the decision form for a decision maker not involved with
    the candidate (the page shows why anyone else cannot decide; the service refuses too)."""
    require(request.user, "certification.decide")
    assessment = selectors.decision_assessment(pk, request.user)
    form = None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                decision_make(
                    assessment_id=assessment.pk,
                    actor=request.user,
                    certified=form.cleaned_data["outcome"] == Outcome.CERTIFIED,
                    basis=form.cleaned_data["basis"],
                )
            except PermissionDenied as error:
                refusal_messages(request, error)
                return redirect("decision_detail", pk=assessment.pk)
            except ValidationError as error:
                if error.code == "basis":
                    form.add_error("basis", error)
                elif error.code == "not_all_k":
                    form.add_error("outcome", error)
                else:
                    refusal_messages(request, error)
                    return redirect("decision_detail", pk=assessment.pk)
            else:
                messages.success(
                    request,
                    _("The decision on %(name)s is recorded.")
                    % {"name": assessment.candidate.full_name},
                )
                return redirect("decision_queue")
    record_access(request, assessment)
    context = _decision_context(request, assessment, form)
    return render(request, "certification/decisions/detail.html", context)


# --- the log and its export --------------------------------------------------------------------


def scheme_choices(request=None) -> QuerySet[Scheme]:
    """Schemes with their newest version's title (the number alone means little to a person)."""
    latest = SchemeVersion.objects.filter(scheme=OuterRef("pk")).order_by("-version")
    return Scheme.objects.annotate(latest_title=Subquery(latest.values("title")[:1])).order_by(
        "number"
    )


class DecisionLogFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("Candidate"),
        method="search",
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Name"), "type": "search"}),
    )
    scheme = SchemeFilter(
        label=gettext_lazy("Scheme"),
        field_name="scheme_version__scheme",
        queryset=scheme_choices,
        empty_label=gettext_lazy("Any scheme"),
    )
    outcome = django_filters.ChoiceFilter(
        label=gettext_lazy("Decision"),
        choices=Outcome.choices,
        empty_label=gettext_lazy("Any decision"),
    )
    decided_from = django_filters.DateFilter(
        label=gettext_lazy("Decided from"),
        field_name="decided_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    decided_to = django_filters.DateFilter(
        label=gettext_lazy("Decided until"),
        field_name="decided_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    letter = django_filters.ChoiceFilter(
        label=gettext_lazy("Decision letter"),
        method="filter_letter",
        choices=[
            ("none", gettext_lazy("Not in a letter yet")),
            ("any", gettext_lazy("In a letter")),
        ],
        empty_label=gettext_lazy("Any"),
    )

    class Meta:
        model = CertificationDecision
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(assessment__candidate__full_name__icontains=word)
        return queryset

    def filter_letter(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(letter__isnull=value == "none")


EXPORT_COLUMNS = [
    gettext_lazy("No."),
    gettext_lazy("Candidate"),
    gettext_lazy("Scheme number"),
    gettext_lazy("Scheme"),
    gettext_lazy("Version"),
    gettext_lazy("Assessment date"),
    gettext_lazy("Recommendation"),
    gettext_lazy("Decision"),
    gettext_lazy("Decided by"),
    gettext_lazy("Decided at"),
    gettext_lazy("Basis"),
    gettext_lazy("Decision letter (SK)"),
    gettext_lazy("Certificate number"),
]


def _export_rows(decisions) -> list[list]:
    rows = []
    for index, d in enumerate(decisions, start=1):
        certificate = getattr(d, "certificate", None)
        rows.append(
            [
                index,
                d.assessment.candidate.full_name,
                d.scheme_version.scheme.number,
                d.scheme_version.title,
                d.scheme_version.version,
                d.assessment_date,
                d.recommendation,
                str(d.get_outcome_display()),
                d.decided_by.full_name,
                timezone.localtime(d.decided_at).replace(tzinfo=None, microsecond=0),
                d.basis,
                d.letter.number if d.letter else "",
                certificate.number if certificate else "",
            ]
        )
    return rows


def safe_cell(value):
    """Text a spreadsheet would run as a formula (=, +, -, @ ...) is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def spreadsheet_response(
    *, filename: str, fmt: str, header: list, rows: list[list]
) -> HttpResponse:
    """A CSV (UTF-8 with BOM, for Excel) or XLSX download of ``rows`` under ``header``."""
    header = [str(h) for h in header]
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    safe_cell(v.isoformat(sep=" ") if isinstance(v, datetime.datetime) else v)
                    for v in row
                ]
            )
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@login_required
def decision_log(request: HttpRequest) -> HttpResponse:
    """Every decision (candidate, scheme version, assessment date, recommendation, decision, who,
    when, SK) with filters; ?export=csv or ?export=xlsx downloads what the filters select."""
    require(request.user, "certification.view_decision_log")
    filterset = DecisionLogFilter(request.GET, queryset=selectors.decision_log())
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        stamp = timezone.localdate().isoformat()
        return spreadsheet_response(
            filename=f"decision-log-{stamp}",
            fmt=export,
            header=EXPORT_COLUMNS,
            rows=_export_rows(filterset.qs),
        )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/decisions/log.html",
        {
            "filter": filterset,
            "page": page,
            "can_issue": rules.can(request.user, "certification.issue_certificate"),
        },
    )


# --- decision letters (SK) ---------------------------------------------------------------------


class DecisionChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: CertificationDecision) -> str:
        return (
            f"{obj.assessment.candidate.full_name} · {obj.scheme_version.scheme.number} · "
            f"{obj.get_outcome_display()}"
        )


class DecisionLetterForm(forms.Form):
    decisions = DecisionChoiceField(
        label=gettext_lazy("Decisions covered"),
        queryset=CertificationDecision.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose the decisions the letter covers.")},
    )
    signatory = forms.ModelChoiceField(
        label=gettext_lazy("Signed by (LSP head)"),
        queryset=User.objects.none(),
        error_messages={"required": gettext_lazy("Choose the LSP head who signs.")},
    )
    date = forms.DateField(
        label=gettext_lazy("Letter date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. the pleno meeting the decisions were taken in."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decisions"].queryset = (
            selectors.decision_log().filter(letter__isnull=True).order_by("decided_at", "pk")
        )
        self.fields["signatory"].queryset = User.objects.filter(
            is_lsp_head=True, is_active=True
        ).order_by("full_name")
        self.fields["date"].initial = timezone.localdate()


@login_required
@require_http_methods(["GET", "POST"])
def decision_letters(request: HttpRequest) -> HttpResponse:
    """The decision letters, and a form to prepare the next one from decisions not yet in one."""
    require(request.user, "certification.view_decision_log")
    can_prepare = rules.can(request.user, "certification.prepare_decision_letter")
    form = DecisionLetterForm(request.POST or None) if can_prepare else None
    if request.method == "POST":
        require(request.user, "certification.prepare_decision_letter")
        if form.is_valid():
            data = form.cleaned_data
            try:
                letter = decision_letter_create(
                    actor=request.user,
                    decision_ids=[d.pk for d in data["decisions"]],
                    signatory_id=data["signatory"].pk,
                    date=data["date"],
                    note=data["note"],
                )
            except (PermissionDenied, ValidationError) as error:
                refusal_messages(request, error)
                return redirect("decision_letters")
            messages.success(
                request, _("Decision letter %(number)s prepared.") % {"number": letter.number}
            )
            return redirect("decision_letter_detail", pk=letter.pk)
    letters = Paginator(
        DecisionLetter.objects.select_related("signatory").order_by("-date", "-sequence"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/decisions/letters.html",
        {"form": form, "letters": letters, "can_prepare": can_prepare},
    )


@login_required
def decision_letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "certification.view_decision_log")
    letter = get_object_or_404(
        DecisionLetter.objects.select_related("signatory", "created_by"), pk=pk
    )
    decisions = (
        selectors.decision_log()
        .filter(letter=letter)
        .order_by("assessment__candidate__full_name", "pk")
    )
    return render(
        request,
        "certification/decisions/letter_detail.html",
        {
            "letter": letter,
            "decisions": decisions,
            "can_sign": letter.signed_at is None and letter.signatory_id == request.user.pk,
        },
    )


@login_required
@require_POST
def decision_letter_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(DecisionLetter, pk=pk)
    try:
        decision_letter_sign(letter_id=letter.pk, actor=request.user)
    except PermissionDenied as error:
        raise PermissionDenied(str(error)) from error
    except ValidationError as error:
        refusal_messages(request, error)
    else:
        messages.success(request, _("You signed decision letter %(n)s.") % {"n": letter.number})
    return redirect(reverse("decision_letter_detail", args=[letter.pk]))

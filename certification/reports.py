"""Reporting to BNSP: the results of an event or a period as XLSX or CSV with configurable
columns, and the dashboard counts of the admin console.

The export is two queries whatever its size: the assessments with their candidate, profile,
scheme, event, unit total and certificate number (joins and subqueries), and the unit decisions
(FR.AK.02) of those assessments, from which K/BK is worked out."""

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, AssessorProfile, UnitDecision
from assessments.services.privacy import sees_personal_data
from certification.models import Certificate
from schemes.models import SchemeUnit

# Assessments that have a result to report: the assessor's recommendation onwards.
RESULT_STATES = (
    Assessment.State.RECOMMENDED,
    Assessment.State.REPORTED,
    Assessment.State.DECIDED,
)


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    # Personal data an LSP admin may export for BNSP, never anyone else.
    personal: bool = False


COLUMNS = (
    Column("no", gettext_lazy("No.")),
    Column("name", gettext_lazy("Name")),
    Column("nik", gettext_lazy("NIK"), personal=True),
    Column("birth", gettext_lazy("Place and date of birth"), personal=True),
    Column("sex", gettext_lazy("Sex")),
    Column("address", gettext_lazy("Address"), personal=True),
    Column("phone", gettext_lazy("Phone"), personal=True),
    Column("email", gettext_lazy("Email"), personal=True),
    Column("education", gettext_lazy("Education")),
    Column("institution", gettext_lazy("Institution")),
    Column("scheme", gettext_lazy("Scheme")),
    Column("result", gettext_lazy("K/BK")),
    Column("certificate", gettext_lazy("Certificate number")),
    # Optional columns, off by default.
    Column("position", gettext_lazy("Position")),
    Column("scheme_number", gettext_lazy("Scheme number")),
    Column("event", gettext_lazy("Event")),
    Column("assessment_date", gettext_lazy("Assessment date")),
    Column("tuk", gettext_lazy("TUK")),
    Column("assessor", gettext_lazy("Assessor")),
    Column("state", gettext_lazy("State")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_COLUMNS = (
    "no",
    "name",
    "nik",
    "birth",
    "sex",
    "address",
    "phone",
    "email",
    "education",
    "institution",
    "scheme",
    "result",
    "certificate",
)


def allowed_columns(user) -> list[Column]:
    """The columns ``user`` may export: personal data (NIK, address...) only for LSP admins."""
    # The BNSP list needs the full NIK: personal columns are offered to those who may see
    # personal data of every candidate (LSP admins), never masked to anyone else.
    full = sees_personal_data(user)
    return [column for column in COLUMNS if full or not column.personal]


def results_queryset(
    *,
    event_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    scheme_id: int | None = None,
) -> QuerySet[Assessment]:
    """Assessments with a result in one event, or whose event started between ``start`` and
    ``end`` (inclusive, local dates), with everything a row needs joined or annotated."""
    unit_total = (
        SchemeUnit.objects.filter(group__version=OuterRef("scheme_version"))
        .order_by()
        .values("group__version")
        .annotate(n=Count("pk"))
        .values("n")
    )
    certificate_number = Certificate.objects.filter(decision__assessment=OuterRef("pk")).values(
        "number"
    )[:1]
    qs = (
        Assessment.objects.filter(state__in=RESULT_STATES)
        .select_related(
            "candidate__candidate_profile",
            "scheme_version__scheme",
            "event__tuk",
            "assessor",
        )
        .annotate(
            unit_total=Coalesce(Subquery(unit_total, output_field=IntegerField()), Value(0)),
            certificate_number=Subquery(certificate_number),
        )
        .order_by("event__starts_at", "candidate__full_name", "pk")
    )
    if event_id:
        qs = qs.filter(event_id=event_id)
    if start:
        qs = qs.filter(event__starts_at__date__gte=start)
    if end:
        qs = qs.filter(event__starts_at__date__lte=end)
    if scheme_id:
        qs = qs.filter(scheme_version__scheme_id=scheme_id)
    return qs


def result_of(unit_total: int, outcomes: list[str]) -> str:
    """K when every unit of the scheme is decided K, BK when any unit is BK, else empty."""
    if "BK" in outcomes:
        return "BK"
    if unit_total and outcomes.count("K") >= unit_total:
        return "K"
    return ""


def _outcomes(assessment_ids: list[int]) -> dict[int, list[str]]:
    outcomes: dict[int, list[str]] = defaultdict(list)
    for assessment_id, outcome in UnitDecision.objects.filter(
        assessment_id__in=assessment_ids
    ).values_list("assessment_id", "outcome"):
        outcomes[assessment_id].append(outcome)
    return outcomes


def _value(key: str, number: int, a: Assessment, result: str):
    profile = getattr(a.candidate, "candidate_profile", None)
    version = a.scheme_version
    event = a.event
    if key == "no":
        return number
    if key == "name":
        return a.candidate.full_name
    if key == "email":
        return a.candidate.email
    if key == "scheme":
        return version.title
    if key == "scheme_number":
        return version.scheme.number
    if key == "result":
        return result
    if key == "certificate":
        return a.certificate_number or ""
    if key == "event":
        return event.code if event else ""
    if key == "assessment_date":
        return event.local_starts_at.date().isoformat() if event else ""
    if key == "tuk":
        return event.tuk.name if event else ""
    if key == "assessor":
        return a.assessor.full_name if a.assessor else ""
    if key == "state":
        return a.get_state_display()
    if profile is None:
        return ""
    if key == "birth":
        return f"{profile.birth_place}, {date_format(profile.birth_date, 'd-m-Y')}"
    if key == "education":
        return profile.get_education_display()
    return getattr(profile, key, "")


def export_rows(qs: QuerySet[Assessment], keys: list[str]) -> tuple[list[str], list[list]]:
    """The header (labels of ``keys`` in COLUMNS order) and one row per assessment."""
    keys = [column.key for column in COLUMNS if column.key in keys]
    header = [str(COLUMN_BY_KEY[key].label) for key in keys]
    assessments = list(qs)
    outcomes = _outcomes([a.pk for a in assessments]) if "result" in keys else {}
    rows = []
    for number, a in enumerate(assessments, start=1):
        result = result_of(a.unit_total, outcomes.get(a.pk, []))
        rows.append([_value(key, number, a, result) for key in keys])
    return header, rows


def as_csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    # With a BOM, Excel opens the file as UTF-8 (names with diacritics stay readable).
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(header: list[str], rows: list[list], *, title: str = "") -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    sheet.title = (title or _("Results"))[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    # NIK and phone as text: Excel would otherwise show a NIK as 3.17101E+15.
    for index, label in enumerate(header, start=1):
        if label in (str(COLUMN_BY_KEY["nik"].label), str(COLUMN_BY_KEY["phone"].label)):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- dashboard -----------------------------------------------------------------------------------


@dataclass
class Rate:
    label: str
    k: int = 0
    bk: int = 0

    @property
    def total(self) -> int:
        return self.k + self.bk

    @property
    def k_percent(self) -> int:
        return round(100 * self.k / self.total) if self.total else 0


def dashboard_counts(*, soon_days: int = 90) -> dict:
    """Counts for the console's dashboard, in a fixed number of queries."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=soon_days)
    labels = dict(Assessment.State.choices)
    by_state = [
        (labels.get(row["state"], row["state"]), row["n"])
        for row in Assessment.objects.order_by("state").values("state").annotate(n=Count("pk"))
    ]
    results = (
        Assessment.objects.filter(state__in=RESULT_STATES)
        .annotate(
            k=Count("unit_decisions", filter=Q(unit_decisions__outcome="K")),
            bk=Count("unit_decisions", filter=Q(unit_decisions__outcome="BK")),
            unit_total=Coalesce(
                Subquery(
                    SchemeUnit.objects.filter(group__version=OuterRef("scheme_version"))
                    .order_by()
                    .values("group__version")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .values(
            "k",
            "bk",
            "unit_total",
            "scheme_version__scheme__number",
            "scheme_version__title",
            "assessor__full_name",
            "assessor__email",
        )
    )
    per_scheme: dict[str, Rate] = {}
    per_assessor: dict[str, Rate] = {}
    for row in results:
        outcome = result_of(row["unit_total"], ["K"] * row["k"] + ["BK"] * row["bk"])
        if not outcome:
            continue
        scheme = f"{row['scheme_version__scheme__number']} {row['scheme_version__title']}"
        assessor = row["assessor__full_name"] or row["assessor__email"] or _("(none)")
        for table, key in ((per_scheme, scheme), (per_assessor, assessor)):
            rate = table.setdefault(key, Rate(label=key))
            if outcome == "K":
                rate.k += 1
            else:
                rate.bk += 1
    certificate_labels = dict(Certificate.State.choices)
    certificates = [
        (certificate_labels.get(row["state"], row["state"]), row["n"])
        for row in Certificate.objects.order_by("state").values("state").annotate(n=Count("pk"))
    ]
    months = settings.KOMPETEN_RECERTIFICATION_REMINDER_MONTHS
    cert_horizon = today + datetime.timedelta(days=round(months * 30.44))
    return {
        "by_state": by_state,
        "total": sum(n for _label, n in by_state),
        "per_scheme": sorted(per_scheme.values(), key=lambda r: r.label),
        "per_assessor": sorted(per_assessor.values(), key=lambda r: r.label),
        "certificates": certificates,
        "licences_expiring": list(
            AssessorProfile.objects.filter(
                licence_valid_until__gte=today, licence_valid_until__lte=soon
            )
            .select_related("user")
            .order_by("licence_valid_until")
        ),
        "licences_expired": AssessorProfile.objects.filter(licence_valid_until__lt=today).count(),
        "certificates_expiring": list(
            Certificate.objects.valid()
            .filter(valid_until__gte=today, valid_until__lte=cert_horizon)
            .order_by("valid_until")
            .only("pk", "number", "holder_name", "valid_until")[:50]
        ),
        "soon_days": soon_days,
        "reminder_months": months,
    }

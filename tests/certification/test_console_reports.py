"""Results export for BNSP (XLSX and CSV, configurable columns) and the dashboard counts."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from assessments.models import Assessment
from certification import reports
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def certified():
    """A decided assessment, all units K, with its certificate."""
    return factories.issued_certificate()


def _xlsx(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _export(client, event, fmt: str, columns=reports.DEFAULT_COLUMNS):
    return client.get(
        reverse("console_export"), {"event": event.pk, "format": fmt, "columns": list(columns)}
    )


def test_default_xlsx_export_has_the_bnsp_columns_and_values(client, admin_user, certified):
    assessment = certified.decision.assessment
    profile = factories.CandidateProfileFactory(user=assessment.candidate)
    client.force_login(admin_user)
    response = _export(client, assessment.event, "xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    header, first = _xlsx(response)
    assert header == [
        "No.",
        "Name",
        "NIK",
        "Place and date of birth",
        "Sex",
        "Address",
        "Phone",
        "Email",
        "Education",
        "Institution",
        "Scheme",
        "K/BK",
        "Certificate number",
    ]
    values = dict(zip(header, first, strict=True))
    assert values["No."] == 1
    assert values["Name"] == assessment.candidate.full_name
    assert values["NIK"] == profile.nik
    assert values["Place and date of birth"] == (
        f"{profile.birth_place}, {profile.birth_date:%d-%m-%Y}"
    )
    assert values["Sex"] == profile.sex
    assert values["Email"] == assessment.candidate.email
    assert values["Scheme"] == assessment.scheme_version.title
    assert values["K/BK"] == "K"
    assert values["Certificate number"] == certified.number


def test_csv_export_marks_bk_when_any_unit_is_bk(client, admin_user):
    assessment = factories.reported_with_units(units=2, outcomes=["K", "BK"])
    client.force_login(admin_user)
    rows = _csv(_export(client, assessment.event, "csv", ["name", "result", "certificate"]))
    assert rows == [
        ["Name", "K/BK", "Certificate number"],
        [assessment.candidate.full_name, "BK", ""],
    ]


def test_an_undecided_unit_leaves_the_result_empty():
    assert reports.result_of(2, ["K"]) == ""
    assert reports.result_of(2, ["K", "K"]) == "K"
    assert reports.result_of(2, ["K", "BK"]) == "BK"
    assert reports.result_of(0, []) == ""


def test_only_chosen_columns_are_exported_in_the_catalogue_order(client, admin_user, certified):
    client.force_login(admin_user)
    rows = _csv(
        _export(client, certified.decision.assessment.event, "csv", ["certificate", "no", "tuk"])
    )
    assert rows[0] == ["No.", "Certificate number", "TUK"]


def test_period_export_takes_events_that_started_in_it(client, admin_user, certified):
    assessment = certified.decision.assessment
    day = assessment.event.local_starts_at.date()
    client.force_login(admin_user)
    params = {"format": "csv", "columns": ["name"]}
    inside = client.get(
        reverse("console_export"), {**params, "start": day.isoformat(), "end": day.isoformat()}
    )
    outside = client.get(
        reverse("console_export"),
        {
            **params,
            "start": (day + datetime.timedelta(days=1)).isoformat(),
            "end": (day + datetime.timedelta(days=9)).isoformat(),
        },
    )
    assert len(_csv(inside)) == 2
    assert len(_csv(outside)) == 1


def test_drafts_and_withdrawn_applications_are_not_results(client, admin_user, certified):
    event = certified.decision.assessment.event
    factories.AssessmentFactory(scheme_version=event.scheme_version, event=event)
    client.force_login(admin_user)
    assert len(_csv(_export(client, event, "csv", ["name"]))) == 2


def test_the_export_makes_a_constant_number_of_queries(admin_user, django_assert_num_queries):
    first = factories.reported_with_units(units=2)
    qs = reports.results_queryset(event_id=first.event_id)
    with django_assert_num_queries(2):
        reports.export_rows(qs, list(reports.DEFAULT_COLUMNS))
    for _n in range(3):
        factories.reported_with_units(units=2, scheme_version=first.scheme_version)
    Assessment.objects.filter(scheme_version=first.scheme_version).update(event=first.event)
    with django_assert_num_queries(2):
        header, rows = reports.export_rows(
            reports.results_queryset(event_id=first.event_id), list(reports.DEFAULT_COLUMNS)
        )
    assert len(rows) == 4


def test_nik_and_contact_data_are_offered_only_to_admins(admin_user, decision_maker):
    admin_keys = {c.key for c in reports.allowed_columns(admin_user)}
    other_keys = {c.key for c in reports.allowed_columns(decision_maker)}
    assert {"nik", "address", "phone", "email", "birth"} <= admin_keys
    assert not {"nik", "address", "phone", "email", "birth"} & other_keys


def test_a_non_admin_cannot_choose_the_nik_column(decision_maker):
    from certification.forms_console import ExportForm

    form = ExportForm(
        {"start": "2026-01-01", "end": "2026-12-31", "format": "csv", "columns": ["name", "nik"]},
        user=decision_maker,
    )
    assert not form.is_valid()
    assert "columns" in form.errors


def test_export_form_needs_an_event_or_a_period(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("console_export"), {"format": "csv", "columns": ["name"]})
    assert response.status_code == 200
    assert "Choose an event, or a period" in response.content.decode()


def test_export_and_dashboard_are_403_for_other_roles(client, candidate, assessor, decision_maker):
    for user in (candidate, assessor, decision_maker):
        client.force_login(user)
        assert client.get(reverse("console_export")).status_code == 403
        assert client.get(reverse("console_dashboard")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("console_export"))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- dashboard -----------------------------------------------------------------------------------


def test_dashboard_counts_states_rates_and_certificates(client, admin_user, certified):
    bk = factories.reported_with_units(units=2, outcomes=["BK", "K"])
    factories.AssessmentFactory()
    counts = reports.dashboard_counts()
    states = dict(counts["by_state"])
    assert states["Decided"] == 1
    assert states["Reported"] == 1
    assert states["Draft"] == 1
    assert counts["total"] == 3
    by_scheme = {r.label: r for r in counts["per_scheme"]}
    k_scheme = by_scheme[
        f"{certified.scheme_version.scheme.number} {certified.scheme_version.title}"
    ]
    assert (k_scheme.k, k_scheme.bk, k_scheme.k_percent) == (1, 0, 100)
    bk_scheme = by_scheme[f"{bk.scheme_version.scheme.number} {bk.scheme_version.title}"]
    assert (bk_scheme.k, bk_scheme.bk) == (0, 1)
    assert sum(r.total for r in counts["per_assessor"]) == 2
    assert dict(counts["certificates"]) == {"Active": 1}
    client.force_login(admin_user)
    response = client.get(reverse("console_dashboard"))
    assert response.status_code == 200
    assert certified.scheme_version.title in response.content.decode()


def test_dashboard_lists_licences_ending_soon(admin_user):
    from django.utils import timezone

    soon = factories.AssessorProfileFactory(
        licence_valid_until=timezone.localdate() + datetime.timedelta(days=20)
    )
    factories.AssessorProfileFactory(
        licence_valid_until=timezone.localdate() + datetime.timedelta(days=400)
    )
    counts = reports.dashboard_counts()
    assert [p.pk for p in counts["licences_expiring"]] == [soon.pk]


def test_dashboard_makes_a_constant_number_of_queries(
    client, admin_user, certified, django_assert_max_num_queries
):
    client.force_login(admin_user)
    client.get(reverse("console_dashboard"))
    for _n in range(2):
        factories.reported_with_units(units=2)
    with django_assert_max_num_queries(14):
        client.get(reverse("console_dashboard"))

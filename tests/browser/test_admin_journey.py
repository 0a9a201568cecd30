"""Journey 2: the LSP admin imports a scheme's units from a spreadsheet into a draft, previews,
confirms and publishes it; registers a TUK and records its verification; schedules an event; is
refused an assessor whose licence has expired and assigns a valid one; checks the documents of the
applications waiting, accepts them and places the candidates in the event. After the assessment
(a second test, starting from a reported record), the decision maker certifies the candidate and
the admin issues the certificate, whose number its page shows."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

from assessments.models import AssessorProfile
from tests import factories
from tests.browser.test_candidate_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNITS_CSV = (
    Path(__file__).resolve().parents[2] / "schemes" / "data" / "units-junior-web-programmer.csv"
)
DRAFT_NUMBER = "SKM/KOMPETEN/JWP/2026"
ADMIN_EMAIL = "rina.admin@example.test"
DM_EMAIL = "komite@example.test"


def units_xlsx() -> bytes:
    """The sample units (two SKKNI units, one row per KUK) as the spreadsheet an admin keeps."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Unit"
    with UNITS_CSV.open(encoding="utf-8", newline="") as source:
        for row in csv.reader(source):
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_authenticator(user):
    """The admin persona has set up an authenticator app (a confirmed TOTP device)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from certification import otp

    TOTPDevice.objects.create(user=user, name=otp.TOTP_DEVICE_NAME, confirmed=True)
    return user


@pytest.fixture
def starting_point(assessor, other_assessor, candidate, other_candidate):
    """The LSP registered its new scheme as an empty draft; Alice and Bob applied for the LSP's
    published scheme (documents, evidence, FR.APL.02, through the services); Charlie's licence
    is valid and Dina's expired last month, both with that scheme in scope."""
    admin = with_authenticator(
        factories.AdminUserFactory(email=ADMIN_EMAIL, full_name="Rina Admin LSP")
    )
    draft = factories.SchemeVersionFactory(
        scheme__number=DRAFT_NUMBER,
        title="Klaster Junior Web Programmer",
        required_documents=["photo", "ktp", "ijazah"],
    )
    applied = factories.make_scheme_version(
        units=1,
        elements=2,
        criteria=1,
        title="Pemrograman Dasar",
        required_documents=["photo", "ktp", "ijazah"],
    )
    for person in (assessor, other_assessor):
        AssessorProfile.objects.get(user=person).scope.add(applied.scheme_id)
    AssessorProfile.objects.filter(user=other_assessor).update(
        licence_valid_until=timezone.localdate() - datetime.timedelta(days=30)
    )
    applications = [
        factories.make_submitted_application(candidate=who, scheme_version=applied)
        for who in (candidate, other_candidate)
    ]
    return {"admin": admin, "draft": draft, "applied": applied, "applications": applications}


def test_admin(starting_point, assessor, other_assessor, open_person):
    applied = starting_point["applied"]
    rina = open_person("admin")
    page = rina.page
    sign_in(rina, ADMIN_EMAIL, factories.PASSWORD)

    # The units arrive as a spreadsheet: preview first, nothing written until confirmed.
    rina.goto("/schemes/")
    page.get_by_role("link", name="Import").first.click()
    page.locator("#id_file").wait_for()
    rina.check("import")
    page.locator("#id_file").set_input_files(
        {
            "name": "unit-jwp.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": units_xlsx(),
        }
    )
    draft_option = page.locator("#id_target_version option", has_text=DRAFT_NUMBER)
    page.locator("#id_target_version").select_option(draft_option.get_attribute("value"))
    page.locator("#id_group_title").fill("Kelompok Pekerjaan 1: Pemrograman")
    page.get_by_role("button", name="Check and preview").click()
    page.get_by_role("heading", name="Import preview").wait_for()
    page.get_by_text("J.620100.004.02").first.wait_for()
    rina.check("import-preview")
    page.get_by_role("button", name="Confirm and import").click()
    page.get_by_text("unit-jwp.xlsx was imported.").first.wait_for()
    page.get_by_text("Menggunakan Struktur Data").first.wait_for()
    rina.check("scheme-draft")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text(f"Version 1 of {DRAFT_NUMBER} is published.").first.wait_for()
    rina.check("scheme-published")

    # A venue: registered, then verified against the BNSP checklist.
    rina.goto("/assessments/console/tuk/")
    page.get_by_role("link", name="Register a TUK").click()
    page.locator("#id_code").fill("TUK-SWK-JKT-01")
    page.locator("#id_name").fill("Lab Komputer Politeknik Kemang")
    page.locator("#id_tuk_type").select_option("sewaktu")
    page.locator("#id_address").fill("Jl. Kemang Raya No. 5, Jakarta Selatan")
    page.locator("#id_city").fill("Jakarta Selatan")
    page.locator("#id_time_zone").select_option("Asia/Jakarta")
    page.locator("#id_contact_name").fill("Bambang Sutrisno")
    page.locator("#id_contact_phone").fill("021 7190 2233")
    rina.check("tuk-form")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("TUK Lab Komputer Politeknik Kemang saved.").first.wait_for()
    rina.check("tuk-registered")
    page.locator("tr", has_text="Lab Komputer Politeknik Kemang").get_by_role(
        "link", name="Verify"
    ).click()
    page.get_by_role("button", name="Record the verification").wait_for()
    for radio in page.locator("input[type=radio][value='1']").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    page.locator("input[name=conclusion][value=sesuai]").check()
    page.locator("#id_note").fill("Komputer dan jaringan siap dipakai.")
    rina.check("tuk-verify")
    page.get_by_role("button", name="Record the verification").click()
    page.get_by_text("Verification of").first.wait_for()
    rina.check("tuk-verified")

    # The event, two weeks ahead, for the scheme Alice and Bob applied for.
    day = timezone.localdate() + datetime.timedelta(days=14)
    rina.goto("/assessments/console/events/")
    page.get_by_role("link", name="Schedule an event").click()
    page.locator("#id_code").fill("EV-JKT-2026-12")
    page.locator("#id_name").fill("Uji Kompetensi Pemrograman Dasar")
    applied_option = page.locator("#id_scheme_version option", has_text=applied.title)
    page.locator("#id_scheme_version").select_option(applied_option.get_attribute("value"))
    tuk_option = page.locator("#id_tuk option", has_text="Lab Komputer Politeknik Kemang")
    page.locator("#id_tuk").select_option(tuk_option.get_attribute("value"))
    page.locator("#id_local_starts_at").fill(f"{day.isoformat()}T08:00")
    page.locator("#id_local_ends_at").fill(f"{day.isoformat()}T16:00")
    page.locator("#id_quota").fill("20")
    rina.check("event-form")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Event EV-JKT-2026-12 scheduled.").first.wait_for()

    # Dina's licence has expired: refused, with the reason. Charlie is assigned.
    page.locator("#id_assessor").select_option(label=other_assessor.full_name)
    page.get_by_role("button", name="Assign").click()
    page.get_by_text("Dina Asesor's licence ends on").first.wait_for()
    rina.check("assign-refused")
    page.locator("#id_assessor").select_option(label=assessor.full_name)
    page.get_by_role("button", name="Assign").click()
    page.get_by_text("Assessor assigned.").first.wait_for()
    event_path = re.sub(r"^https?://[^/]+", "", page.url)

    # The applications: every document Ada and Memenuhi, then accepted.
    for applicant in ("Alice Asesi", "Bob Asesi"):
        rina.goto("/assessments/verification/")
        page.get_by_role("link", name=re.compile(applicant)).first.click()
        page.get_by_role("button", name="Save the checks").wait_for()
        for radio in page.locator("#documents input[type=radio][value='1']").all():
            page.locator(f"label[for='{radio.get_attribute('id')}']").click()
        with page.expect_response(lambda r: "/documents/" in r.url and r.request.method == "POST"):
            page.get_by_role("button", name="Save the checks").click()
        page.wait_for_load_state("networkidle")
        rina.assert_clean()
        if applicant == "Alice Asesi":
            rina.check("verification")
        page.get_by_role("button", name="Diterima (accept)").click()
        page.wait_for_load_state("load")
        rina.assert_clean()
    rina.goto("/assessments/verification/")
    rina.check("verification-queue")

    # Both placed with Charlie.
    rina.goto(event_path)
    for applicant in ("Alice Asesi", "Bob Asesi"):
        page.locator("#id_assessment").select_option(label=applicant)
        page.locator("form:has(#id_assessment) select[name=assessor]").select_option(
            label=assessor.full_name
        )
        page.get_by_role("button", name="Place").click()
        page.get_by_text("Candidate placed.").first.wait_for()
    attendance = page.locator("table", has_text="Attended at")
    assert attendance.get_by_text("Alice Asesi").count() == 1
    assert attendance.get_by_text("Bob Asesi").count() == 1
    rina.check("event-placed")


@pytest.fixture
def reported(candidate, assessor):
    """After the assessment: Alice's complete record (every form, both units K) submitted by
    Charlie, through the services; the decision maker and the admin have authenticators."""
    decision_maker = with_authenticator(
        factories.DecisionMakerUserFactory(email=DM_EMAIL, full_name="Komite Teknis")
    )
    admin = with_authenticator(
        factories.AdminUserFactory(email=ADMIN_EMAIL, full_name="Rina Admin LSP")
    )
    assessment = factories.full_assessment_record(candidate=candidate, assessor=assessor)
    return {"assessment": assessment, "decision_maker": decision_maker, "admin": admin}


def test_decision_maker_certifies(reported, candidate, open_person):
    # The decision maker reads the whole record and certifies.
    komite = open_person("decision-maker")
    page = komite.page
    sign_in(komite, DM_EMAIL, factories.PASSWORD)
    komite.goto("/decisions/")
    komite.check("queue")
    page.get_by_role("link", name=candidate.full_name).first.click()
    page.get_by_role("button", name="Record the decision").wait_for()
    komite.check("record")
    page.locator("input[name=outcome][value=certified]").check()
    page.locator("#id_basis").fill(
        "Rapat pleno 2 Desember: rekomendasi asesor diterima, bukti lengkap dan sahih."
    )
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text(f"The decision on {candidate.full_name} is recorded.").first.wait_for()
    komite.check("decided")

    # The admin issues the certificate; its page shows the number.
    rina = open_person("admin-certificate")
    sign_in(rina, ADMIN_EMAIL, factories.PASSWORD)
    rina.goto("/certificates/")
    rina.page.locator("li", has_text=candidate.full_name).get_by_role(
        "button", name="Issue the certificate"
    ).click()
    rina.page.get_by_text(re.compile(r"Certificate .+ issued\.")).first.wait_for()
    number = rina.page.locator("h1").inner_text().strip()
    assert number
    assert rina.page.get_by_text(candidate.full_name).count()
    rina.check("certificate")
    rina.goto("/certificates/")
    rina.page.get_by_role("link", name=number).first.wait_for()
    rina.check("register")

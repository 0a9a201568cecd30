"""Journey 1: a candidate registers, verifies the email, fills the profile, applies for the demo
scheme with documents, evidence and the FR.APL.02 self-assessment, submits; the LSP admin returns
it for revision from the verification page; the candidate replaces the document and submits again.
"""

import re
import zlib

import pytest

from tests import factories
from tests.browser.conftest import link_path, mail_to, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "dewi.lestari@example.test"
PASSWORD = "kuningan-Senja-47"
ADMIN = "admin@kompeten.test"
DEMO_PASSWORD = "kompeten-demo"  # seed_demo's published password


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A real (tiny, grey) PNG: libmagic on the server checks the content, not the name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF with a valid cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def upload(name: str, mime: str, content: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def sign_in(person, email: str, password: str) -> None:
    person.goto("/login/")
    person.page.locator("#id_username").fill(email)
    person.page.locator("#id_password").fill(password)
    person.page.locator("#id_password").press("Enter")
    person.page.wait_for_load_state("load")
    pass_second_factor(person, email)


def test_candidate(demo, open_person):
    dewi = open_person("candidate")
    page = dewi.page

    # Registration and the email link.
    dewi.goto("/")
    dewi.check("login")
    page.get_by_role("link", name="New candidate? Create an account").click()
    dewi.check("register")
    page.locator("#id_full_name").fill("Dewi Lestari")
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_consent").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("We sent a link to").first.wait_for()
    dewi.check("registered")
    dewi.goto(link_path(mail_to(EMAIL), r"^/verify/[^/]+/$"))
    page.get_by_text("your email address is confirmed").first.wait_for()
    dewi.check("email-verified")

    # Applying first asks for the personal data (FR.APL.01 part 1).
    dewi.goto("/assessments/apply/")
    page.locator("#id_nik").wait_for()
    dewi.check("profile")
    page.locator("#id_nik").fill("3174055207980003")
    page.locator("#id_phone").fill("0812 7788 9900")
    page.locator("#id_birth_place").fill("Jakarta")
    page.locator("#id_birth_date").fill("1998-07-12")
    page.locator("#id_sex").select_option("P")
    page.locator("#id_education").select_option("d3")
    page.locator("#id_address").fill("Jl. Kemang Raya No. 12, Jakarta Selatan")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your personal data is saved.").first.wait_for()
    dewi.check("apply-schemes")
    page.get_by_role("link", name=re.compile("^Choose this scheme")).first.click()
    page.locator("#id_purpose_0").wait_for()
    dewi.check("apply-form")
    page.locator("#id_purpose_0").check()
    page.get_by_role("button", name="Start my application").click()
    page.get_by_text("Your application is saved as a draft.").first.wait_for()
    assessment_path = re.search(r"/assessments/\d+/", page.url).group(0)

    # Required documents: a PNG photo, PDFs for the rest.
    kinds = page.locator("form input[type=hidden][name=kind]")
    required = [
        kind
        for kind in kinds.evaluate_all("(inputs) => inputs.map((i) => i.value)")
        if kind not in ("sertifikat_kompetensi", "lainnya")
    ]
    assert "ktp" in required
    for kind in required:
        file = (
            upload("pas-foto.png", "image/png", png_bytes())
            if kind == "photo"
            else upload(f"{kind}.pdf", "application/pdf", pdf_bytes(kind))
        )
        page.locator(f"#id_{kind}_file").set_input_files(file)
        with page.expect_response(lambda r: r.request.method == "POST" and "/documents/" in r.url):
            page.locator(f"form:has(#id_{kind}_file) button[type=submit]").click()
        page.wait_for_load_state("load")
        dewi.assert_clean()
    dewi.check("documents")

    # Portfolio evidence, then FR.APL.02 with that evidence linked to every element.
    page.get_by_role("link", name="Next: portfolio evidence").click()
    page.locator("#id_title").fill("Laporan proyek aplikasi inventaris, PT Maju, 2025")
    page.locator("#id_file").set_input_files(
        upload("laporan.pdf", "application/pdf", pdf_bytes("laporan proyek"))
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("Your evidence (1 item").first.wait_for()
    dewi.check("evidence")
    page.get_by_role("link", name="Next: self-assessment").click()
    # The radios are Bootstrap toggle buttons; each change saves itself through htmx, which
    # swaps the element's form.
    elements = page.locator("input[type=radio][value=K]").evaluate_all(
        "(radios) => radios.map((r) => r.name.split('-')[0])"
    )
    assert elements
    for element in elements:
        form = f"form:has(#{element}-answer-K)"
        # A click on the toggle (as a person taps it on a phone), waiting for its save: a key
        # press on the hidden radio raced with the previous element's htmx swap now and then.
        with page.expect_response(lambda r: "/apl02/" in r.url and r.request.method == "POST"):
            page.locator(f"label[for='{element}-answer-K']").click()
        # K without evidence: the swapped-in form asks for evidence. Waiting for it means the
        # checkbox below is the new one, not one being replaced under the key press.
        page.locator(f"{form} [data-unsupported]").wait_for()
        with page.expect_response(lambda r: "/apl02/" in r.url and r.request.method == "POST"):
            page.locator(f"{form} input[type=checkbox]").first.check()
        page.locator(f"{form} [data-unsupported]").wait_for(state="detached")
        page.locator(f"{form} [data-saved]").wait_for()
        assert page.locator(f"{form} input[type=checkbox]").first.is_checked()
        dewi.assert_clean()
    page.get_by_text(f"{len(elements)} of {len(elements)} elements answered").first.wait_for()
    dewi.check("apl02")

    page.get_by_role("link", name="Next: review and submit").click()
    dewi.check("submit")
    page.get_by_role("button", name="Submit my application").click()
    page.get_by_text("Your application is submitted.").first.wait_for()
    dewi.check("submitted")

    # The LSP admin, in a browser of their own, returns it: the KTP scan is unreadable.
    admin = open_person("admin")
    sign_in(admin, ADMIN, DEMO_PASSWORD)
    admin.goto("/assessments/verification/")
    admin.page.get_by_role("link", name=re.compile("Dewi Lestari")).first.click()
    admin.page.get_by_text("Return for revision").first.wait_for()
    admin.check("admin-verification")
    admin.page.get_by_text("Return for revision").click()
    admin.page.locator("input[name=return-sections][value=documents]").check()
    admin.page.locator("#id_return-note").fill("The KTP scan is unreadable; upload a sharper one.")
    admin.page.get_by_role("button", name="Return to the candidate").click()
    admin.page.get_by_text("Returned to the candidate for revision").first.wait_for()
    admin.check("admin-returned")

    # The candidate sees why, replaces the KTP and submits again.
    dewi.goto(assessment_path)
    page.get_by_text("The KTP scan is unreadable").first.wait_for()
    dewi.check("returned")
    dewi.goto(f"{assessment_path}documents/")
    page.locator("#id_ktp_file").set_input_files(
        upload("ktp-jelas.pdf", "application/pdf", pdf_bytes("ktp jelas"))
    )
    page.locator("form:has(#id_ktp_file) button[type=submit]").click()
    page.get_by_text("ktp-jelas.pdf").first.wait_for()
    dewi.goto(f"{assessment_path}submit/")
    page.get_by_role("button", name="Submit again").click()
    page.get_by_text("Your application is submitted.").first.wait_for()
    dewi.check("resubmitted")


@pytest.fixture
def scheduled(candidate):
    """Starting point once the LSP scheduled Alice (no admin scheduling page exists yet): her
    accepted application placed in an event with an assessor, through the services."""
    from assessments.models import Assessment

    return factories.assessment_in_state(Assessment.State.SCHEDULED, candidate=candidate)


def test_candidate_signs_ak01(scheduled, candidate, open_person):
    alice = open_person("candidate-ak01")
    page = alice.page
    sign_in(alice, candidate.email, factories.PASSWORD)
    alice.goto(f"/assessments/{scheduled.pk}/")
    alice.check("scheduled")
    alice.goto(f"/assessments/{scheduled.pk}/consent/")
    alice.check("consent")
    page.locator("#id_typed_name").fill(candidate.full_name)
    page.locator("#id_agreed").check()
    page.get_by_role("button", name=re.compile("Sign")).click()
    page.get_by_text("You signed FR.AK.01.").first.wait_for()
    alice.check("consent-signed")


@pytest.fixture
def certified(candidate, assessor, settings, live_server, celery_worker):
    """Starting point after the assessment: Charlie decided every unit K with feedback and sent
    the recommendation, submitted the record, the decision maker certified Alice and the admin
    issued the certificate (all through the services; the certificate's PDF is queued for the
    worker). Alice has not sent FR.AK.03 yet. The QR code points at this live server."""
    from assessments import services
    from assessments.models import Assessment
    from certification.services_certification import certificate_issue, decision_make

    settings.KOMPETEN_BASE_URL = live_server.url
    assessment = factories.assessor_assessment(
        Assessment.State.IN_PROGRESS, assessor=assessor, candidate=candidate
    )
    factories.decide_all_units(assessment)
    services.recommendation_submit(assessment_id=assessment.pk, actor=assessor)
    services.report_submit(assessment_id=assessment.pk, actor=assessor)
    decision = decision_make(
        assessment_id=assessment.pk,
        actor=factories.DecisionMakerUserFactory(),
        certified=True,
        basis="Rapat pleno: rekomendasi asesor diterima.",
    )
    return certificate_issue(decision_id=decision.pk, actor=factories.AdminUserFactory())


@pytest.mark.worker
@pytest.mark.xdist_group("celery-worker")
def test_candidate_result_and_certificate(certified, candidate, open_person):
    assessment_path = f"/assessments/{certified.decision.assessment_id}/"
    alice = open_person("candidate-result")
    page = alice.page
    sign_in(alice, candidate.email, factories.PASSWORD)
    alice.goto(assessment_path)
    alice.check("decided")

    # The result with the assessor's feedback, then FR.AK.03: nine statements, Yes or No.
    alice.goto(f"{assessment_path}feedback/")
    page.get_by_text("Anda menunjukkan langkah kerja yang runtut.").first.wait_for()
    alice.check("result-feedback")
    for radio in page.locator("input[type=radio][value=yes]").all():
        page.locator(f"label[for='{radio.get_attribute('id')}']").click()
    page.locator("#id_notes").fill("Asesor menjelaskan dengan sabar.")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you: your feedback was sent.").first.wait_for()
    alice.check("ak03-sent")

    # The certificate: its page, the PDF once rendered, and the QR link to the public page.
    alice.goto("/certificates/mine/")
    alice.check("my-certificates")
    page.get_by_role("link", name=certified.number).click()
    page.get_by_role("heading", name=certified.number).wait_for()
    alice.check("certificate")
    # Issuing the certificate queued its PDF: a download link once the worker rendered it.
    panel = page.locator("[data-document=certificate]")
    download_link = panel.get_by_role("link", name=re.compile("Download"))
    download_link.first.wait_for(timeout=120_000)
    with page.expect_download() as download:
        download_link.first.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.locator("a[href*='/verify/c/']").first.click()
    page.wait_for_url("**/verify/c/**")
    page.locator("dd", has_text=candidate.full_name).wait_for()
    page.locator("dd", has_text=certified.number).wait_for()
    alice.check("verification-page")

"""The certification layer's PDFs: the certificate (A4 landscape, QR code to the public
verification page, rendered when it is issued), the decision letter (SK) and FR.AK.04. Their text
read back with pypdf, and who may generate and download them (the holder yes, another candidate
a 404)."""

import base64
import datetime
import io
import shutil
import subprocess

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessments.models import ArchivedDocument, RenderRequest, UnitDecision
from assessments.pdf import formatting, registry
from assessments.pdf.render import render_html, render_pdf
from assessments.tasks_pdf import render_document
from certification import selectors
from certification.models import LSP, Certificate
from certification.services_appeals import appeal_assign, appeal_decide, appeal_file
from certification.services_certification import (
    certificate_issue,
    certificate_record_bnsp,
    decision_letter_create,
    decision_letter_sign,
)
from tests import factories

pytestmark = pytest.mark.django_db


def t(msgid: str) -> str:
    """A label as the Indonesian document prints it."""
    with translation.override("id"):
        return gettext(msgid)


def squash(text: str) -> str:
    return "".join(text.split())


class Rendered:
    def __init__(self, key: str, subject):
        spec = registry.get_document(key)
        with translation.override("id"):
            self.context = spec.builder(subject)
        self.html = render_html(spec.template, self.context)
        self.result = render_pdf(spec.template, self.context)
        self.reader = PdfReader(io.BytesIO(self.result.pdf))
        self.pages = [page.extract_text() for page in self.reader.pages]
        self.flat = squash("\n".join(self.pages))

    def has(self, value) -> bool:
        return squash(str(value)) in self.flat


@pytest.fixture
def lsp():
    return LSP.objects.create(
        name="LSP Informatika Nusantara",
        licence_number="BNSP-LSP-0421-ID",
        city="Jakarta Selatan",
        short_code="LSP-IN",
    )


@pytest.fixture
def head():
    return factories.UserFactory(full_name="Hendra Wijaya", is_lsp_head=True)


@pytest.fixture
def certificate(lsp, admin_user, decision_maker):
    return factories.issued_certificate(admin=admin_user, decision_maker=decision_maker, units=3)


def _letter(admin, head, decisions, *, sign=True):
    letter = decision_letter_create(
        actor=admin, decision_ids=[d.pk for d in decisions], signatory_id=head.pk
    )
    if sign:
        decision_letter_sign(letter_id=letter.pk, actor=head)
    letter.refresh_from_db()
    return letter


# --- the certificate ------------------------------------------------------------------------------


def test_the_certificate_prints_holder_scope_numbers_dates_and_signature(
    certificate, admin_user, head
):
    certificate_record_bnsp(
        certificate_id=certificate.pk,
        actor=admin_user,
        registration_number="62010 2326 0001234 2026",
        blank_number="",
    )
    letter = _letter(admin_user, head, [certificate.decision])
    certificate.refresh_from_db()

    doc = Rendered("certificate", certificate)

    version = certificate.scheme_version
    expected = [
        "LSP INFORMATIKA NUSANTARA",  # the name and the title are set in capitals
        "SERTIFIKAT KOMPETENSI",
        "BNSP-LSP-0421-ID",
        certificate.holder_name,
        certificate.number,
        version.title,
        version.scheme.number,
        "62010 2326 0001234 2026",
        formatting.tanggal(certificate.issued_on),
        formatting.tanggal(certificate.valid_until),
        letter.number,
        head.full_name,
        t("LSP head"),
    ]
    units = list(certificate.units.all())
    assert len(units) == 3
    expected += [unit.code for unit in units] + [unit.title for unit in units]
    assert [value for value in expected if not doc.has(value)] == []
    # Indonesian month names whatever the process locale.
    assert formatting.MONTHS[certificate.issued_on.month - 1] in doc.pages[0]
    # A4 landscape: the front, then the units overleaf.
    box = doc.reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    assert doc.result.pages == 2 and doc.result.refused == []
    assert all(unit.code in doc.pages[1] for unit in units)


def test_the_certificate_carries_the_qr_code_of_its_verification_page(certificate):
    doc = Rendered("certificate", certificate)

    url = selectors.verification_url(certificate.token)
    assert doc.context["verify_url"] == url
    prefix = "data:image/png;base64,"
    assert doc.context["qr"].startswith(prefix)
    png = base64.b64decode(doc.context["qr"][len(prefix) :])
    assert png == selectors.verification_qr_png(certificate.token, box_size=10)
    images = doc.reader.pages[0].images
    assert len(images) == 1  # no logo configured: the one image is the QR code
    if shutil.which("zbarimg"):
        buffer = io.BytesIO()
        images[0].image.convert("L").resize((400, 400)).save(buffer, "PNG")
        decoded = subprocess.run(
            ["zbarimg", "--raw", "-q", "-"],
            input=buffer.getvalue(),
            capture_output=True,
            check=True,
        )
        assert decoded.stdout.decode().strip() == url


def test_issuing_a_certificate_renders_its_pdf_after_commit(
    lsp, admin_user, decision_maker, django_capture_on_commit_callbacks
):
    decision = factories.decided_with_decision(decision_maker=decision_maker, units=1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = certificate_issue(decision_id=decision.pk, actor=admin_user)
    request = RenderRequest.objects.get(
        document="certificate",
        subject_type=ContentType.objects.get_for_model(Certificate),
        subject_id=certificate.pk,
    )
    assert request.status == RenderRequest.Status.QUEUED and request.requested_by == admin_user

    for callback in callbacks:
        callback()

    request.refresh_from_db()
    assert request.status == RenderRequest.Status.READY
    assert request.archived.version == 1 and request.archived.size > 0


def test_signing_the_sk_prints_the_certificates_issued_before_it_again_signed(
    lsp, admin_user, decision_maker, head, django_capture_on_commit_callbacks
):
    decision = factories.decided_with_decision(decision_maker=decision_maker, units=1)
    letter = decision_letter_create(
        actor=decision_maker,
        decision_ids=[decision.pk],
        signatory_id=head.pk,
        date=datetime.date(2026, 11, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(decision_id=decision.pk, actor=admin_user)
    unsigned = ArchivedDocument.objects.get(subject_id=certificate.pk, document="certificate")
    assert head.full_name not in _pdf_text(unsigned)

    with django_capture_on_commit_callbacks(execute=True):
        decision_letter_sign(letter_id=letter.pk, actor=head)

    versions = list(
        ArchivedDocument.objects.filter(subject_id=certificate.pk, document="certificate").order_by(
            "version"
        )
    )
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].request.requested_by == head
    assert squash(head.full_name) in squash(_pdf_text(versions[1]))


def _pdf_text(archived: ArchivedDocument) -> str:
    with archived.file.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def test_the_holder_and_the_lsp_staff_download_the_certificate_others_get_404(
    client, certificate, admin_user, decision_maker, other_candidate, assessor, head
):
    request = RenderRequest.objects.get(document="certificate", subject_id=certificate.pk)
    render_document.apply(args=[str(request.request_id)])
    archive = ArchivedDocument.objects.get(request=request)
    download = reverse("assessments:archive_download", args=[archive.pk])
    panel = reverse("assessments:documents_panel", args=["certificate", certificate.pk])

    for user in (certificate.holder, admin_user, decision_maker, head):
        client.force_login(user)
        response = client.get(download)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert client.get(panel + "?documents=certificate").status_code == 200
    for user in (other_candidate, assessor):
        client.force_login(user)
        assert client.get(download).status_code == 404, user
        assert client.get(panel + "?documents=certificate").status_code == 404
        ask = reverse(
            "assessments:document_request", args=["certificate", "certificate", certificate.pk]
        )
        assert client.post(ask).status_code == 404


def test_the_certificate_page_includes_its_documents_panel(client, certificate):
    client.force_login(certificate.holder)

    response = client.get(reverse("certificate_detail", args=[certificate.pk]))

    panel = reverse("assessments:documents_panel", args=["certificate", certificate.pk])
    assert f'hx-get="{panel}?documents=certificate"' in response.content.decode()


# --- the decision letter (SK) ---------------------------------------------------------------------


def test_the_sk_lists_its_decisions_under_its_yearly_number(
    lsp, client, admin_user, decision_maker, head, candidate
):
    certified = factories.decided_with_decision(decision_maker=decision_maker, units=1)
    not_certified = factories.decided_with_decision(
        certified=False, decision_maker=decision_maker, units=2
    )
    certificate = certificate_issue(decision_id=certified.pk, actor=admin_user)
    first = _letter(admin_user, head, [certified])
    second = _letter(admin_user, head, [not_certified])
    # The default pattern: {seq:03d}/SK/{lsp}/{month_roman}/{year}, numbered per year.
    assert first.number.startswith("001/SK/LSP-IN/") and first.number.endswith(f"/{first.year}")
    assert second.number.startswith("002/SK/LSP-IN/")

    doc = Rendered("sk", second)
    expected = [
        second.number,
        not_certified.assessment.candidate.full_name,
        not_certified.scheme_version.title,
        t("Not certified"),
        formatting.tanggal(second.date),
        formatting.tanggal(not_certified.assessment_date),
        head.full_name,
        t("Signed in Kompeten"),
        "LSP Informatika Nusantara",
    ]
    assert [value for value in expected if not doc.has(value)] == []
    assert not doc.has(first.number) and not doc.has(certified.assessment.candidate.full_name)
    assert all(f"Halaman {n} dari {len(doc.pages)}" in p for n, p in enumerate(doc.pages, 1))

    doc = Rendered("sk", first)
    assert doc.has(first.number) and doc.has(certificate.number) and doc.has(t("Certified"))

    panel = reverse("assessments:documents_panel", args=["decision_letter", first.pk])
    client.force_login(decision_maker)
    assert client.get(panel + "?documents=sk").status_code == 200
    client.force_login(candidate)
    assert client.get(panel + "?documents=sk").status_code == 404


def test_an_unsigned_sk_leaves_the_signature_blank(lsp, admin_user, decision_maker, head):
    decision = factories.decided_with_decision(decision_maker=decision_maker, units=1)
    letter = _letter(admin_user, head, [decision], sign=False)

    doc = Rendered("sk", letter)

    assert doc.has(letter.number) and doc.has(head.full_name)
    assert not doc.has(t("Signed in Kompeten"))


# --- FR.AK.04 -------------------------------------------------------------------------------------


@pytest.fixture
def ruled_appeal(lsp, settings, decision_maker):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14
    decision = factories.decided_with_decision(
        certified=False, decision_maker=decision_maker, units=2
    )
    assessment = decision.assessment
    appeal = appeal_file(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        reason="Unit 2 dinilai BK padahal bukti portofolio lengkap.",
        process_explained=True,
        discussed_with_assessor=False,
        involved_other_person=True,
        other_person_name="Budi Santoso",
    )
    reviewer = factories.AdminUserFactory(full_name="Rina Peninjau")
    appeal_assign(appeal_id=appeal.pk, actor=factories.AdminUserFactory(), reviewer_id=reviewer.pk)
    bk = UnitDecision.objects.filter(assessment=assessment, outcome="BK").values_list(
        "unit_id", flat=True
    )
    appeal_decide(
        appeal_id=appeal.pk,
        actor=reviewer,
        upheld=True,
        ruling="Bukti portofolio unit 2 belum dipertimbangkan.",
        unit_ids=list(bk),
    )
    appeal.refresh_from_db()
    return appeal


def test_ak04_prints_the_answers_the_reason_and_the_ruling(ruled_appeal):
    doc = Rendered("ak04", ruled_appeal)

    assessment = ruled_appeal.assessment
    unit = ruled_appeal.units.get()
    expected = [
        "FR.AK.04",
        assessment.candidate.full_name,
        assessment.assessor.full_name,
        assessment.scheme_version.scheme.number,
        "Unit 2 dinilai BK padahal bukti portofolio lengkap.",
        "Budi Santoso",
        t("Was the appeal process explained to you?"),
        "Rina Peninjau",
        "Bukti portofolio unit 2 belum dipertimbangkan.",
        unit.code,
        t("Filed in Kompeten"),
        t("Ruled in Kompeten"),
        formatting.tanggal(ruled_appeal.filed_at),
    ]
    assert [value for value in expected if not doc.has(value)] == []
    assert doc.html.count('data-answer="ya"') == 2 and doc.html.count('data-answer="tidak"') == 1
    assert doc.result.refused == [] and "Halaman 1 dari 1" in doc.pages[0]


def test_ak04_is_for_the_candidate_the_reviewer_and_admins_only(
    client, ruled_appeal, other_candidate, admin_user, assessor
):
    panel = reverse("assessments:documents_panel", args=["appeal", ruled_appeal.pk])
    for user in (ruled_appeal.filed_by, ruled_appeal.reviewer, admin_user):
        client.force_login(user)
        assert client.get(panel + "?documents=ak04").status_code == 200, user
    for user in (other_candidate, assessor):
        client.force_login(user)
        assert client.get(panel + "?documents=ak04").status_code == 404, user


def test_the_builders_read_a_bounded_number_of_queries(
    lsp, admin_user, decision_maker, django_assert_max_num_queries
):
    small = factories.issued_certificate(admin=admin_user, decision_maker=decision_maker, units=1)
    large = factories.issued_certificate(admin=admin_user, decision_maker=decision_maker, units=6)
    spec = registry.get_document("certificate")
    counts = []
    for certificate in (small, large):
        with django_assert_max_num_queries(10) as captured:
            spec.builder(certificate)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_pdf_stays_the_certificate_as_issued_whatever_its_state(certificate):
    # The PDF is the certificate as issued; the live state is on the verification page.
    Certificate.objects.filter(pk=certificate.pk).update(
        valid_until=certificate.issued_on + datetime.timedelta(days=1), state="withdrawn"
    )
    certificate.refresh_from_db()

    doc = Rendered("certificate", certificate)

    assert doc.has(formatting.tanggal(certificate.valid_until))
    assert not doc.has(t("Withdrawn"))

"""Each assessment document rendered from a complete factory record (a 2-unit scheme, 2 elements
of 2 KUK each, the last unit BK): its text read back with pypdf holds the common header, every
KUK where the form lists them, the recorded values and the signatures; the page count matches
"Halaman X dari Y"; the builders' queries do not grow with the scheme."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessments.models import (
    AK03_ITEMS,
    AssessorProfile,
    ConsentTerms,
    DocumentKind,
    PreparationRecord,
    Signature,
    UnitDecision,
)
from assessments.pdf import formatting, registry
from assessments.pdf.render import render_html, render_pdf
from assessments.services.assessor import AK07_CHARACTERISTICS
from assessments.services.privacy import mask_phone
from certification.models import LSP
from schemes.models import Criterion
from tests import factories

pytestmark = pytest.mark.django_db

DOCUMENTS = ["apl01", "apl02", "mapa01", "ak01", "ia01", "ak02", "ak03"]
# Forms that list every KUK of the scheme.
LISTS_KUK = {"apl02", "mapa01", "ia01"}


def t(msgid: str) -> str:
    """A label as the Indonesian document prints it."""
    with translation.override("id"):
        return gettext(msgid)


def squash(text: str) -> str:
    """Text without whitespace: lines wrap anywhere in a table cell."""
    return "".join(text.split())


class Rendered:
    def __init__(self, key: str, assessment):
        spec = registry.get_document(key)
        with translation.override("id"):
            self.context = spec.builder(assessment)
        self.html = render_html(spec.template, self.context)
        self.result = render_pdf(spec.template, self.context)
        self.reader = PdfReader(io.BytesIO(self.result.pdf))
        self.pages = [page.extract_text() for page in self.reader.pages]
        self.text = "\n".join(self.pages)
        self.flat = squash(self.text)

    def has(self, value: str) -> bool:
        return squash(str(value)) in self.flat


@pytest.fixture
def lsp():
    return LSP.objects.create(
        name="LSP Informatika Nusantara",
        licence_number="BNSP-LSP-0421-ID",
        address="Jl. Jend. Sudirman Kav. 52",
        city="Jakarta Selatan",
        # Another LSP's own code and title for APL.01 (older FR-APL style).
        form_labels={"apl01": {"code": "FR-APL-01", "title": "Formulir Permohonan Sertifikasi"}},
    )


@pytest.fixture
def record(lsp):
    return factories.full_assessment_record(units=2, elements=2, criteria=2, bk_unit=True)


def _header_values(assessment) -> list[str]:
    version = assessment.scheme_version
    met = AssessorProfile.objects.get(user=assessment.assessor).met_number
    return [
        "LSP Informatika Nusantara",
        "BNSP-LSP-0421-ID",
        version.title,
        version.scheme.number,
        str(version.get_scheme_type_display()),
        "Sewaktu",
        assessment.event.tuk.name,
        assessment.assessor.full_name,
        met,
        assessment.candidate.full_name,
    ]


def test_every_document_prints_the_common_header_and_page_numbers(record):
    # One record for all seven documents (building it is the slow part); failures name the form.
    problems = []
    for key in DOCUMENTS:
        doc = Rendered(key, record)
        missing = [value for value in _header_values(record) if not doc.has(value)]
        label = LSP.load().form_label(key)
        missing += [v for v in (label["code"], label["title"].upper()) if not doc.has(v)]
        if not doc.has(formatting.tanggal(doc.context["header"]["date"])):
            missing.append("date")
        total = len(doc.reader.pages)
        numbered = all(
            f"Halaman {number} dari {total}" in page
            for number, page in enumerate(doc.pages, start=1)
        )
        if missing or not numbered or total != doc.result.pages or not 1 <= total <= 3:
            problems.append((key, missing, numbered, total))
        assert doc.result.refused == []
    assert not problems, problems


def test_the_lsp_own_form_code_and_title_are_printed(record):
    doc = Rendered("apl01", record)
    assert doc.has("FR-APL-01") and doc.has("FORMULIR PERMOHONAN SERTIFIKASI")
    assert not doc.has("FR.APL.01")


def test_forms_that_list_kuk_print_every_kuk_of_the_scheme(record):
    criteria = list(
        Criterion.objects.filter(element__unit__scheme_units__group__version=record.scheme_version)
    )
    assert len(criteria) == 8
    for key in sorted(LISTS_KUK):
        doc = Rendered(key, record)
        # IA.01 prints the number and the text in separate columns.
        missing = [
            c.text
            for c in criteria
            if not doc.has(c.text if key == "ia01" else f"{c.number} {c.text}")
        ]
        assert not missing, (key, missing)
        for unit in record.scheme_version.units():
            assert doc.has(unit.code) and doc.has(unit.title), key


def test_apl01_prints_the_application_documents_and_the_decision(record):
    doc = Rendered("apl01", record)
    profile = record.candidate.candidate_profile
    # Masked in the archived file (docs/privacy.md): one file for assessors and decision makers.
    assert not doc.has(profile.nik)
    assert profile.phone and not doc.has(profile.phone)
    assert not doc.has(profile.phone.replace(" ", ""))
    for value in (
        f"{profile.nik[:4]}********{profile.nik[-4:]}",
        mask_phone(profile.phone),
        "Jakarta, 17 Mei 1998",
        "PT Maju Bersama",
        "Staf TI",
        record.candidate.email,
        "Persyaratan lengkap.",
    ):
        assert doc.has(value), value
    with translation.override("id"):
        for kind in ("photo", "ktp", "ijazah"):
            assert doc.has(str(DocumentKind(kind).label))
    assert doc.has("\u2611 " + t("Accepted")) and doc.has("\u2610 " + t("Not accepted"))
    assert doc.has("Admin Verifikasi")  # the admin who decided, from the audit trail


def test_apl02_prints_each_answer_with_its_evidence_and_the_review(record):
    doc = Rendered("apl02", record)
    answers = re.findall(r'data-answer="(\w*)"', doc.html)
    assert answers == ["K"] * 4
    for element in record.self_assessments.select_related("element"):
        assert doc.has(element.element.question)
    assert doc.has("Laporan proyek")
    assert doc.has("\u2611 " + t("The assessment can proceed"))
    assert doc.has("Bukti memadai, asesmen dapat dilanjutkan.")


def test_mapa01_prints_the_plan_background_and_adjustments(record):
    doc = Rendered("mapa01", record)
    with translation.override("id"):
        chosen = str(PreparationRecord.Potensi(3).label)
        characteristics = [str(label) for label in AK07_CHARACTERISTICS.values()]
    assert doc.has("\u2611 " + chosen)
    assert doc.has("SKKNI dan SOP perusahaan.") and doc.has("Tambahan waktu 15 menit.")
    assert all(doc.has(c) for c in characteristics)
    assert doc.has("Observasi dan portofolio.")
    assert doc.has(record.assessor.full_name)


def test_ak01_prints_the_agreement_and_both_signatures(record):
    doc = Rendered("ak01", record)
    with translation.override("id"):
        for method in ConsentTerms.Method:
            checked = method in ConsentTerms.DEFAULT_METHODS
            assert doc.has(("\u2611 " if checked else "\u2610 ") + str(method.label))
    event_start = record.event.local_starts_at
    assert doc.has(formatting.hari_tanggal(event_start))
    assert doc.has(record.event.tuk.address)
    signatures = Signature.objects.filter(document="ak01", subject_id=record.pk)
    assert signatures.count() == 2
    for signature in signatures:
        with translation.override("id"):
            signed = gettext("Signed electronically in Kompeten by %(name)s on %(when)s") % {
                "name": signature.typed_name,
                "when": "",
            }
        assert doc.has(signed.strip()) and doc.has(signature.typed_name)


def test_ia01_prints_ya_or_tidak_per_kuk_and_names_what_was_not_achieved(record):
    doc = Rendered("ia01", record)
    achieved = dict(re.findall(r'data-kuk="(\d+)" data-achieved="(\w*)"', doc.html))
    observed = {
        str(o.criterion_id): "ya" if o.achieved else "tidak" for o in record.observations.all()
    }
    assert achieved == observed and list(achieved.values()).count("tidak") == 2
    bk_unit = record.unit_decisions.get(outcome="BK").unit
    assert doc.has("\u2611 " + t("The candidate is NOT YET COMPETENT (BK) in:"))
    assert doc.has(bk_unit.code) and doc.has("Perlu observasi ulang.")
    assert doc.has("Teliti dan runtut.") and doc.has("Dokumentasi kerja.")


def test_ak02_prints_k_or_bk_per_unit_with_the_evidence_and_follow_up(record):
    doc = Rendered("ak02", record)
    outcomes = dict(re.findall(r'data-unit="(\d+)" data-outcome="(\w*)"', doc.html))
    assert outcomes == {str(d.unit_id): d.outcome for d in record.unit_decisions.all()}
    assert sorted(outcomes.values()) == ["BK", "K"]
    with translation.override("id"):
        for source in UnitDecision.Source:
            assert doc.has(str(source.label))
    assert doc.has("\u2611 " + t("Not yet competent (BK)"))
    assert doc.has("Asesmen ulang elemen 1.") and doc.has("KUK 1.1 belum tercapai.")


def test_ak03_prints_the_candidates_nine_answers_and_comments(record):
    doc = Rendered("ak03", record)
    assert re.findall(r'data-answer="(\w*)"', doc.html) == ["ya"] * 8 + ["tidak"]
    with translation.override("id"):
        assert all(doc.has(str(item)) for item in AK03_ITEMS)
    assert doc.has("Jelas") and doc.has("Terima kasih.")
    assert doc.has(record.candidate.full_name)


def test_a_long_unit_repeats_its_table_header_on_the_next_page(lsp):
    assessment = factories.full_assessment_record(units=1, elements=6, criteria=8)
    doc = Rendered("ia01", assessment)
    assert len(doc.pages) >= 2
    header = squash(t("Element / performance criteria"))
    pages_with_header = [squash(page).count(header) for page in doc.pages]
    assert pages_with_header[0] == 1 and pages_with_header[1] == 1


def test_documents_of_an_unfinished_record_render_with_blanks(lsp):
    """A draft application has no plan, observations or decisions yet: every form still
    renders (empty boxes), so a document can be printed at any stage."""
    draft = factories.AssessmentFactory()
    for key in DOCUMENTS:
        doc = Rendered(key, draft)
        assert doc.has(draft.candidate.full_name), key


def test_builders_make_the_same_number_of_queries_whatever_the_scheme_size(lsp):
    small = factories.full_assessment_record(units=1, report=False)
    large = factories.full_assessment_record(units=3, report=False)
    for key in DOCUMENTS:
        spec = registry.get_document(key)
        with translation.override("id"):
            # Warms the LSP and content type caches and keeps both (published) structures.
            spec.builder(small)
            spec.builder(large)
        counts = []
        for assessment in (small, large):
            with CaptureQueriesContext(connection) as queries, translation.override("id"):
                spec.builder(assessment)
            counts.append(len(queries))
        assert counts[0] == counts[1], (key, counts)
        assert counts[0] <= 20, (key, counts)

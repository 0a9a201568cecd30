"""FR.IA.03, IA.07, IA.08, IA.09 and IA.10 rendered from a complete factory record (a 2-unit
scheme, 2 elements of 2 KUK each) with questions, reviewed evidence and a third-party
verification: the text read back with pypdf holds the common header, the questions and answers,
the VATM verdicts, the signatures and "Halaman X dari Y"; a form whose instrument was not used
says so; the builders' queries do not grow with the scheme."""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessments.models import (
    AssessorProfile,
    EvidenceReview,
    QuestionRecord,
    SelfAssessment,
    Signature,
    ThirdPartyVerification,
    UnitPlan,
)
from assessments.pdf import formatting, registry
from assessments.pdf.render import render_html, render_pdf
from assessments.services.assessor import THIRD_PARTY_QUESTIONS
from certification.models import LSP
from schemes.models import Criterion
from tests import factories

pytestmark = pytest.mark.django_db

DOCUMENTS = ["ia03", "ia07", "ia08", "ia09", "ia10"]


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


def instrument_records(assessment, *, questions_per_unit: int = 1):
    """Add to a complete record what the assessor records with IA.03/07/08/09/10. The record is
    already reported (read-only for the services), so rows are written directly, as the
    services would have left them. Plans: unit 1 uses every instrument; unit 2 keeps the
    factory's IA.01/IA.07/IA.08 and adds IA.09. IA.03: unit 1 only (Ya and Tidak); IA.07:
    unit 1 only, so planned unit 2 gets empty rows; IA.09: both units."""
    units = factories.scheme_units(assessment)
    first, second = units[0], units[-1]
    assessor = assessment.assessor
    UnitPlan.objects.filter(assessment=assessment, unit=first).update(
        instruments=["ia01", "ia03", "ia07", "ia08", "ia09", "ia10"]
    )
    if second != first:
        UnitPlan.objects.filter(assessment=assessment, unit=second).update(
            instruments=["ia01", "ia07", "ia08", "ia09"]
        )

    def ask(unit, instrument, question, answer, achieved, expected=""):
        QuestionRecord.objects.create(
            assessment=assessment,
            unit=unit,
            instrument=instrument,
            question=question,
            expected_answer=expected,
            answer=answer,
            achieved=achieved,
            recorded_by=assessor,
        )

    ask(
        first, "ia03", "Mengapa data diuji sebelum rilis?", "Agar cacat ditemukan lebih awal.", True
    )
    ask(first, "ia03", "Apa tindakan bila uji gagal?", "<img src=x> belum dijawab", False)
    for n in range(questions_per_unit):
        for unit in units:
            if unit == first:
                ask(
                    unit,
                    "ia07",
                    f"Sebutkan langkah instalasi {n + 1}.",
                    "Unduh, verifikasi, pasang.",
                    True,
                    expected="Unduh paket, verifikasi checksum, pasang.",
                )
            ask(
                unit,
                "ia09",
                f"Ceritakan proyek {unit.code} ke-{n + 1}.",
                f"Proyek {unit.code} selesai tepat waktu.",
                True,
            )
    criteria = {
        unit.pk: list(
            Criterion.objects.filter(element__unit=unit).order_by("element__number", "position")
        )
        for unit in units
    }
    # "Laporan proyek" (APL.02, linked to every element): VATM, supports unit 1's first KUK.
    report = assessment.evidence.get(title="Laporan proyek")
    review = EvidenceReview.objects.create(
        evidence=report,
        valid=True,
        authentic=True,
        current=True,
        sufficient=True,
        note="Ditandatangani atasan.",
        reviewed_by=assessor,
    )
    review.criteria.set(criteria[first.pk][:1])
    # An old training certificate for unit 2: not current.
    certificate = factories.EvidenceFactory(assessment=assessment, title="Sertifikat pelatihan")
    for answer in SelfAssessment.objects.filter(assessment=assessment, element__unit=second):
        answer.evidence.add(certificate)
    EvidenceReview.objects.create(
        evidence=certificate,
        valid=True,
        authentic=True,
        current=False,
        sufficient=False,
        note="Terbit 2015.",
        reviewed_by=assessor,
    )
    factories.EvidenceFactory(assessment=assessment, title="Foto kegiatan")
    ThirdPartyVerification.objects.create(
        assessment=assessment,
        supervisor_name="Budi Santoso",
        workplace="PT Maju Bersama",
        phone="0812-1111-2222",
        relationship="Atasan langsung",
        known_for="3 tahun",
        answers={"performs_tasks": True, "consistent": True, "safe": True, "teamwork": False},
        comments="Perlu meningkatkan kerja tim.",
        recorded_by=assessor,
    )
    return assessment


@pytest.fixture
def lsp():
    return LSP.objects.create(
        name="LSP Informatika Nusantara",
        licence_number="BNSP-LSP-0421-ID",
        address="Jl. Jend. Sudirman Kav. 52",
        city="Jakarta Selatan",
        # An older FR-MAK style code and title for the oral questions.
        form_labels={"ia07": {"code": "FR-MAK-04", "title": "Daftar Pertanyaan Lisan"}},
    )


@pytest.fixture
def record(lsp):
    return instrument_records(factories.full_assessment_record(units=2, elements=2, criteria=2))


def _header_values(assessment) -> list[str]:
    version = assessment.scheme_version
    return [
        "LSP Informatika Nusantara",
        "BNSP-LSP-0421-ID",
        version.title,
        version.scheme.number,
        str(version.get_scheme_type_display()),
        "Sewaktu",
        assessment.event.tuk.name,
        assessment.assessor.full_name,
        AssessorProfile.objects.get(user=assessment.assessor).met_number,
        assessment.candidate.full_name,
    ]


def test_every_instrument_form_prints_the_header_title_and_page_numbers(record):
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
        if missing or not numbered or total != doc.result.pages or not 1 <= total <= 2:
            problems.append((key, missing, numbered, total))
        assert doc.result.refused == []
    assert not problems, problems


def test_the_lsp_own_code_and_title_replace_the_bnsp_ones(record):
    doc = Rendered("ia07", record)
    assert doc.has("FR-MAK-04") and doc.has("DAFTAR PERTANYAAN LISAN")
    assert not doc.has("FR.IA.07")


def test_ia03_prints_each_question_with_the_response_and_ya_or_tidak(record):
    doc = Rendered("ia03", record)
    achieved = re.findall(r'data-question="\d+" data-achieved="(\w*)"', doc.html)
    assert achieved == ["ya", "tidak"]
    assert doc.has("Mengapa data diuji sebelum rilis?")
    assert doc.has("Agar cacat ditemukan lebih awal.")
    # User text is printed as text, never as markup.
    assert doc.has("<img src=x> belum dijawab") and "<img src=x>" not in doc.html
    # Unit 2 neither planned IA.03 nor has a question: listed apart, without a table.
    second = factories.scheme_units(record)[-1]
    assert doc.has(t("Not planned for these units in FR.MAPA.01 and no question recorded."))
    assert re.findall(r'<tr data-unit="(\d+)">', doc.html) == [str(second.pk)]
    assert not doc.has(t("This instrument was not used in this assessment"))


def test_ia07_prints_expected_answers_and_empty_rows_for_a_planned_unit(record):
    doc = Rendered("ia07", record)
    assert doc.has("Sebutkan langkah instalasi 1.")
    assert doc.has("Unduh paket, verifikasi checksum, pasang.")
    assert doc.has("Unduh, verifikasi, pasang.")
    assert re.findall(r'data-achieved="(\w*)"', doc.html) == ["ya"]
    # Unit 2 planned IA.07 but nothing was recorded: three rows to fill in on paper.
    assert doc.html.count('class="blank"') == 3


def test_ia08_prints_vatm_per_evidence_and_the_kuk_left_to_confirm(record):
    doc = Rendered("ia08", record)
    verdicts = re.findall(r'data-evidence="\d+" data-vatm="([yn-]+)"', doc.html)
    # Laporan proyek under both units (APL.02), the certificate under unit 2, the photo unlinked.
    assert sorted(verdicts) == sorted(["yyyy", "yyyy", "yynn", "----"])
    for value in (
        "Laporan proyek",
        "Ditandatangani atasan.",
        "Sertifikat pelatihan",
        "Terbit 2015.",
    ):
        assert doc.has(value), value
    assert doc.has(t("Evidence not linked to a unit")) and doc.has("Foto kegiatan")
    with translation.override("id"):
        for rule in ("Valid", "Authentic", "Current", "Sufficient"):
            assert doc.has(translation.pgettext("evidence rule", rule))
    first, second = factories.scheme_units(record)
    first_kuk = Criterion.objects.filter(element__unit=first).order_by("element__number")
    units = {item["unit"].pk: item for group in doc.context["groups"] for item in group["units"]}
    assert units[first.pk]["supported_count"] == 1
    assert [c.number for c in units[first.pk]["unsupported"]] == [
        c.number for c in first_kuk.order_by("element__number", "position")[1:]
    ]
    assert units[second.pk]["supported_count"] == 0
    summary = "KUK supported by evidence meeting all four rules: %(supported)s of %(total)s."
    assert doc.has(t(summary) % {"supported": 1, "total": 4})
    assert doc.has(t(summary) % {"supported": 0, "total": 4})


def test_ia09_prints_each_units_evidence_and_the_interview_answers(record):
    doc = Rendered("ia09", record)
    for unit in factories.scheme_units(record):
        assert doc.has(f"Ceritakan proyek {unit.code} ke-1.")
        assert doc.has(f"Proyek {unit.code} selesai tepat waktu.")
    items = {item["unit"].code: item for g in doc.context["groups"] for item in g["units"]}
    first, second = factories.scheme_units(record)
    assert items[first.code]["evidence"] == ["Laporan proyek"]
    assert items[second.code]["evidence"] == ["Laporan proyek", "Sertifikat pelatihan"]
    assert doc.has("Laporan proyek; Sertifikat pelatihan")


def test_ia10_prints_the_supervisor_the_answers_and_the_comments(record):
    doc = Rendered("ia10", record)
    for value in (
        "Budi Santoso",
        "PT Maju Bersama",
        "0812-1111-2222",
        "Atasan langsung",
        "3 tahun",
        "Perlu meningkatkan kerja tim.",
    ):
        assert doc.has(value), value
    with translation.override("id"):
        assert all(doc.has(str(text)) for text in THIRD_PARTY_QUESTIONS.values())
    assert re.findall(r'data-answer="(\w*)"', doc.html) == ["ya", "ya", "ya", "tidak"]
    roles = [slot.role for slot in doc.context["signatures"]]
    assert roles == [t("Supervisor (third party)"), t("Assessor")]
    assert doc.context["signatures"][0].name == "Budi Santoso"


def test_signatures_show_what_kompeten_recorded(record):
    Signature.objects.create(
        signer=record.candidate,
        role=Signature.Role.CANDIDATE,
        typed_name=record.candidate.full_name,
        document="ia07",
        subject_type=ContentType.objects.get_for_model(record),
        subject_id=record.pk,
    )
    doc = Rendered("ia07", record)
    signed = t("Signed electronically in Kompeten by %(name)s on %(when)s") % {
        "name": record.candidate.full_name,
        "when": "",
    }
    assert doc.has(signed.strip())
    last = QuestionRecord.objects.filter(assessment=record, instrument="ia07").latest("recorded_at")
    with timezone.override(record.event.tuk.time_zone):
        recorded = formatting.tanggal_jam(last.recorded_at)
    assert doc.has(f"{t('Recorded in Kompeten')}: {recorded}")
    assert doc.has(record.assessor.full_name)


def test_a_two_unit_scheme_shows_every_unit_in_each_form(record):
    units = factories.scheme_units(record)
    assert len(units) == 2
    for key in ["ia03", "ia07", "ia08", "ia09"]:
        doc = Rendered(key, record)
        # A unit table each, or (IA.03's unit 2: not planned, not asked) a row of the list.
        shown = [int(pk) for pk in re.findall(r'data-unit="(\d+)"', doc.html)]
        assert shown == [unit.pk for unit in units], key
        assert all(doc.has(unit.code) and doc.has(unit.title) for unit in units), key


NOT_USED = (
    "This instrument was not used in this assessment: it is not in the assessment plan "
    "(FR.MAPA.01) and nothing was recorded with it."
)


def test_forms_of_instruments_not_used_say_so_and_list_the_units(lsp):
    """A draft has no plan and no record: every form renders, says the instrument was not
    used, and still names the scheme's units."""
    draft = factories.AssessmentFactory(scheme_version=factories.make_scheme_version(units=2))
    for key in DOCUMENTS:
        doc = Rendered(key, draft)
        assert doc.has(t(NOT_USED)), key
        assert doc.has(draft.candidate.full_name), key
        assert all(doc.has(unit.code) for unit in factories.scheme_units(draft)), key


def test_ia10_planned_but_not_recorded_prints_an_empty_form(record):
    ThirdPartyVerification.objects.filter(assessment=record).delete()
    doc = Rendered("ia10", record)
    assert doc.has(
        t("No third-party verification has been recorded yet: fill in this form on paper.")
    )
    with translation.override("id"):
        assert all(doc.has(str(text)) for text in THIRD_PARTY_QUESTIONS.values())
    assert not re.findall(r"data-answer=", doc.html)


def test_a_long_question_list_repeats_its_table_header_on_the_next_page(lsp):
    assessment = instrument_records(
        factories.full_assessment_record(units=1, report=False), questions_per_unit=30
    )
    doc = Rendered("ia09", assessment)
    assert len(doc.pages) >= 2
    header = squash(t("Conclusion of the candidate's answer"))
    assert [squash(page).count(header) for page in doc.pages[:2]] == [1, 1]


def test_builders_make_the_same_number_of_queries_whatever_the_scheme_size(lsp):
    small = instrument_records(factories.full_assessment_record(units=1, report=False))
    large = instrument_records(factories.full_assessment_record(units=3, report=False))
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


@pytest.mark.parametrize("key", ["ia03", "ia07", "ia08", "ia09", "ia10"])
def test_the_candidate_may_not_collect_the_instruments(key, record):
    # IA.07 prints the question bank's expected answers: assessment material, not the candidate's.
    spec = registry.get_document(key)
    assert not spec.may_request(record.candidate, record)
    assert not spec.may_view(record.candidate, record)
    assert spec.may_request(record.assessor, record)

"""The event documents (Berita Acara, Surat Tugas, daftar hadir, FR.AK.05) rendered from an
event of two assessors whose candidates are K, BK, absent and still open: their text read back
with pypdf holds the header, every candidate with the result, the counts and the signatures; the
page count matches "Halaman X dari Y"; long tables repeat their header; the builders' queries do
not grow with the number of candidates."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessments import services
from assessments.models import (
    Assessment,
    AssessorProfile,
    EventAssessor,
    EventReport,
    ImpartialityDeclaration,
    Signature,
    UnitDecision,
)
from assessments.pdf import formatting, registry
from assessments.pdf.documents_event import surat_tugas_number
from assessments.pdf.render import render_pdf
from certification.models import LSP
from schemes.models import SchemeUnit
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State
EVENT_DOCUMENTS = ["berita_acara", "surat_tugas", "daftar_hadir", "ak05"]


def t(msgid: str) -> str:
    with translation.override("id"):
        return gettext(msgid)


def squash(text: str) -> str:
    return "".join(text.split())


class Rendered:
    def __init__(self, key: str, event):
        spec = registry.get_document(key)
        with translation.override("id"):
            self.context = spec.builder(event)
        self.result = render_pdf(spec.template, self.context)
        self.reader = PdfReader(io.BytesIO(self.result.pdf))
        self.pages = [page.extract_text() for page in self.reader.pages]
        self.text = "\n".join(self.pages)
        self.flat = squash(self.text)

    def has(self, value: str) -> bool:
        return squash(str(value)) in self.flat

    def numbered(self) -> bool:
        total = len(self.pages)
        return total == self.result.pages and all(
            f"Halaman {n} dari {total}" in page for n, page in enumerate(self.pages, start=1)
        )


def place(event, assessor, states: list[str], *, admin) -> list[Assessment]:
    """Candidates of ``assessor`` in ``event``, one per state, walked there through the real
    services; the assessor declared no relationship with each."""
    EventAssessor.objects.get_or_create(event=event, assessor=assessor, assigned_by=admin)
    profile = AssessorProfile.objects.get(user=assessor)
    profile.scope.add(event.scheme_version.scheme_id)
    steps = {
        S.SCHEDULED: [],
        S.IN_PROGRESS: ["clear", "prepare", "start"],
        S.REPORTED: ["clear", "prepare", "start", "recommend", "report"],
        S.ABSENT: ["absent"],
    }
    placed = []
    for state in states:
        candidate = factories.CandidateProfileFactory(institution="PT Sinar Jaya").user
        assessment = factories.AssessmentFactory(
            candidate=candidate, scheme_version=event.scheme_version
        )
        pk = assessment.pk
        services.assessment_submit(assessment_id=pk, actor=candidate)
        services.assessment_accept(assessment_id=pk, actor=admin)
        services.assessment_schedule(assessment_id=pk, actor=admin, event=event, assessor=assessor)
        for step in steps[state]:
            if step == "absent":
                services.assessment_mark_absent(assessment_id=pk, actor=admin)
            else:
                getattr(services, f"assessment_{step}")(assessment_id=pk, actor=assessor)
        ImpartialityDeclaration.objects.create(
            event=event,
            assessor=assessor,
            assessment_id=pk,
            relationship=ImpartialityDeclaration.Relationship.NONE,
        )
        assessment.refresh_from_db()
        placed.append(assessment)
    return placed


def decide(assessment, outcomes: list[str]) -> None:
    unit_ids = (
        SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
        .order_by("group__position", "position")
        .values_list("unit_id", flat=True)
    )
    for unit_id, outcome in zip(unit_ids, outcomes, strict=True):
        UnitDecision.objects.create(
            assessment=assessment,
            unit_id=unit_id,
            outcome=outcome,
            sources=["observasi"],
            reason="" if outcome == "K" else "Elemen 2 belum tampak.",
            follow_up="" if outcome == "K" else "Asesmen ulang elemen 2.",
            decided_by=assessment.assessor,
        )


@pytest.fixture
def lsp():
    return LSP.objects.create(
        name="LSP Informatika Nusantara",
        licence_number="BNSP-LSP-0421-ID",
        address="Jl. Jend. Sudirman Kav. 52",
        city="Jakarta Selatan",
    )


@pytest.fixture
def event_record(lsp):
    """Two assessors; Ani Lestari's candidates are K, BK and absent, Budi Santoso's one is
    reported K and one still in progress; attendance recorded for three."""
    admin = factories.AdminUserFactory(full_name="Rina Admin")
    ani = factories.AssessorProfileFactory(user__full_name="Ani Lestari").user
    budi = factories.AssessorProfileFactory(user__full_name="Budi Santoso").user
    event = factories.AssessmentEventFactory(
        scheme_version=factories.make_scheme_version(units=2), quota=30
    )
    k, bk, absent = place(event, ani, [S.REPORTED, S.REPORTED, S.ABSENT], admin=admin)
    k2, open_ = place(event, budi, [S.REPORTED, S.IN_PROGRESS], admin=admin)
    decide(k, ["K", "K"])
    decide(bk, ["K", "BK"])
    decide(k2, ["K", "K"])
    attended = event.starts_at + timezone.timedelta(minutes=10)
    Assessment.objects.filter(pk__in=[k.pk, bk.pk, k2.pk]).update(attended_at=attended)
    # Starting the assessment records attendance at "now", which can fall in the same minute as
    # ``attended``: the row of the one still in progress must carry no time of its own.
    Assessment.objects.filter(pk=open_.pk).update(attended_at=None)
    EventReport.objects.create(
        event=event,
        assessor=ani,
        positive_aspects="Asesi siap dan tepat waktu.",
        negative_aspects="Ruang simulasi sempit.",
        rejections="Tidak ada penolakan.",
        suggestions="Tambah satu unit komputer cadangan.",
        submitted_at=event.ends_at,
    )
    Signature.objects.create(
        signer=ani,
        role=Signature.Role.ASSESSOR,
        typed_name="Ani Lestari",
        document="berita_acara",
        subject_type_id=_event_ct(),
        subject_id=event.pk,
    )
    return {
        "event": event,
        "admin": admin,
        "ani": ani,
        "budi": budi,
        "k": k,
        "bk": bk,
        "absent": absent,
        "k2": k2,
        "open": open_,
    }


def _event_ct() -> int:
    from django.contrib.contenttypes.models import ContentType

    from assessments.models import AssessmentEvent

    return ContentType.objects.get_for_model(AssessmentEvent).pk


def _header_values(event) -> list[str]:
    version = event.scheme_version
    return [
        "LSP Informatika Nusantara",
        "BNSP-LSP-0421-ID",
        version.title,
        version.scheme.number,
        event.tuk.name,
        event.code,
        formatting.hari_tanggal(event.local_starts_at),
    ]


def _row(doc: Rendered, record: dict, key: str) -> str:
    """The text of one candidate's table row: from their name to the next candidate's name
    (or the end of the table: the summary, or the signatures with their own times), whitespace
    removed."""
    names = [squash(record[k].candidate.full_name) for k in ("k", "bk", "absent", "k2", "open")]
    start = doc.flat.index(squash(record[key].candidate.full_name))
    ends = [doc.flat.find(name, start + 1) for name in names]
    after_table = (t("Summary"), t("Attendance recorded in Kompeten"))
    ends += [doc.flat.find(squash(text), start) for text in after_table] + [len(doc.flat)]
    return doc.flat[start : min(end for end in ends if end > start)]


def test_every_event_document_prints_the_header_and_its_page_numbers(event_record):
    event = event_record["event"]
    problems = []
    for key in EVENT_DOCUMENTS:
        doc = Rendered(key, event)
        missing = [value for value in _header_values(event) if not doc.has(value)]
        title = LSP.load().form_label(key)["title"].upper()
        if not doc.has(title):
            missing.append(title)
        if missing or not doc.numbered() or doc.result.refused:
            problems.append((key, missing, doc.pages[-1][-200:]))
    assert not problems, problems


def test_the_berita_acara_lists_every_candidate_with_result_and_recommendation(event_record):
    r = event_record
    doc = Rendered("berita_acara", r["event"])
    for assessor in (r["ani"], r["budi"]):
        assert doc.has(AssessorProfile.objects.get(user=assessor).met_number)
    k_row = _row(doc, r, "k")
    assert squash(t("Issue certificate")) in k_row and "BK" not in k_row
    bk_row = _row(doc, r, "bk")
    assert "BK" in bk_row and squash(t("Reassess")) in bk_row
    assert squash(t("Absent")) in _row(doc, r, "absent")
    assert squash(t("Record not submitted yet")) in _row(doc, r, "open")
    bk_unit = UnitDecision.objects.get(assessment=r["bk"], outcome="BK").unit
    assert doc.has(bk_unit.code)
    counts = doc.context["counts"]
    assert counts == {"candidates": 5, "present": 4, "absent": 1, "k": 2, "bk": 1, "open": 1}
    # Signed in Kompeten by Ani; Budi's slot is empty (no report submitted); the LSP on paper.
    assert doc.has("Ani Lestari") and doc.has("Budi Santoso")
    assert doc.has(t("Acknowledged by (LSP)"))
    signed = [slot for slot in doc.context["signatures"] if slot.signature]
    assert [slot.name for slot in signed] == ["Ani Lestari"]
    assert doc.has(formatting.tanggal(Signature.objects.get(document="berita_acara").signed_at))


def test_the_surat_tugas_is_one_letter_per_assessor_with_their_candidates(event_record):
    r = event_record
    doc = Rendered("surat_tugas", r["event"])
    assert len(doc.pages) == 2
    ani_page, budi_page = (squash(page) for page in doc.pages)
    assert squash(surat_tugas_number(r["event"], 1)) in ani_page
    assert squash(surat_tugas_number(r["event"], 2)) in budi_page
    assert squash(AssessorProfile.objects.get(user=r["ani"]).met_number) in ani_page
    for key in ("k", "bk", "absent"):
        assert squash(r[key].candidate.full_name) in ani_page
        assert squash(r[key].candidate.full_name) not in budi_page
    for key in ("k2", "open"):
        assert squash(r[key].candidate.full_name) in budi_page
    # Issued by the admin who assigned the assessor, when the assignment was recorded.
    assert squash("Rina Admin") in ani_page and squash(t("Assigned in Kompeten")) in ani_page
    assert squash(t("Received by (assessor)")) in budi_page


def test_the_daftar_hadir_has_attendance_times_and_a_signature_column(event_record):
    r = event_record
    doc = Rendered("daftar_hadir", r["event"])
    assert doc.has(t("Signature"))
    attended = Assessment.objects.get(pk=r["k"].pk).attended_at
    with timezone.override(r["event"].tuk.tzinfo):
        time = formatting.jam(attended)
    assert squash(time) in _row(doc, r, "k")
    assert squash(t("Absent")) in _row(doc, r, "absent")
    assert squash(time) not in _row(doc, r, "open")
    assert doc.has(t("Attendance recorded in Kompeten"))


def test_fr_ak05_is_one_report_per_assessor_with_k_bk_and_their_text(event_record):
    r = event_record
    doc = Rendered("ak05", r["event"])
    assert doc.has("FR.AK.05")
    ani = next(s for s in doc.context["sections"] if s["user"] == r["ani"])
    assert sorted(row["result"] for row in ani["rows"]) == ["BK", "K", "absent"]
    for text in (
        "Asesi siap dan tepat waktu.",
        "Ruang simulasi sempit.",
        "Tidak ada penolakan.",
        "Tambah satu unit komputer cadangan.",
    ):
        assert doc.has(text)
    bk_unit = UnitDecision.objects.get(assessment=r["bk"], outcome="BK").unit
    assert doc.has(bk_unit.code)
    # Budi's report starts on a new page and says it is not submitted yet.
    budi_page = next(page for page in doc.pages if "Budi Santoso" in page)
    assert "Ani Lestari" not in budi_page
    assert squash(t("Not submitted yet")) in squash(budi_page)
    assert doc.has(t("Submitted in Kompeten"))


@pytest.fixture
def big_event(lsp):
    admin = factories.AdminUserFactory()
    assessor = factories.AssessorProfileFactory().user
    event = factories.AssessmentEventFactory(quota=40)
    place(event, assessor, [S.REPORTED] * 40, admin=admin)
    return event


def test_long_tables_repeat_their_header_on_every_page(big_event):
    doc = Rendered("daftar_hadir", big_event)
    assert len(doc.pages) >= 2
    for page in doc.pages:
        assert t("Candidate name") in page and t("Signature") in page
    names = Assessment.objects.filter(event=big_event).values_list(
        "candidate__full_name", flat=True
    )
    assert all(doc.has(name) for name in names)
    ba = Rendered("berita_acara", big_event)
    with_rows = [page for page in ba.pages if any(name in page for name in names)]
    assert len(with_rows) >= 2 and all(t("Candidate name") in page for page in with_rows)


def test_the_builders_read_a_fixed_number_of_queries(event_record, big_event):
    for key in EVENT_DOCUMENTS:
        spec = registry.get_document(key)
        with translation.override("id"):
            spec.builder(event_record["event"])  # content types cached
        counts = []
        for event in (event_record["event"], big_event):
            with CaptureQueriesContext(connection) as queries, translation.override("id"):
                spec.builder(event)
            counts.append(len(queries))
        assert counts[0] == counts[1], (key, counts)


def test_the_assessors_event_report_page_lists_the_event_documents(
    client, event_record, other_assessor
):
    event = event_record["event"]
    client.force_login(event_record["ani"])
    body = client.get(reverse("assessments:event_report", args=[event.pk])).content.decode()
    panel_url = (
        reverse("assessments:documents_panel", args=["event", event.pk])
        + "?documents=ak05%2Cberita_acara%2Cdaftar_hadir%2Csurat_tugas"
    )
    assert f'hx-get="{panel_url}"' in body
    panel = client.get(panel_url).content.decode()
    for key in ("ak05", "berita_acara", "daftar_hadir", "surat_tugas"):
        assert f'data-document="{key}"' in panel
    # An assessor of another event sees nothing of this one.
    client.force_login(other_assessor)
    assert client.get(panel_url).status_code == 404
    request_url = reverse("assessments:document_request", args=["ak05", "event", event.pk])
    assert client.post(request_url).status_code == 404

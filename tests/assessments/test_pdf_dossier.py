"""The candidate dossier: one PDF with every registered document of an assessment in form order,
instruments that were neither planned nor recorded left out, a table of contents whose page
numbers point at each document's first page, and a bookmark per document; generated like any
other document, one per candidate for a whole event."""

import io
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from assessments.models import (
    ArchivedDocument,
    Assessment,
    QuestionRecord,
    RenderBatch,
    RenderRequest,
    UnitPlan,
)
from assessments.pdf import registry
from assessments.pdf.dossier import DOSSIER_ORDER, dossier_documents, used_instruments
from assessments.pdf.services import render_request_document
from certification.models import LSP
from tests import factories

pytestmark = pytest.mark.django_db


def t(msgid: str) -> str:
    with translation.override("id"):
        return gettext(msgid)


def squash(text: str) -> str:
    return "".join(text.split())


class Dossier:
    """The dossier of ``assessment`` rendered through the same path as the Celery task."""

    def __init__(self, assessment):
        request = RenderRequest(
            document="dossier",
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
            requested_by=assessment.candidate,
        )
        self.result = render_request_document(request)
        self.reader = PdfReader(io.BytesIO(self.result.pdf))
        self.pages = [squash(page.extract_text()) for page in self.reader.pages]

    def documents(self) -> list[tuple[int, int]]:
        """(first page, number of pages) of each document, read from the pages themselves:
        a document starts where its own "Halaman 1 dari n" is printed (page 1 is the table of
        contents)."""
        found = []
        for number, page in enumerate(self.pages[1:], start=2):
            if match := re.search(r"Halaman1dari(\d+)", page):
                found.append((number, int(match.group(1))))
        return found


@pytest.fixture
def lsp():
    return LSP.objects.create(
        name="LSP Informatika Nusantara",
        licence_number="BNSP-LSP-0421-ID",
        form_labels={"apl01": {"code": "FR-APL-01", "title": "Formulir Permohonan Sertifikasi"}},
    )


@pytest.fixture
def record(lsp):
    # Planned instruments: IA.01, IA.07, IA.08 (see factories.full_assessment_record).
    return factories.full_assessment_record(units=2, elements=2, criteria=2, bk_unit=True)


def test_the_dossier_holds_every_used_document_in_form_order(record):
    specs = dossier_documents()
    keys = [spec.key for spec in specs]
    known = [key for key in keys if key in DOSSIER_ORDER]
    assert known == [key for key in DOSSIER_ORDER if key in keys]
    assert "dossier" not in keys and {"apl01", "ak02", "ak03"} <= set(keys)
    with translation.override("id"):
        context = registry.get_document("dossier").builder(record)
    included = [part["spec"].key for part in context["parts"]]
    used = used_instruments(record)
    assert {"ia01", "ia07", "ia08"} <= used and not {"ia03", "ia09", "ia10"} & used
    assert included == [key for key in keys if key not in {"ia03", "ia09", "ia10"}]


def test_an_instrument_is_included_once_planned_or_recorded(record):
    UnitPlan.objects.filter(assessment=record).update(instruments=["ia01"])
    assert used_instruments(record) == {"ia01"}
    QuestionRecord.objects.create(
        assessment=record,
        unit=factories.scheme_units(record)[0],
        instrument="ia09",
        question="Ceritakan proyek terakhir Anda.",
        recorded_by=record.assessor,
    )
    assert used_instruments(record) == {"ia01", "ia09"}


def test_the_table_of_contents_points_at_each_documents_first_page(record):
    with translation.override("id"):
        parts = registry.get_document("dossier").builder(record)["parts"]
    dossier = Dossier(record)
    assert dossier.result.refused == []
    toc = dossier.pages[0]
    assert squash(t("Table of contents")) in toc
    documents = dossier.documents()
    assert len(documents) == len(parts)
    expected_start = 2
    for number, (part, (start, pages)) in enumerate(zip(parts, documents, strict=True), start=1):
        label = part["context"]["form"]
        assert start == expected_start, part["spec"].key
        # The row: number, code, title, number of pages, first page.
        assert squash(f"{number}{label['code']}{label['title']}{pages}{start}") in toc
        # The page it names is the document's first: its code in the letterhead.
        assert squash(label["code"]) in dossier.pages[start - 1], part["spec"].key
        assert f"Halaman{pages}dari{pages}" in dossier.pages[start + pages - 2]
        expected_start += pages
    assert len(dossier.pages) == expected_start - 1 == dossier.result.pages
    # The LSP's own code for APL.01 is what the table of contents lists.
    assert "FR-APL-01" in toc


def test_every_document_has_a_bookmark_and_a_link_to_its_first_page(record):
    dossier = Dossier(record)
    top = [item for item in dossier.reader.outline if not isinstance(item, list)]
    targets = [dossier.reader.get_destination_page_number(item) + 1 for item in top]
    # The table of contents' own heading first, then one per document.
    starts = [start for start, _pages in dossier.documents()]
    assert targets == [1, *starts]
    assert "FR-APL-01" in top[1].title
    # The table of contents' rows link to the same pages.
    with translation.override("id"):
        keys = [p["spec"].key for p in registry.get_document("dossier").builder(record)["parts"]]
    destinations = dossier.reader.named_destinations
    linked = [
        dossier.reader.get_destination_page_number(destinations[f"dossier-{key}"]) + 1
        for key in keys
    ]
    assert linked == starts


def test_a_document_registered_later_joins_the_dossier_after_the_bnsp_forms(record, monkeypatch):
    spec = registry.DocumentSpec(
        key="aa_extra",
        subject="assessment",
        template="pdf/ak01.html",
        builder=registry.get_document("ak01").builder,
        code="EXTRA",
        title="Dokumen tambahan",
    )
    registry.documents()  # load the built-in documents first
    monkeypatch.setitem(registry._documents, "aa_extra", spec)
    keys = [s.key for s in dossier_documents()]
    assert all(keys.index("aa_extra") > keys.index(key) for key in keys if key in DOSSIER_ORDER)


def test_an_admin_generates_every_dossier_of_an_event(
    client, admin_user, assessor, lsp, django_capture_on_commit_callbacks
):
    event, assessments = factories.event_with_candidates(
        assessor=assessor, states=["scheduled", "in_progress"]
    )
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:document_batch", args=["dossier", event.pk]))
    batch = RenderBatch.objects.get()
    assert response["Location"] == reverse("assessments:document_batch_status", args=[batch.pk])
    requests = RenderRequest.objects.filter(batch=batch)
    assert sorted(r.subject_id for r in requests) == sorted(a.pk for a in assessments)
    assert {r.status for r in requests} == {RenderRequest.Status.READY}
    assert ArchivedDocument.objects.filter(document="dossier").count() == 2
    page = client.get(response["Location"]).content.decode()
    assert 'data-done="2" data-total="2"' in page
    archive = ArchivedDocument.objects.filter(document="dossier").first()
    with archive.file.open("rb") as handle:
        reader = PdfReader(handle)
        assert t("Table of contents").upper() in reader.pages[0].extract_text().upper()


def test_the_assessor_generates_the_dossier_and_no_candidate_may(
    client, record, other_candidate, django_capture_on_commit_callbacks
):
    # It holds the instruments (IA.07's expected answers from the question bank): the LSP's
    # file, kept from every candidate, the assessed one included.
    url = reverse("assessments:document_request", args=["dossier", "assessment", record.pk])
    for candidate in (other_candidate, record.candidate):
        client.force_login(candidate)
        assert client.post(url).status_code == 404
    client.force_login(record.assessor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    request = RenderRequest.objects.get(document="dossier")
    assert request.status == RenderRequest.Status.READY
    download_url = reverse("assessments:archive_download", args=[request.archived.pk])
    download = client.get(download_url)
    assert download.status_code == 200
    assert 'filename="BERKAS-ASESMEN_assessment-' in download["Content-Disposition"]
    client.force_login(record.candidate)
    assert client.get(download_url).status_code == 404


# --- the pages that offer the documents -----------------------------------------------------


def _panel_url(subject_type: str, pk: int, documents: str) -> str:
    return (
        reverse("assessments:documents_panel", args=[subject_type, pk])
        + "?documents="
        + documents.replace(",", "%2C")
    )


def test_the_admin_event_page_offers_the_event_documents_and_every_dossier(
    client, admin_user, assessor, lsp, django_capture_on_commit_callbacks
):
    event, _assessments = factories.event_with_candidates(assessor=assessor, states=["scheduled"])
    url = reverse("assessments:admin_event", args=[event.pk])
    client.force_login(admin_user)
    body = client.get(url).content.decode()
    event_documents = "berita_acara,surat_tugas,daftar_hadir,ak05"
    assert f'hx-get="{_panel_url("event", event.pk, event_documents)}"' in body
    batch_url = reverse("assessments:document_batch", args=["dossier", event.pk])
    assert f'action="{batch_url}"' in body and "data-done=" not in body
    panel = client.get(_panel_url("event", event.pk, event_documents)).content.decode()
    for key in event_documents.split(","):
        assert f'data-document="{key}"' in panel
    with django_capture_on_commit_callbacks(execute=True):
        client.post(batch_url)
    # The last batch's progress (done, so no polling) is shown on the event page.
    body = client.get(url).content.decode()
    assert 'data-done="1" data-total="1"' in body


def test_the_assessor_sees_the_dossier_in_the_panel_and_the_candidate_does_not(client, record):
    client.force_login(record.assessor)
    body = client.get(reverse("assessments:assess_report", args=[record.pk])).content.decode()
    assert "documents=" in body and "dossier" in body
    panel = client.get(
        _panel_url("assessment", record.pk, "apl01,ia01,ia09,dossier")
    ).content.decode()
    assert 'data-document="dossier"' in panel and 'data-document="apl01"' in panel
    client.force_login(record.candidate)
    body = client.get(reverse("assessments:application", args=[record.pk])).content.decode()
    expected = _panel_url("assessment", record.pk, "apl01,apl02,ak01,ak02,ak03")
    assert f'hx-get="{expected}"' in body
    panel = client.get(_panel_url("assessment", record.pk, "apl01,dossier,ia07")).content.decode()
    assert 'data-document="apl01"' in panel
    assert 'data-document="dossier"' not in panel and 'data-document="ia07"' not in panel

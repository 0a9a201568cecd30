"""Rendering: Indonesian dates whatever the locale, A4 with "Halaman X dari Y", the shipped
fonts, and a URL fetcher that lets neither templates nor user text fetch anything outside the
project's static/ and templates/ folders (a canary HTTP server and a canary file prove it)."""

import datetime
import http.server
import io
import threading
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from pypdf import PdfReader
from weasyprint import HTML

from assessments.pdf import formatting
from assessments.pdf.render import (
    RefusedURL,
    SafeURLFetcher,
    render_html,
    render_pdf,
    static_base_url,
)

CANARY_TEXT = "CANARY-FILE-CONTENT-7f3a"


@pytest.fixture
def canary_server():
    """An HTTP server on a free local port that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hits = hits
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def canary_file(tmp_path):
    path = tmp_path / "canary.txt"
    path.write_text(CANARY_TEXT)
    return path


def hostile_markup(port: int, canary: Path) -> str:
    """Every way we know for HTML to make a renderer fetch something."""
    base = f"http://127.0.0.1:{port}"
    return (
        f'<img src="{base}/img">'
        f'<link rel="stylesheet" href="{base}/link.css">'
        f'<link rel="attachment" href="{base}/attachment">'
        f'<style>@import url("{base}/import.css"); '
        f'p {{ background: url("{base}/background.png") }}</style>'
        f'<p style="background-image: url({base}/inline.png)">x</p>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{base}/svg.png" width="10" height="10"/></svg>'
        f"<img src=\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'>"
        f"<image href='{base}/nested-svg.png'/></svg>\">"
        f'<object data="{base}/object"></object><iframe src="{base}/iframe"></iframe>'
        f'<img src="file://{canary}"><img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="file://{canary}">'
        f'<img src="https://example.invalid/x.png"><img src="ftp://127.0.0.1:{port}/ftp">'
    )


# --- Indonesian dates ---------------------------------------------------------------------------


def test_dates_are_written_in_indonesian_whatever_the_language():
    day = datetime.date(2026, 11, 25)
    with translation.override("en"):
        assert formatting.tanggal(day) == "25 November 2026"
        assert formatting.hari_tanggal(day) == "Rabu, 25 November 2026"
    months = [formatting.tanggal(datetime.date(2026, m, 1)).split()[1] for m in range(1, 13)]
    assert months == [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    assert formatting.tanggal(None) == ""


def test_times_are_local_with_the_indonesian_zone_name():
    # 17:30 UTC on the 24th is already the 25th in Jakarta and Makassar.
    moment = datetime.datetime(2026, 11, 24, 17, 30, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Jakarta")):
        assert formatting.tanggal_jam(moment) == "25 November 2026, 00.30 WIB"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Makassar")):
        assert formatting.jam(moment) == "01.30 WITA"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Jayapura")):
        assert formatting.hari_tanggal(moment) == "Rabu, 25 November 2026"
        assert formatting.jam(moment) == "02.30 WIT"


# --- the URL fetcher ----------------------------------------------------------------------------


def test_the_fetcher_refuses_http_and_the_server_sees_nothing(canary_server):
    fetcher = SafeURLFetcher()
    port = canary_server.server_address[1]
    for url in (
        f"http://127.0.0.1:{port}/x",
        f"https://127.0.0.1:{port}/y",
        f"ftp://127.0.0.1:{port}/z",
        "//127.0.0.1/relative-scheme",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert canary_server.hits == []
    assert len(fetcher.refused) == 4


def test_the_fetcher_refuses_files_outside_static_and_templates(canary_file):
    fetcher = SafeURLFetcher()
    static = Path(settings.BASE_DIR) / "static"
    for url in (
        canary_file.as_uri(),
        "file:///etc/passwd",
        f"file://{static}/../certification/settings.py",
        f"file://{static}/fonts/../../README.md",
        f"file://otherhost{static}/fonts/DejaVuSansCondensed.ttf",
        f"file://{static}/fonts/",  # a folder, not a file
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_the_fetcher_does_not_follow_a_symlink_out_of_its_folders(tmp_path, canary_file):
    root = tmp_path / "static"
    root.mkdir()
    (root / "escape.txt").symlink_to(canary_file)
    fetcher = SafeURLFetcher(roots=[root.resolve()])
    with pytest.raises(RefusedURL):
        fetcher.fetch((root / "escape.txt").as_uri())


def test_the_fetcher_opens_shipped_files_and_data_urls():
    fetcher = SafeURLFetcher()
    font = fetcher.fetch(static_base_url() + "fonts/DejaVuSansCondensed.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    data = fetcher.fetch("data:text/plain;base64,aGFsbw==")
    assert data.read() == b"halo"
    assert fetcher.refused == []


def test_raw_hostile_html_fetches_nothing_with_the_fetcher(canary_server, canary_file):
    """The second layer on its own: even markup that is NOT escaped cannot reach out."""
    port = canary_server.server_address[1]
    fetcher = SafeURLFetcher()
    pdf = HTML(
        string=f"<html><body><p>halo</p>{hostile_markup(port, canary_file)}</body></html>",
        base_url=static_base_url(),
        url_fetcher=fetcher,
    ).write_pdf()
    assert canary_server.hits == []
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert CANARY_TEXT not in text
    assert "root:x:0:0" not in text
    assert fetcher.refused  # it was asked, and said no


# --- the page -----------------------------------------------------------------------------------


def _sample_context(note: str) -> dict:
    return {
        "lsp": {"name": "LSP Contoh", "licence_number": "BNSP-LSP-001", "logo": ""},
        "form": {"code": "FR.AK.03", "title": "Umpan Balik dan Catatan Asesmen"},
        "header": {
            "scheme_title": "Skema",
            "scheme_number": "SKM/1",
            "scheme_type": "Klaster",
            "tuk_type": "Sewaktu",
            "assessor_name": "A",
            "assessor_met": "",
            "candidate_name": "B",
            "date": datetime.date(2026, 11, 25),
        },
        "items": [{"text": note, "answer": True, "comment": note}] * 60,
        "feedback": {"notes": note},
        "signatures": [],
    }


def test_a_page_is_a4_and_numbered_halaman_x_dari_y():
    result = render_pdf("pdf/ak03.html", _sample_context("Catatan asesi"))
    reader = PdfReader(io.BytesIO(result.pdf))
    assert result.pages == len(reader.pages) >= 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    for number, page in enumerate(reader.pages, start=1):
        assert f"Halaman {number} dari {result.pages}" in page.extract_text()
    # The table header row is printed again on the next page.
    with translation.override("id"):
        from django.utils.translation import gettext

        component = gettext("Feedback component")
    assert component in " ".join(reader.pages[1].extract_text().split())


def test_the_pdf_uses_only_the_shipped_fonts():
    result = render_pdf("pdf/ak03.html", _sample_context("Teks"))
    reader = PdfReader(io.BytesIO(result.pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # The @font-face family (static/fonts), never a system font found by fontconfig.
    assert fonts and all("Kompeten-Sans" in name for name in fonts), fonts
    assert result.refused == []


def test_user_text_in_a_template_stays_text_and_fetches_nothing(canary_server, canary_file):
    port = canary_server.server_address[1]
    payload = hostile_markup(port, canary_file)
    html = render_html("pdf/ak03.html", _sample_context(payload))
    assert "<img src=" not in html and "&lt;img src=" in html
    result = render_pdf("pdf/ak03.html", _sample_context(payload))
    assert canary_server.hits == []
    assert result.refused == []  # escaped: never even asked
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages)
    assert CANARY_TEXT not in text


@pytest.mark.django_db
def test_hostile_free_text_in_a_whole_record_fetches_nothing(canary_server, canary_file):
    """Every free-text field that reaches a form holds markup that would fetch something if it
    were ever treated as HTML; all seven documents render it as text."""
    from assessments.models import (
        CandidateFeedback,
        CandidateProfile,
        ConsentTerms,
        Observation,
        PreparationRecord,
        UnitDecision,
        UnitPlan,
    )
    from assessments.pdf import registry
    from certification.models import LSP
    from tests import factories

    payload = hostile_markup(canary_server.server_address[1], canary_file)
    LSP.objects.create(name="LSP " + payload[:150], address=payload)
    record = factories.full_assessment_record(units=1, bk_unit=True)
    CandidateProfile.objects.filter(user=record.candidate).update(
        address=payload, institution=payload[:200], position=payload[:150], job_address=payload
    )
    PreparationRecord.objects.filter(assessment=record).update(
        apl02_note=payload, purpose_note=payload
    )
    UnitPlan.objects.filter(assessment=record).update(note=payload)
    ConsentTerms.objects.filter(assessment=record).update(other_method=payload[:200])
    Observation.objects.filter(assessment=record).update(note=payload)
    UnitDecision.objects.filter(assessment=record).update(reason=payload, follow_up=payload)
    CandidateFeedback.objects.filter(assessment=record).update(
        notes=payload, comments=[payload] * 9
    )
    for key in ["apl01", "apl02", "mapa01", "ak01", "ia01", "ak02", "ak03"]:
        spec = registry.get_document(key)
        with translation.override("id"):
            context = spec.builder(record)
        result = render_pdf(spec.template, context)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(result.pdf)).pages)
        assert result.refused == [], key
        assert CANARY_TEXT not in text and "root:x:0:0" not in text, key
        assert "127.0.0.1" in text, key  # the markup is printed as text
    assert canary_server.hits == []

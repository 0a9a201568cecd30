"""PDF injection canary: text that people type through the pages and that reaches a PDF cannot
make WeasyPrint fetch anything. The payloads point at a canary HTTP server started here and at a
canary file: ``file:`` URLs, ``http://127.0.0.1:<port>`` URLs, CSS ``@import``/``url()``,
``<img>``, ``<link>``, ``<object>``, ``<iframe>`` and SVG images. The documents are generated the
way the pages do it (render request -> task -> archive); the canary must see no request and the
archived PDF must hold no canary content.

Two layers are proven: autoescaping keeps the markup text (first test), and even markup that
reached the HTML as markup is refused by the URL fetcher (second test)."""

import http.server
import io
import threading

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe
from pypdf import PdfReader

from assessments.models import ArchivedDocument
from assessments.pdf import registry
from assessments.pdf.render import render_pdf
from assessments.pdf.services import render_request_create
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db

CANARY_TEXT = "CANARY-BADINPUT-51c9e2"


@pytest.fixture
def canary_server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(f"body::after {{ content: '{CANARY_TEXT}' }}".encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.hits = hits
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def canary_file(tmp_path):
    path = tmp_path / "canary.css"
    path.write_text(f"body::after {{ content: '{CANARY_TEXT}' }}")
    return path


def payloads(port: int, canary) -> list[str]:
    http_base = f"http://127.0.0.1:{port}"
    return [
        f'<img src="{http_base}/img.png"><img src="{canary.as_uri()}">',
        f'<link rel="stylesheet" href="{http_base}/link.css">',
        f'<style>@import url("{http_base}/import.css"); @import "{canary.as_uri()}";</style>',
        f"<p style=\"background: url('{http_base}/bg.png')\">x</p>",
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{http_base}/svg.png"/></svg>',
        f'<object data="{canary.as_uri()}"></object><iframe src="{http_base}/frame"></iframe>',
        f"file://{canary} {http_base}/bare-url",
    ]


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def generate(document: str, assessment, actor, capture) -> bytes:
    """Generate ``document`` as the documents panel does, and return the archived PDF."""
    with capture(execute=True):
        request = render_request_create(document=document, subject=assessment, actor=actor)
    request.refresh_from_db()
    assert request.status == "ready", request.error
    archived = ArchivedDocument.objects.get(request=request)
    with archived.file.open("rb") as handle:
        return handle.read()


def test_typed_text_that_reaches_the_pdfs_fetches_nothing(
    client,
    candidate,
    canary_server,
    canary_file,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    port = canary_server.server_address[1]
    hostile = payloads(port, canary_file)
    text = "\n".join(hostile)
    client.force_login(candidate)
    # FR.APL.01 personal and job data, typed on the profile page.
    profile = {
        "nik": "3171 0123 4567 8911",
        "birth_place": hostile[0][:100],
        "birth_date": "1996-08-17",
        "sex": "P",
        "nationality": "Indonesia",
        "address": text,
        "postal_code": "90111",
        "phone": "0813 4444 5555",
        "education": "d3",
        "institution": hostile[2][:200],
        "position": hostile[1][:150],
        "job_address": text,
    }
    assert client.post(reverse("assessments:profile"), profile).status_code == 302
    assessment = factories.AssessmentFactory(candidate=candidate)
    # FR.APL.02 lists the evidence by the title the candidate typed on the evidence page.
    for payload in hostile[:3]:
        response = client.post(
            reverse("assessments:evidence", args=[assessment.pk]),
            {"title": payload[:200], "description": text, "file": factories.pdf_file()},
        )
        assert response.status_code == 302
    element = Element.objects.filter(
        unit__scheme_units__group__version_id=assessment.scheme_version_id
    ).first()
    answer = {
        f"e{element.pk}-answer": "K",
        f"e{element.pk}-evidence": list(assessment.evidence.values_list("pk", flat=True)),
    }
    url = reverse("assessments:apl02_answer", args=[assessment.pk, element.pk])
    assert client.post(url, answer).status_code == 302
    for document in ("apl01", "apl02"):
        pdf = generate(document, assessment, candidate, django_capture_on_commit_callbacks)
        printed = pdf_text(pdf)
        assert CANARY_TEXT not in printed, document
        assert "127.0.0.1" in printed, f"{document}: the typed markup is printed as text"
    assert canary_server.hits == []


def test_even_markup_that_escaped_the_template_fetches_nothing(canary_server, canary_file):
    """Should a template ever mark user text safe, the fetcher still refuses every URL."""
    record = factories.full_assessment_record(units=1)
    spec = registry.get_document("ak03")
    context = spec.builder(record)
    markup = mark_safe("".join(payloads(canary_server.server_address[1], canary_file)))  # noqa: S308
    header = context["header"]
    context["header"] = {**header, "candidate_name": markup, "scheme_title": markup}
    result = render_pdf(spec.template, context)
    assert canary_server.hits == []
    assert len(result.refused) >= 8, result.refused  # the fetcher was asked, and said no
    assert CANARY_TEXT not in pdf_text(result.pdf)

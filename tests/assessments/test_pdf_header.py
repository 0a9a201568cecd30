"""The common header handed down by certification (KOMPETEN_PDF_HEADER_PROVIDER): the LSP's
name, licence and logo (embedded as a data: URL, only a real PNG/JPEG), and its form labels."""

import io

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from pypdf import PdfReader

from assessments.pdf.header import form_label, lsp_header
from assessments.pdf.render import render_pdf
from certification.models import LSP
from certification.pdf import LOGO_MAX_BYTES, header_context
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lsp():
    return LSP.objects.create(name="LSP Uji", licence_number="BNSP-LSP-9", city="Bandung")


def test_the_provider_hands_down_the_lsp_and_its_form_labels(lsp):
    lsp.form_labels = {"ak01": {"code": "FR-MAK-01"}}
    lsp.save()
    header = lsp_header()
    assert (header["name"], header["licence_number"], header["city"]) == (
        "LSP Uji",
        "BNSP-LSP-9",
        "Bandung",
    )
    assert form_label(header, "ak01", code="FR.AK.01", title="x") == {
        "code": "FR-MAK-01",
        "title": "Persetujuan Asesmen dan Kerahasiaan",
    }
    # A document the LSP record does not know keeps its registered code and title.
    assert form_label(header, "dossier", code="DOS", title="Berkas") == {
        "code": "DOS",
        "title": "Berkas",
    }


def test_without_a_provider_the_header_is_blank_and_labels_are_the_defaults():
    with override_settings(KOMPETEN_PDF_HEADER_PROVIDER=""):
        header = lsp_header()
    assert header["name"] == "" and header["logo"] == ""
    assert form_label(header, "ak01", code="FR.AK.01", title="T") == {
        "code": "FR.AK.01",
        "title": "T",
    }
    labels = {"form_label": {"ak01": {"title": "Persetujuan"}}}
    assert form_label(labels, "ak01", code="FR.AK.01", title="T")["title"] == "Persetujuan"


def test_a_png_logo_is_embedded_and_printed(lsp):
    lsp.logo.save("logo.png", ContentFile(factories.png_bytes((120, 120))))
    header = header_context()
    assert header["logo"].startswith("data:image/png;base64,")
    assessment = factories.AssessmentFactory()
    from assessments.pdf import registry

    context = registry.get_document("ak03").builder(assessment)
    result = render_pdf("pdf/ak03.html", context)
    page = PdfReader(io.BytesIO(result.pdf)).pages[0]
    assert list(page.images), "the logo is an image on the first page"
    assert result.refused == []


@pytest.mark.parametrize(
    "content",
    [b"<svg onload='alert(1)'></svg>", b"GIF89a" + b"\x00" * 20, b"not an image at all"],
)
def test_a_logo_that_is_not_a_png_or_jpeg_is_left_off(lsp, content):
    lsp.logo.save("logo.png", ContentFile(content))
    assert header_context()["logo"] == ""


def test_an_oversized_logo_is_left_off(lsp):
    lsp.logo.save("logo.png", ContentFile(b"\x89PNG" + b"\x00" * LOGO_MAX_BYTES))
    assert header_context()["logo"] == ""

import os, pathlib, time
import pytest
from django.utils import translation
from assessments.pdf import registry
from assessments.pdf.render import render_pdf
from certification.models import LSP
from tests import factories

pytestmark = pytest.mark.django_db
OUT = pathlib.Path(os.environ.get("PDF_OUT", "/tmp/pdf-out"))

@pytest.mark.parametrize("units", [int(os.environ.get("UNITS", "2"))])
def test_render_all(units):
    from django.core.files.base import ContentFile
    OUT.mkdir(exist_ok=True)
    lsp = LSP.objects.create(name="LSP Teknologi Informasi Nusantara", licence_number="BNSP-LSP-123-ID", address="Jl. Jend. Sudirman Kav. 52", city="Jakarta Selatan", phone="021 555 1234", email="info@lsp-tin.test")
    from PIL import Image, ImageDraw
    import io
    img = Image.new("RGB", (200, 200), "white"); d = ImageDraw.Draw(img); d.ellipse((10,10,190,190), fill=(15,76,129)); d.text((70,90),"LSP",fill="white")
    buf = io.BytesIO(); img.save(buf, "PNG"); lsp.logo.save("logo.png", ContentFile(buf.getvalue()))
    a = factories.full_assessment_record(units=units, bk_unit=True)
    for key in ["apl01", "apl02", "mapa01", "ak01", "ia01", "ak02", "ak03"]:
        spec = registry.get_document(key)
        t = time.perf_counter()
        with translation.override("id"):
            ctx = spec.builder(a)
        r = render_pdf(spec.template, ctx)
        (OUT / f"{key}-{units}.pdf").write_bytes(r.pdf)
        print("RESULT", key, units, r.pages, "pages", f"{time.perf_counter()-t:.2f}s", r.refused)

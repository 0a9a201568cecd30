"""The LSP record page: admins edit it (with per-form codes and titles); nobody else can."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from certification.models import LSP


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _post(**extra):
    return {
        "name": "LSP Uji Coba",
        "short_code": "LSP-UC",
        "licence_number": "BNSP-LSP-0001-ID",
        "address": "Jl. Sudirman 1",
        "city": "Bandung",
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["candidate", "assessor", "decision_maker"])
def test_only_lsp_admins_can_open_the_lsp_record(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("lsp_edit")).status_code == 403
    assert client.post(reverse("lsp_edit"), _post()).status_code == 403
    assert not LSP.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("lsp_edit"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_admin_saves_the_record_and_a_custom_form_code(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("lsp_edit"), _post(code_apl01="FR-APL-01", title_ak05="Laporan Hasil Asesmen")
    )
    assert response.status_code == 302
    lsp = LSP.load()
    assert lsp.name == "LSP Uji Coba"
    assert lsp.form_label("apl01") == {
        "code": "FR-APL-01",
        "title": "Permohonan Sertifikasi Kompetensi",
    }
    assert lsp.form_label("ak05")["title"] == "Laporan Hasil Asesmen"
    assert lsp.form_label("ia01")["code"] == "FR.IA.01"
    # Shown on every page.
    assert "LSP Uji Coba" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_logo_is_checked_by_content_and_served_publicly(client, admin_user):
    client.force_login(admin_user)
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client.post(reverse("lsp_edit"), _post(logo_upload=fake))
    assert response.status_code == 200
    assert "logo_upload" in response.context["form"].errors
    assert not LSP.objects.exists()

    logo = SimpleUploadedFile("logo.png", _png(), content_type="image/png")
    assert client.post(reverse("lsp_edit"), _post(logo_upload=logo)).status_code == 302
    client.logout()
    served = client.get(reverse("lsp_logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_no_logo_is_a_404(client):
    assert client.get(reverse("lsp_logo")).status_code == 404

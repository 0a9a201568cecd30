"""The upload checks: type by content, sanitised names, size, hostile files."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assessments.uploads import UploadRefused, check_upload, sanitize_filename

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes(size=(20, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def office_bytes(kind: str, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("sertifikat.pdf", PDF, "application/pdf"),
        ("foto.png", png_bytes(), "image/png"),
        ("foto.JPG", jpeg_bytes(), "image/jpeg"),
        (
            "cv.docx",
            office_bytes("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("nilai.xlsx", office_bytes("xlsx"), "application/octet-stream"),
    ],
)
def test_it_accepts_real_files_of_allowed_types(name, data, content_type):
    checked = check_upload(upload(name, data, content_type))
    assert checked.size == len(data)
    assert len(checked.sha256) == 64


def test_it_names_the_content_type_it_detected_not_the_browsers():
    checked = check_upload(upload("foto.png", png_bytes(), "application/pdf"))
    assert checked.content_type == "image/png"


HOSTILE = {
    "exe_renamed_pdf": (
        "laporan.pdf",
        b"MZ\x90\x00\x03" + b"\x00" * 200,
        "extension|type_mismatch",
    ),
    "html_renamed_pdf": ("laporan.pdf", b"<html><script>alert(1)</script></html>", "type_mismatch"),
    "html_renamed_png": ("foto.png", b"<!doctype html><script>alert(1)</script>", "type_mismatch"),
    "svg_with_script_renamed_png": (
        "foto.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "type_mismatch",
    ),
    "svg_extension": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "extension"),
    "html_extension": ("page.html", b"<html></html>", "extension"),
    "pdf_with_javascript": (
        "cv.pdf",
        PDF.replace(
            b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
        ),
        "pdf_active",
    ),
    "pdf_with_launch_action": (
        "cv.pdf",
        PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch >>"),
        "pdf_active",
    ),
    "empty_file": ("kosong.pdf", b"", "empty"),
    "double_extension_exe": ("cv.pdf.exe", b"MZ\x90\x00", "extension"),
    "no_extension": ("cv", PDF, "extension"),
    "png_declared_as_jpg": ("foto.jpg", png_bytes(), "type_mismatch"),
    "zip_renamed_docx": ("cv.docx", office_bytes("xlsx"), "type_mismatch"),
    "docx_with_macros": ("cv.docx", office_bytes("docx", {"word/vbaProject.bin": b"x"}), "macro"),
    "zip_bomb_docx": (
        "cv.docx",
        office_bytes("docx", {"word/media/bomb.xml": b"0" * 50_000_000}),
        "zip_bomb",
    ),
    "truncated_png": ("foto.png", png_bytes()[:40], "corrupt"),
    "text_renamed_xlsx": ("nilai.xlsx", b"nama,nilai\nAni,90\n", "type_mismatch"),
    "pdf_renamed_mp4": ("video.mp4", PDF, "type_mismatch"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_it_refuses_hostile_files_with_a_clear_message(case):
    name, data, codes = HOSTILE[case]
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(name, data))
    assert refused.value.code in codes.split("|")
    assert str(refused.value.messages[0])


def test_it_refuses_a_decompression_bomb_image(settings):
    # 10000 x 10000 pixels of one colour compresses to a few kB.
    data = png_bytes((10_000, 10_000))
    assert len(data) < 1_000_000
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload("foto.png", data))
    assert refused.value.code == "image_bomb"


def test_it_refuses_a_file_over_the_size_limit(settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload("besar.pdf", PDF + b"0" * 2048))
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("cv\x00.exe.pdf", "cv exe.pdf"),
        ("photo\u202egnp.exe", "photognp.exe"),
        ("Ijazah S1.PDF", "Ijazah S1.pdf"),
        ("", "file"),
        ("....pdf", "file.pdf"),
    ],
)
def test_it_sanitises_file_names(raw, expected):
    assert sanitize_filename(raw) == expected


def test_it_shortens_very_long_names():
    assert len(sanitize_filename("a" * 500 + ".pdf")) <= 84


def test_it_refuses_a_name_that_hides_its_real_extension_with_rtl_override():
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload("cv\u202efdp.exe", b"MZ\x90\x00"))
    assert refused.value.code == "extension"

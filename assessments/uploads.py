"""Validation of uploaded files: the type is decided by content (libmagic plus structural checks),
never by the name or the browser's Content-Type; names are sanitised; sizes are limited while the
upload streams in; the SHA-256 is computed once here.

Every refusal is an ``UploadRefused`` with a message the person can act on."""

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from PIL import Image

# extension -> canonical content type. DOCX and XLSX are ZIP containers checked structurally.
ALLOWED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "mp4": "video/mp4",
}
DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
EVIDENCE_EXTENSIONS = tuple(ALLOWED)
INLINE_PREVIEW_TYPES = ("application/pdf", "image/jpeg", "image/png")

# Zip-bomb limits for DOCX/XLSX.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 150
# Image decompression-bomb limit (pixels).
MAX_IMAGE_PIXELS = 50_000_000
# PDF names that carry scripts or automatic actions.
PDF_ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
# A PDF name may spell any character as #xx (``/Java#53cript``): decoded before matching.
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Dictionaries (and so the names above) can hide in compressed object streams; these are
# inflated and searched too, within this budget (real object streams are far smaller).
MAX_PDF_OBJECT_STREAMS = 20 * 1024 * 1024
# Markup in an image or PDF makes it a polyglot: a browser or another tool that sniffs the
# content would treat the "picture" as a web page or a script.
_MARKUP = re.compile(rb"<(script|html|body|iframe|svg|\?php)\b", re.IGNORECASE)

_BIDI_AND_CONTROL = re.compile(
    r"[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


class UploadRefused(ValidationError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str

    @property
    def inline_preview(self) -> bool:
        return self.content_type in INLINE_PREVIEW_TYPES


def max_bytes_for(extension: str) -> int:
    if extension == "mp4":
        return settings.KOMPETEN_VIDEO_MAX_BYTES
    return settings.KOMPETEN_UPLOAD_MAX_BYTES


def sanitize_filename(raw: str) -> str:
    """A safe display/storage name: no directories, control or bidi characters, limited length.
    The extension is kept lower-case; the person's name for the file otherwise survives."""
    name = unicodedata.normalize("NFKC", raw or "")
    name = _BIDI_AND_CONTROL.sub("", name)
    name = name.replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^\w.\- ()]", "_", name).strip().rstrip(".")
    if "." in name:
        stem, ext = name.rsplit(".", 1)
        ext = ext.lower()
    else:
        stem, ext = name, ""
    stem = re.sub(r"[.\s]+", " ", stem).strip()[:80] or "file"
    return f"{stem}.{ext}" if ext else stem


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _check_zip_office(data: bytes, extension: str) -> None:
    marker = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[extension]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UploadRefused(_("The file is damaged and cannot be opened."), code="corrupt") from exc
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or marker not in names:
        raise UploadRefused(
            _("The file is not a real %(ext)s document."),
            params={"ext": extension.upper()},
            code="type_mismatch",
        )
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if (
        len(entries) > MAX_ZIP_ENTRIES
        or total > MAX_ZIP_UNCOMPRESSED
        or total / packed > MAX_ZIP_RATIO
    ):
        raise UploadRefused(
            _("The document expands to an unsafe size and was refused."), code="zip_bomb"
        )
    # Nothing extracts these files, but a path that climbs out ("../") or is absolute only
    # exists to attack a tool that would.
    if any(name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) for name in names):
        raise UploadRefused(_("The file is damaged and cannot be opened."), code="corrupt")
    lowered = {name.lower() for name in names}
    content_types = archive.read("[Content_Types].xml").lower()
    if any(name.endswith("vbaproject.bin") for name in lowered) or b"macroenabled" in content_types:
        raise UploadRefused(_("Documents with macros are not accepted."), code="macro")
    if any("/activex/" in name or "/externallinks/" in name for name in lowered):
        raise UploadRefused(
            _(
                "Documents with embedded controls or links to other files are not accepted. "
                "Save a copy without them and upload that."
            ),
            code="active_content",
        )


def _check_image(data: bytes) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRefused(_("The image is too large in pixels."), code="image_bomb")
            image.verify()
    except UploadRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise UploadRefused(_("The image is too large in pixels."), code="image_bomb") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused(
            _("The image is damaged or unsafe and was refused."), code="corrupt"
        ) from exc


def _refuse_polyglot(data: bytes) -> None:
    """An image or PDF that is also a ZIP archive or carries web markup."""
    if _MARKUP.search(data) or zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRefused(
            _("The file hides another file or a script inside it and was refused."),
            code="polyglot",
        )


def _pdf_names_decoded(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_object_streams(data: bytes) -> Iterator[bytes]:
    """The inflated content of the FlateDecode object streams (``/Type /ObjStm``)."""
    budget = MAX_PDF_OBJECT_STREAMS
    for match in _PDF_STREAM.finditer(data):
        head = _pdf_names_decoded(data[max(0, match.start() - 512) : match.start()])
        if b"/ObjStm" not in head[head.rfind(b"obj") :]:  # this object's dictionary only
            continue
        inflater = zlib.decompressobj()
        try:
            content = inflater.decompress(match.group(1), budget + 1)
        except zlib.error:
            continue  # another filter: not searched (see docs/security.md)
        budget -= len(content)
        if budget < 0:
            raise UploadRefused(_("The file is damaged and cannot be opened."), code="corrupt")
        yield content


def _check_pdf(data: bytes) -> None:
    # A PDF ends with %%EOF (readers accept it within the last kilobyte); without it the upload
    # was cut off and the assessor would get a file that does not open.
    if b"%%EOF" not in data[-1024:]:
        raise UploadRefused(
            _("The PDF is incomplete (the upload may have been cut off). Upload it again."),
            code="corrupt",
        )
    if PDF_ACTIVE_CONTENT.search(_pdf_names_decoded(data)) or any(
        PDF_ACTIVE_CONTENT.search(stream) for stream in _pdf_object_streams(data)
    ):
        # Refused rather than neutralised: rewriting a candidate's evidence would change what the
        # assessor sees and the hash that proves it.
        raise UploadRefused(
            _(
                "PDF files with scripts, attachments or automatic actions are not accepted. "
                "Print it to a new PDF and upload that."
            ),
            code="pdf_active",
        )


def check_upload(uploaded, *, allowed: tuple[str, ...] = EVIDENCE_EXTENSIONS) -> CheckedFile:
    """Validate an UploadedFile and return what to store about it. Reads the file once."""
    name = sanitize_filename(getattr(uploaded, "name", ""))
    extension = _extension(name)
    if extension not in allowed:
        raise UploadRefused(
            _("Files of this type are not accepted. Allowed: %(types)s."),
            params={"types": ", ".join(e.upper() for e in allowed if e != "jpeg")},
            code="extension",
        )
    size = uploaded.size or 0
    if size == 0:
        raise UploadRefused(_("The file is empty."), code="empty")
    limit = max_bytes_for(extension)
    if size > limit:
        raise UploadRefused(
            _("The file is larger than %(mb)s MB."),
            params={"mb": limit // (1024 * 1024)},
            code="too_large",
        )
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    detected = magic.from_buffer(data[:8192], mime=True)
    expected = ALLOWED[extension]
    if extension in ("docx", "xlsx"):
        if detected not in ("application/zip", expected, "application/octet-stream"):
            raise UploadRefused(
                _("The file's content does not match its name."), code="type_mismatch"
            )
        _check_zip_office(data, extension)
    elif extension == "mp4":
        if not detected.startswith("video/"):
            raise UploadRefused(
                _("The file's content does not match its name."), code="type_mismatch"
            )
        expected = detected
    elif detected != expected:
        raise UploadRefused(_("The file's content does not match its name."), code="type_mismatch")
    if expected.startswith("image/") or expected == "application/pdf":
        _refuse_polyglot(data)
    if expected.startswith("image/"):
        _check_image(data)
    if expected == "application/pdf":
        _check_pdf(data)
    return CheckedFile(
        name=name, content_type=expected, size=size, sha256=hashlib.sha256(data).hexdigest()
    )


class SizeLimitUploadHandler(FileUploadHandler):
    """Refuses oversized files while they stream in, before anything is stored.

    A file that grows past the largest allowed size is skipped (the rest of the form still
    arrives, so nothing else the person typed is lost) and its field name is recorded on
    ``request.refused_uploads`` for the form to report. A request whose Content-Length alone is
    far beyond any allowed upload is not read at all."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = max(settings.KOMPETEN_UPLOAD_MAX_BYTES, settings.KOMPETEN_VIDEO_MAX_BYTES)
        self.request.refused_uploads = set()
        if content_length and content_length > 2 * self.limit + 2 * 1024 * 1024:
            self.request.upload_too_large = True
            return QueryDict(), MultiValueDict()
        return None

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.refused_uploads.add(self.field_name)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None

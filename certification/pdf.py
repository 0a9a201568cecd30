"""What certification hands down to the assessments PDFs: the LSP's identity for the common
header of every document, and its code and title for each form.

Named by the KOMPETEN_PDF_HEADER_PROVIDER setting and loaded by assessments.pdf.header at render
time, so that assessments never imports certification.
"""

import base64
import io
import logging

from PIL import Image, UnidentifiedImageError

from certification.models import LSP

logger = logging.getLogger(__name__)

# A logo is printed about 2 cm wide: anything bigger than this is refused, not embedded.
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


def logo_data_url(lsp: LSP) -> str:
    """The logo as a ``data:`` URL (the PDF fetcher opens nothing else from storage), or "" when
    there is none or it is not a PNG/JPEG image by content."""
    if not lsp.logo:
        return ""
    try:
        with lsp.logo.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
        if len(data) > LOGO_MAX_BYTES:
            logger.warning("LSP logo is larger than %s bytes: left off the PDFs", LOGO_MAX_BYTES)
            return ""
        with Image.open(io.BytesIO(data)) as image:
            kind = LOGO_TYPES.get(image.format or "")
    except (OSError, UnidentifiedImageError, ValueError):
        logger.warning("LSP logo cannot be read: left off the PDFs", exc_info=True)
        return ""
    if kind is None:
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def header_context() -> dict:
    """The LSP part of every PDF's header (see assessments.pdf.header)."""
    lsp = LSP.load()
    return {
        "name": lsp.name,
        "licence_number": lsp.licence_number,
        "address": lsp.address,
        "city": lsp.city,
        "phone": lsp.phone,
        "email": lsp.email,
        "website": lsp.website,
        "logo": logo_data_url(lsp),
        "form_label": lsp.form_label,
    }

"""HTML to PDF with WeasyPrint, fetching nothing that the project does not ship.

Two layers keep user text from reaching the network or the file system:

1. Templates are rendered with autoescaping on and never mark user text safe, so a name or a note
   containing ``<img src=...>`` or ``url(...)`` stays text.
2. Whatever the HTML says, ``SafeURLFetcher`` only opens ``data:`` URLs and ``file:`` URLs of
   regular files under the project's ``static/`` and ``templates/`` folders (symlinks resolved
   first); every other URL (http, https, ftp, file elsewhere, a file URL with a host) raises.

Documents are always rendered in Indonesian (they are Indonesian official forms), in the time
zone the context builder names (the TUK's), with the fonts shipped under static/fonts.
"""

import contextlib
import functools
import gc
import logging
import mimetypes
import os
import threading
import time
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template import Context, Engine
from django.template.backends.django import get_installed_libraries
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# WeasyPrint reports every layout step at INFO: too chatty for a worker's log. Set before the
# import (which already parses its user-agent stylesheets); an explicit LOGGING entry wins.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger(__name__)

DOCUMENT_LANGUAGE = "id"


def allowed_roots() -> list[Path]:
    """The folders whose files a PDF may load (fonts, CSS, images of our own templates)."""
    base = Path(settings.BASE_DIR)
    return [(base / "static").resolve(), (base / "templates").resolve()]


def static_base_url() -> str:
    """Relative URLs in PDF templates (``fonts/...``, ``css/...``) resolve inside static/."""
    return (Path(settings.BASE_DIR) / "static").resolve().as_uri() + "/"


class RefusedURL(ValueError):
    """A PDF tried to load something outside what the project ships."""


class SafeURLFetcher(URLFetcher):
    """WeasyPrint's fetcher limited to ``data:`` and project ``file:`` URLs.

    ``refused`` keeps every URL it refused, for logging and for the tests that prove user text
    cannot make a render fetch anything.
    """

    def __init__(self, roots: list[Path] | None = None) -> None:
        # Only the data: handler of the parent is ever reached (allowed_protocols), and
        # redirects are off: nothing here can end up speaking HTTP.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.roots = roots if roots is not None else allowed_roots()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        try:
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                return self._file(url)
            raise RefusedURL(f"PDF rendering may not fetch {url[:200]!r}")
        except RefusedURL:
            self.refused.append(url)
            logger.warning("PDF render refused to fetch %r", url[:200])
            raise

    def _file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"PDF rendering may not fetch {url[:200]!r}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise RefusedURL(f"PDF rendering may not fetch {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


@functools.cache
def pdf_engine() -> Engine:
    """The project's template folders and libraries, autoescaping on, plus the PDF filters
    (assessments.pdf.filters) as builtins. Separate from the web engine so that PDF templates
    never see request context processors."""
    options = settings.TEMPLATES[0]
    return Engine(
        dirs=[str(d) for d in options.get("DIRS", [])],
        app_dirs=True,
        autoescape=True,
        libraries=get_installed_libraries(),
        builtins=["assessments.pdf.filters"],
        debug=False,
        string_if_invalid="",
    )


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def page_counter_css() -> str:
    """The CSS ``content`` value printing "Halaman X dari Y" from the translated msgid.

    The translation is text from our own catalogue, still escaped for a CSS string."""
    marker_n, marker_t = "\x00N\x00", "\x00T\x00"
    label = _("Page %(number)s of %(total)s") % {"number": marker_n, "total": marker_t}
    css = '"' + _css_string(label) + '"'
    css = css.replace(marker_n, '" counter(page) "').replace(marker_t, '" counter(pages) "')
    return mark_safe(css)  # noqa: S308 - built from escaped catalogue text, no user input


_fonts = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's fonts: the shipped @font-face fonts, loaded once per process and thread.

    A new ``FontConfiguration`` loads the system's fontconfig setup, copies the four TTFs to a
    temporary folder and starts Pango with empty caches: 12-20 ms per render, a tenth of a
    one-page form. Kept per thread (Pango's font map is not thread-safe)
    and per process (a forked worker makes its own). Fonts are only ever registered through
    the renders' ``SafeURLFetcher``, and each PDF embeds only the glyphs it draws.
    """
    if getattr(_fonts, "pid", None) != os.getpid():
        inherited = getattr(_fonts, "config", None)
        if inherited is not None:
            # A forked process's copy of its parent's fonts: freeing it would delete the
            # parent's temporary font folder (FontConfiguration.__del__) and break every later
            # render in the parent. The copy forgets the folder, which stays the parent's.
            inherited._folder = None
        _fonts.config = FontConfiguration()
        _fonts.pid = os.getpid()
    return _fonts.config


_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextlib.contextmanager
def collector_paused():
    """Pause Python's automatic garbage collection while a document is laid out.

    A layout builds hundreds of thousands of objects in reference cycles (boxes and their
    copies, ~360,000 for a dossier) that live until the render ends. With automatic collection
    on they pile up in the oldest generation and trigger full collections one after another,
    each walking the whole process heap: a fifth of a dossier's time in a worker, more in a
    process holding more objects. Paused, nothing is walked; ``collect_young`` frees a step's
    garbage explicitly. Re-entrant and thread-safe (the pause is process-wide): collection
    resumes when the last render ends, and stays off if it was off before.
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


def collect_young(generation: int = 0) -> None:
    """Free the cyclic garbage of the render steps since the last call.

    While the collector is paused every new object stays in the youngest generation, so
    collecting that generation alone examines only what the render allocated since the last
    call (milliseconds), never the rest of the heap; what is still in use moves to generation 1
    and is not examined again. ``generation=1`` at the end of a render made of several steps
    also frees what earlier steps kept until then (the dossier's parts)."""
    gc.collect(generation)


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float
    refused: list[str]


def render_html(template_name: str, context: dict) -> str:
    """The document's HTML, rendered in Indonesian in the context's ``time_zone``."""
    zone = zoneinfo.ZoneInfo(context.get("time_zone") or settings.TIME_ZONE)
    with translation.override(DOCUMENT_LANGUAGE), timezone.override(zone):
        full = {**context, "page_counter": page_counter_css()}
        return pdf_engine().get_template(template_name).render(Context(full))


def render_pdf(template_name: str, context: dict) -> RenderResult:
    """Render ``template_name`` with ``context`` to PDF bytes (A4; see templates/pdf/base.html)."""
    started = time.perf_counter()
    html = render_html(template_name, context)
    fetcher = SafeURLFetcher()
    with collector_paused():
        pdf, pages = _layout_and_write(html, fetcher)
        collect_young()
    return RenderResult(
        pdf=pdf,
        pages=pages,
        seconds=time.perf_counter() - started,
        refused=list(fetcher.refused),
    )


def layout(html: str, fetcher: SafeURLFetcher):
    """WeasyPrint's laid-out document of ``html``: project files only (``fetcher``), this
    thread's fonts. Call it with the collector paused (``collector_paused``)."""
    return HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher).render(
        font_config=font_configuration()
    )


def _layout_and_write(html: str, fetcher: SafeURLFetcher) -> tuple[bytes, int]:
    """The PDF and its page count; the layout is garbage once this returns."""
    document = layout(html, fetcher)
    return document.write_pdf(), len(document.pages)

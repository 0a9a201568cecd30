"""What keeps a render fast without changing the PDF: automatic garbage collection paused
during the layout (and restored, whatever happens), the layout's cyclic garbage freed before
the render returns, and the shipped fonts loaded once per process and thread."""

import gc
import io
import threading

import pytest
from pypdf import PdfReader

from assessments.pdf import render
from assessments.pdf.render import collector_paused, font_configuration, render_pdf
from tests.assessments.test_pdf_render import _sample_context


@pytest.fixture
def collector_on():
    """Each test starts with automatic collection on, as in a worker, and leaves it on."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_a_render_restores_collection(collector_on):
    result = render_pdf("pdf/ak03.html", _sample_context("Catatan"))
    assert gc.isenabled()
    assert len(PdfReader(io.BytesIO(result.pdf)).pages) == result.pages >= 1


def test_a_render_frees_its_cyclic_garbage_even_with_collection_off(collector_on):
    gc.disable()
    gc.collect()
    render_pdf("pdf/ak03.html", _sample_context("Catatan"))
    assert not gc.isenabled()
    # The layout's boxes reference each other: ~30,000 unreachable objects for this form would
    # stay in memory until the next collection.
    assert gc.collect() < 1000


def test_collection_resumes_after_a_failed_render(collector_on, monkeypatch):
    def fail(html, fetcher):
        assert not gc.isenabled()
        raise RuntimeError("layout failed")

    monkeypatch.setattr(render, "_layout_and_write", fail)
    with pytest.raises(RuntimeError):
        render_pdf("pdf/ak03.html", _sample_context("Catatan"))
    assert gc.isenabled()


def test_nested_pauses_resume_collection_only_at_the_outermost(collector_on):
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_keeps_collection_off_if_it_was_off(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_fonts_are_loaded_once_per_thread():
    mine = font_configuration()
    assert font_configuration() is mine
    other = []
    thread = threading.Thread(target=lambda: other.append(font_configuration()))
    thread.start()
    thread.join()
    assert other and other[0] is not mine


def test_a_forked_process_rendering_leaves_its_parents_fonts_alone():
    """A process that rendered and then forked (a preloading server, a pool): the child's first
    render replaces its copy of the fonts, and dropping that copy must not delete the parent's
    temporary font folder."""
    import os

    render_pdf("pdf/ak03.html", _sample_context("Sebelum"))
    pid = os.fork()
    if pid == 0:  # the child: render, drop the inherited fonts, leave without cleanup
        code = 0
        try:
            render_pdf("pdf/ak03.html", _sample_context("Anak"))
            gc.collect()
        except BaseException:
            code = 1
        os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0

    result = render_pdf("pdf/ak03.html", _sample_context("Sesudah"))
    assert result.pages >= 1

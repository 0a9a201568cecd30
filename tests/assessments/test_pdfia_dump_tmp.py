"""Not part of the project: renders the five instrument forms to /tmp/pdfia for looking at,
and times them for a 10-unit scheme (3 elements x 3 KUK)."""

import os
import time

import pytest
from django.utils import translation

from assessments.pdf import registry
from assessments.pdf.render import render_pdf
from certification.models import LSP
from tests import factories
from tests.assessments.test_pdf_instruments import instrument_records

pytestmark = pytest.mark.django_db
KEYS = ["ia03", "ia07", "ia08", "ia09", "ia10"]


def _lsp():
    LSP.objects.create(name="LSP Informatika Nusantara", licence_number="BNSP-LSP-0421-ID",
                       address="Jl. Jend. Sudirman Kav. 52", city="Jakarta Selatan")


def _render(key, assessment, dump=None):
    spec = registry.get_document(key)
    started = time.perf_counter()
    with translation.override("id"):
        context = spec.builder(assessment)
    if dump:
        import pickle
        with open(dump, "wb") as f:
            pickle.dump((spec.template, context), f)
    result = render_pdf(spec.template, context)
    return result, time.perf_counter() - started


@pytest.mark.skipif(not os.environ.get("PDFIA_DUMP"), reason="on demand")
def test_dump():
    _lsp()
    sets = {"two": instrument_records(factories.full_assessment_record(units=2, elements=2, criteria=2), questions_per_unit=2),
            "draft": factories.AssessmentFactory(scheme_version=factories.make_scheme_version(units=2))}
    for name, assessment in sets.items():
        for key in KEYS:
            result, _s = _render(key, assessment, dump=f"/tmp/pdfia/ctx-{name}-{key}.pkl")
            with open(f"/tmp/pdfia/{name}-{key}.pdf", "wb") as f:
                f.write(result.pdf)


@pytest.mark.skipif(not os.environ.get("PDFIA_TIME"), reason="timing on demand")
def test_time():
    _lsp()
    assessment = instrument_records(
        factories.full_assessment_record(units=10, elements=3, criteria=3, report=False),
        questions_per_unit=3,
    )
    lines = []
    for key in KEYS:
        _render(key, assessment)  # warm
        runs = [_render(key, assessment) for _ in range(3)]
        best = min(s for _r, s in runs)
        lines.append(f"{key} pages={runs[0][0].pages} best={best:.2f}s")
        with open(f"/tmp/pdfia/ten-{key}.pdf", "wb") as f:
            f.write(runs[0][0].pdf)
    open("/tmp/pdfia/times.txt", "w").write("\n".join(lines) + "\n")

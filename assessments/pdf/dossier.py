"""The candidate dossier: every registered document of one assessment in one PDF, after a table
of contents, with a PDF bookmark per document.

The documents are taken from the registry when the dossier is built (every document whose
subject is "assessment", whoever registered it), in the order of the BNSP form set
(``DOSSIER_ORDER``; documents it does not name follow in key order), leaving out assessment
instruments (FR.IA.xx) that were neither planned in FR.MAPA.01 nor recorded.

Each document is laid out on its own (its "Halaman X dari Y" and running header stay those of the
form), then the pages are joined behind the table of contents with WeasyPrint's
``Document.copy``: one PDF, fonts embedded once. The table of contents is laid out last, when
every document's page count is known; its page numbers count the dossier's pages.
"""

import time

from django.utils import timezone

from assessments.models import (
    Assessment,
    EvidenceReview,
    Form,
    Instrument,
    Observation,
    QuestionRecord,
    ThirdPartyVerification,
    UnitPlan,
)
from assessments.pdf import header as common
from assessments.pdf import registry
from assessments.pdf.documents import not_for_the_candidate
from assessments.pdf.render import (
    RenderResult,
    SafeURLFetcher,
    collect_young,
    collector_paused,
    layout,
    render_html,
)

DOSSIER = "dossier"
DOSSIER_CODE = "BERKAS ASESMEN"
DOSSIER_TITLE = "Berkas Asesmen Asesi"
# The BNSP order of one candidate's forms, from application to feedback (FR.AK.04 belongs to
# the appeal, not to the assessment).
DOSSIER_ORDER = [
    Form.APL01,
    Form.APL02,
    Form.MAPA01,
    Form.AK07,
    Form.AK01,
    Form.IA01,
    Form.IA03,
    Form.IA07,
    Form.IA08,
    Form.IA09,
    Form.IA10,
    Form.AK02,
    Form.AK03,
]


def dossier_documents() -> list[registry.DocumentSpec]:
    """The registered documents of an assessment, in dossier order (the dossier excluded)."""
    position = {key: index for index, key in enumerate(DOSSIER_ORDER)}
    specs = [
        spec
        for spec in registry.documents().values()
        if spec.subject == "assessment" and spec.key != DOSSIER
    ]
    return sorted(specs, key=lambda spec: (position.get(spec.key, len(position)), spec.key))


def used_instruments(assessment: Assessment) -> set[str]:
    """Instruments planned for a unit in FR.MAPA.01 or with anything recorded (5 queries)."""
    used = {
        instrument
        for instruments in UnitPlan.objects.filter(assessment=assessment).values_list(
            "instruments", flat=True
        )
        for instrument in instruments
    }
    used.update(
        QuestionRecord.objects.filter(assessment=assessment)
        .values_list("instrument", flat=True)
        .distinct()
    )
    recorded = {
        Instrument.IA01: Observation.objects.filter(assessment=assessment),
        Instrument.IA08: EvidenceReview.objects.filter(evidence__assessment=assessment),
        Instrument.IA10: ThirdPartyVerification.objects.filter(assessment=assessment),
    }
    used.update(instrument for instrument, rows in recorded.items() if rows.exists())
    return used


def build_dossier(assessment: Assessment) -> dict:
    """The table of contents' context and, per included document, its spec and context."""
    assessment = Assessment.objects.select_related(
        "scheme_version__scheme", "event__tuk", "assessor", "candidate"
    ).get(pk=assessment.pk)
    used = used_instruments(assessment)
    parts = [
        {"spec": spec, "context": spec.builder(assessment)}
        for spec in dossier_documents()
        if spec.key not in Instrument.values or spec.key in used
    ]
    lsp = common.lsp_header()
    return {
        "lsp": lsp,
        "form": common.form_label(lsp, DOSSIER, code=DOSSIER_CODE, title=DOSSIER_TITLE),
        "header": common.assessment_header(assessment, timezone.now()),
        "assessment": assessment,
        "time_zone": common.time_zone_of(assessment),
        "parts": parts,
        "signatures": [],
    }


def _layout(template: str, context: dict, fetcher: SafeURLFetcher):
    document = layout(render_html(template, context), fetcher)
    # The boxes the layout made and dropped: freed now rather than all at the end.
    collect_young()
    return document


def render_dossier(template: str, context: dict) -> RenderResult:
    """Lay out every part, then the table of contents, and join them into one PDF."""
    started = time.perf_counter()
    fetcher = SafeURLFetcher()
    with collector_paused():
        pdf, pages = _render_dossier(template, context, fetcher)
        collect_young(generation=1)
    return RenderResult(
        pdf=pdf,
        pages=pages,
        seconds=time.perf_counter() - started,
        refused=list(fetcher.refused),
    )


def _render_dossier(template: str, context: dict, fetcher: SafeURLFetcher) -> tuple[bytes, int]:
    """The dossier's PDF and page count; every layout is garbage once this returns."""
    documents = [
        _layout(part["spec"].template, part["context"], fetcher) for part in context["parts"]
    ]
    toc_pages = 1
    while True:
        entries = []
        page = toc_pages + 1
        for part, document in zip(context["parts"], documents, strict=True):
            label = part["context"].get("form") or {
                "code": part["spec"].code,
                "title": part["spec"].title,
            }
            entries.append(
                {
                    "code": label["code"],
                    "title": label["title"],
                    "anchor": f"dossier-{part['spec'].key}",
                    "page": page,
                    "pages": len(document.pages),
                }
            )
            page += len(document.pages)
        toc = _layout(template, {**context, "entries": entries, "total": page - 1}, fetcher)
        # More entries than fit on one page push every page number on: lay out again.
        if len(toc.pages) == toc_pages:
            break
        toc_pages = len(toc.pages)
    for entry, document in zip(entries, documents, strict=True):
        # The table of contents links to each document's first page (an anchor is the box
        # x1, y1, x2, y2 it names).
        document.pages[0].anchors[entry["anchor"]] = (0, 0, 0, 0)  # top left corner
    pages = toc.pages + [page for document in documents for page in document.pages]
    return toc.copy(pages).write_pdf(), len(pages)


registry.register_document(
    registry.DocumentSpec(
        key=DOSSIER,
        subject="assessment",
        template="pdf/dossier.html",
        builder=build_dossier,
        code=DOSSIER_CODE,
        title=DOSSIER_TITLE,
        renderer=render_dossier,
        # It holds the instruments (IA.07's expected answers): the LSP's file, not the candidate's.
        can_request=not_for_the_candidate,
        can_view=not_for_the_candidate,
    )
)

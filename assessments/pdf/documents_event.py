"""Context builders of the event documents, and their registration: the Berita Acara Asesmen,
the Surat Tugas (one letter per assessor), the daftar hadir and FR.AK.05 (one report per
assessor). Their subject is an AssessmentEvent (the "event" subject type of
assessments/pdf/documents.py).

Every builder reads the event through ``selectors.event_documents_context`` (the admin's event
page shows the same data) plus a fixed number of queries, whatever the number of candidates and
assessors, and never marks text safe.
"""

from django.db.models import Max
from django.utils.translation import gettext as _

from assessments import selectors
from assessments.models import (
    FORM_TITLES,
    Assessment,
    AssessmentEvent,
    EventReport,
    Form,
    Signature,
    UnitDecision,
)
from assessments.pdf import header as common
from assessments.pdf.registry import DocumentSpec, register_document
from schemes.models import SchemeUnit

R = Signature.Role
S = Assessment.State
K, BK = UnitDecision.Outcome.K, UnitDecision.Outcome.BK
ABSENT = "absent"
# A candidate counts as present once attendance is recorded or the assessment has started.
ASSESSED_STATES = (S.IN_PROGRESS, S.RECOMMENDED, S.REPORTED, S.DECIDED, S.REOPENED)
# Records the assessor has submitted: their K/BK is final for the minutes.
SUBMITTED_STATES = (S.REPORTED, S.DECIDED)


def _results(event: AssessmentEvent, assessments: list[Assessment]) -> dict[int, dict]:
    """Per assessment: the result (K when every unit is K, BK when any unit is BK, "absent",
    or "" while undecided), the units declared BK and whether the record is submitted (2
    queries)."""
    unit_count = SchemeUnit.objects.filter(group__version_id=event.scheme_version_id).count()
    decisions: dict[int, list[UnitDecision]] = {}
    for decision in (
        UnitDecision.objects.filter(assessment__in=[a.pk for a in assessments])
        .select_related("unit")
        .order_by("unit__code")
    ):
        decisions.setdefault(decision.assessment_id, []).append(decision)
    results = {}
    for assessment in assessments:
        decided = decisions.get(assessment.pk, [])
        bk_units = [d.unit for d in decided if d.outcome == BK]
        if assessment.state == S.ABSENT:
            result = ABSENT
        elif bk_units:
            result = BK
        elif unit_count and len(decided) == unit_count:
            result = K
        else:
            result = ""
        results[assessment.pk] = {
            "result": result,
            "bk_units": bk_units,
            "submitted": assessment.state in SUBMITTED_STATES,
            "present": result != ABSENT
            and (assessment.attended_at is not None or assessment.state in ASSESSED_STATES),
        }
    return results


def _event_data(event: AssessmentEvent) -> dict:
    """The event documents' shared data: the Surat Tugas / daftar hadir data of the selector,
    each attendance row with its result, and the counts of the Berita Acara."""
    data = selectors.event_documents_context(event)
    results = _results(data["event"], [row["assessment"] for row in data["attendance"]])
    for row in data["attendance"]:
        row.update(results[row["assessment"].pk])
    rows = data["attendance"]
    data["counts"] = {
        "candidates": len(rows),
        "present": sum(1 for row in rows if row["present"]),
        "absent": sum(1 for row in rows if row["result"] == ABSENT),
        "k": sum(1 for row in rows if row["result"] == K),
        "bk": sum(1 for row in rows if row["result"] == BK),
        "open": sum(1 for row in rows if not row["result"]),
    }
    by_assessment = {row["assessment"].pk: row for row in rows}
    for assessor in data["assessors"]:
        assessor["rows"] = [by_assessment[a.pk] for a in assessor["candidates"]]
    return data


def _base_context(key: str, data: dict) -> dict:
    event = data["event"]
    version = data["scheme_version"]
    scheme_type = str(version.get_scheme_type_display())
    if version.kkni_level:
        scheme_type = f"{scheme_type} {version.kkni_level}"
    lsp = common.lsp_header()
    return {
        **data,
        "lsp": lsp,
        "form": common.form_label(lsp, key, code=Form(key).label, title=FORM_TITLES[Form(key)]),
        "header": {
            "scheme_title": version.title,
            "scheme_number": version.scheme.number,
            "scheme_type": scheme_type,
            "tuk_type": str(event.tuk.get_tuk_type_display()),
        },
        "time_zone": event.tuk.time_zone,
    }


def _slots(
    recorded: list[Signature],
    expected: list[tuple[str, int | None, str, str, object, str]],
    *,
    others: bool = True,
) -> list[common.SignatureSlot]:
    """Signature slots for ``(role, signer id or None, label, name, recorded_at, recorded
    label)``. Unlike ``header.signature_slots`` a slot of a named signer takes only that
    person's signature: an event has several assessors who each sign for themselves. With
    ``others``, signatures nobody expected are appended (nothing signed is left off)."""
    left = list(recorded)
    slots = []
    for role, signer_id, label, name, recorded_at, recorded_label in expected:
        signature = next(
            (s for s in left if s.role == role and (signer_id is None or s.signer_id == signer_id)),
            None,
        )
        if signature is not None:
            left.remove(signature)
        slots.append(
            common.SignatureSlot(
                role=label,
                name=signature.typed_name if signature else name,
                signature=signature,
                recorded_at=recorded_at,
                recorded_label=recorded_label,
            )
        )
    if others:
        slots += [
            common.SignatureSlot(role=str(s.get_role_display()), name=s.typed_name, signature=s)
            for s in left
        ]
    return slots


def _reports(event: AssessmentEvent) -> dict[int, EventReport]:
    return {report.assessor_id: report for report in EventReport.objects.filter(event=event)}


# --- Berita Acara Asesmen -------------------------------------------------------------------------


def build_berita_acara(event: AssessmentEvent) -> dict:
    data = _event_data(event)
    event = data["event"]
    reports = _reports(event)
    context = _base_context(Form.BERITA_ACARA, data)
    expected = [
        (
            R.ASSESSOR,
            a["user"].pk,
            _("Assessor"),
            a["name"],
            getattr(reports.get(a["user"].pk), "submitted_at", None),
            _("Event report submitted in Kompeten"),
        )
        for a in data["assessors"]
    ]
    # The LSP acknowledges the minutes on paper unless signed in Kompeten.
    expected.append((R.LSP_ADMIN, None, _("Acknowledged by (LSP)"), "", None, ""))
    context["signatures"] = _slots(common.signatures_for(Form.BERITA_ACARA, event), expected)
    return context


# --- Surat Tugas Asesor ---------------------------------------------------------------------------


def surat_tugas_number(event: AssessmentEvent, position: int) -> str:
    """The letter's number: the event code and the assessor's position in the event (the
    assessors in name order), e.g. ``EV-0042/ST/02``."""
    return f"{event.code}/ST/{position:02d}"


def build_surat_tugas(event: AssessmentEvent) -> dict:
    data = _event_data(event)
    event = data["event"]
    recorded = common.signatures_for(Form.SURAT_TUGAS, event)
    context = _base_context(Form.SURAT_TUGAS, data)
    letters = []
    for position, assessor in enumerate(data["assessors"], start=1):
        issuer = assessor["assigned_by"]
        letters.append(
            {
                **assessor,
                "number": surat_tugas_number(event, position),
                "signatures": _slots(
                    recorded,
                    [
                        (
                            R.LSP_ADMIN,
                            None,
                            _("Issued by (LSP)"),
                            issuer.full_name if issuer else "",
                            assessor["assigned_at"],
                            _("Assigned in Kompeten"),
                        ),
                        (
                            R.ASSESSOR,
                            assessor["user"].pk,
                            _("Received by (assessor)"),
                            assessor["name"],
                            None,
                            "",
                        ),
                    ],
                    others=False,
                ),
            }
        )
    context["letters"] = letters
    context["signatures"] = []
    return context


# --- Daftar hadir ---------------------------------------------------------------------------------


def build_daftar_hadir(event: AssessmentEvent) -> dict:
    data = _event_data(event)
    event = data["event"]
    last_marked = dict(
        Assessment.objects.filter(event=event, attended_at__isnull=False)
        .values("assessor_id")
        .annotate(last=Max("attended_at"))
        .values_list("assessor_id", "last")
        .order_by()
    )
    context = _base_context(Form.DAFTAR_HADIR, data)
    context["signatures"] = _slots(
        common.signatures_for(Form.DAFTAR_HADIR, event),
        [
            (
                R.ASSESSOR,
                a["user"].pk,
                _("Assessor"),
                a["name"],
                last_marked.get(a["user"].pk),
                _("Attendance recorded in Kompeten"),
            )
            for a in data["assessors"]
        ],
    )
    return context


# --- FR.AK.05 Laporan Asesmen ---------------------------------------------------------------------


def build_ak05(event: AssessmentEvent) -> dict:
    """One report per assessor of the event: their candidates with K/BK and the units declared
    BK, and what they wrote in FR.AK.05 (empty when not written yet)."""
    data = _event_data(event)
    event = data["event"]
    reports = _reports(event)
    recorded = common.signatures_for(Form.AK05, event)
    context = _base_context(Form.AK05, data)
    sections = []
    for assessor in data["assessors"]:
        report = reports.get(assessor["user"].pk)
        sections.append(
            {
                **assessor,
                "report": report,
                "signatures": _slots(
                    recorded,
                    [
                        (
                            R.ASSESSOR,
                            assessor["user"].pk,
                            _("Assessor"),
                            assessor["name"],
                            report.submitted_at if report else None,
                            _("Submitted in Kompeten"),
                        )
                    ],
                    others=False,
                ),
            }
        )
    context["sections"] = sections
    context["signatures"] = []
    return context


def _register(key: str, builder, template: str) -> None:
    register_document(
        DocumentSpec(
            key=key,
            subject="event",
            template=template,
            builder=builder,
            code=Form(key).label,
            title=FORM_TITLES[Form(key)],
        )
    )


_register(Form.BERITA_ACARA, build_berita_acara, "pdf/berita_acara.html")
_register(Form.SURAT_TUGAS, build_surat_tugas, "pdf/surat_tugas.html")
_register(Form.DAFTAR_HADIR, build_daftar_hadir, "pdf/daftar_hadir.html")
_register(Form.AK05, build_ak05, "pdf/ak05.html")

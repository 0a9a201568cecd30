"""Context builders of the assessor's instrument records, and their registration: FR.IA.03
(questions supporting observation), IA.07 (oral questions), IA.09 (interview), IA.08 (portfolio
verification, VATM) and IA.10 (third-party verification).

They follow assessments/pdf/documents.py: ``base_context`` header, bounded queries whatever the
size of the scheme, nothing marked safe. A form whose instrument the assessment neither planned
(FR.MAPA.01) nor recorded still renders: it says so and lists the scheme's units; a unit planned
for the instrument with nothing recorded yet gets empty rows to fill in on paper.
"""

from dataclasses import dataclass, field

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessments.models import (
    Assessment,
    Evidence,
    EvidenceReview,
    Form,
    Instrument,
    QuestionRecord,
    SelfAssessment,
    Signature,
    ThirdPartyVerification,
    UnitPlan,
)
from assessments.pdf import header as common
from assessments.pdf.documents import (
    _assessment,
    _event_start,
    _register,
    _structure,
    _units,
    base_context,
)
from assessments.services.assessor import THIRD_PARTY_QUESTIONS

R = Signature.Role

# Rows left empty under a planned unit with nothing recorded, to be filled in on paper.
BLANK_ROWS = 3


def _planned(assessment: Assessment, instrument: str) -> set[int]:
    """Ids of the units whose FR.MAPA.01 plan names ``instrument`` (1 query)."""
    return {
        unit_id
        for unit_id, instruments in UnitPlan.objects.filter(assessment=assessment).values_list(
            "unit_id", "instruments"
        )
        if instrument in (instruments or [])
    }


def _assessor(assessment: Assessment) -> str:
    return assessment.assessor.full_name if assessment.assessor else ""


def _signatures(key: str, assessment: Assessment, recorded_at) -> list:
    """Candidate and assessor; the assessor's slot shows when Kompeten last recorded the form."""
    return common.signature_slots(
        key,
        assessment,
        [
            (R.CANDIDATE, _("Candidate"), assessment.candidate.full_name, None, ""),
            (
                R.ASSESSOR,
                _("Assessor"),
                _assessor(assessment),
                recorded_at,
                _("Recorded in Kompeten"),
            ),
        ],
    )


# --- evidence of the portfolio, per unit (IA.08, IA.09) -------------------------------------------


@dataclass
class EvidenceItem:
    evidence: Evidence
    review: EvidenceReview | None
    # KUK numbers the review says this evidence supports, per unit id.
    criteria: dict[int, list[str]] = field(default_factory=dict)
    # Units the candidate linked it to in FR.APL.02, or whose KUK the review names.
    unit_ids: set[int] = field(default_factory=set)


def _evidence_items(assessment: Assessment) -> list[EvidenceItem]:
    """The current evidence with its review and the units it belongs to (3 queries)."""
    items = {
        evidence.pk: EvidenceItem(evidence, getattr(evidence, "review", None))
        for evidence in Evidence.objects.filter(assessment=assessment, superseded_by__isnull=True)
        .select_related("review")
        .order_by("uploaded_at", "pk")
    }
    supported = EvidenceReview.criteria.through.objects.filter(
        evidencereview__evidence__assessment=assessment,
        evidencereview__evidence__superseded_by__isnull=True,
    ).values_list("evidencereview__evidence_id", "criterion__element__unit_id", "criterion__number")
    for evidence_id, unit_id, number in supported.order_by(
        "criterion__element__number", "criterion__position", "criterion__number"
    ):
        items[evidence_id].criteria.setdefault(unit_id, []).append(number)
        items[evidence_id].unit_ids.add(unit_id)
    linked = SelfAssessment.evidence.through.objects.filter(
        evidence__assessment=assessment, evidence__superseded_by__isnull=True
    ).values_list("evidence_id", "selfassessment__element__unit_id")
    for evidence_id, unit_id in linked:
        items[evidence_id].unit_ids.add(unit_id)
    return list(items.values())


# --- FR.IA.03 / IA.07 / IA.09 questions ---------------------------------------------------------


def _question_context(key: str, instrument: str, assessment: Assessment, *, evidence: bool):
    """Per group, per unit: the questions of ``instrument`` asked, in the order they were asked;
    with ``evidence`` (IA.09) also the unit's portfolio evidence the interview draws on."""
    assessment = _assessment(assessment)
    structure = _structure(assessment)
    planned = _planned(assessment, instrument)
    records: dict[int, list[QuestionRecord]] = {}
    for record in QuestionRecord.objects.filter(
        assessment=assessment, instrument=instrument
    ).order_by("pk"):
        records.setdefault(record.unit_id, []).append(record)
    by_unit: dict[int, list[EvidenceItem]] = {}
    if evidence:
        for item in _evidence_items(assessment):
            for unit_id in item.unit_ids:
                by_unit.setdefault(unit_id, []).append(item)
    # A unit neither planned for the instrument nor questioned with it is only listed.
    groups, other_units = [], []
    for group in structure:
        units = []
        for unit in group["units"]:
            asked = records.get(unit.pk, [])
            if unit.pk not in planned and not asked:
                other_units.append(unit)
                continue
            units.append(
                {
                    "unit": unit,
                    "questions": asked,
                    "blank_rows": range(0 if asked else BLANK_ROWS),
                    "evidence": [item.evidence.title for item in by_unit.get(unit.pk, [])],
                }
            )
        if units:
            groups.append({"group": group["group"], "units": units})
    all_records = [record for asked in records.values() for record in asked]
    last_recorded = max((r.recorded_at for r in all_records), default=None)
    context = base_context(key, assessment, _event_start(assessment))
    context.update(
        groups=groups,
        other_units=other_units,
        units=_units(structure),
        used=bool(planned or all_records),
        asked=len(all_records),
        achieved=sum(1 for r in all_records if r.achieved is True),
        not_achieved=sum(1 for r in all_records if r.achieved is False),
        signatures=_signatures(key, assessment, last_recorded),
    )
    return context


def build_ia03(assessment: Assessment) -> dict:
    return _question_context(Form.IA03, Instrument.IA03, assessment, evidence=False)


def build_ia07(assessment: Assessment) -> dict:
    return _question_context(Form.IA07, Instrument.IA07, assessment, evidence=False)


def build_ia09(assessment: Assessment) -> dict:
    return _question_context(Form.IA09, Instrument.IA09, assessment, evidence=True)


# --- FR.IA.08 Ceklis Verifikasi Portofolio --------------------------------------------------------


def vatm_labels() -> list[str]:
    """The four rules of evidence as the form heads its columns."""
    return [
        pgettext("evidence rule", "Valid"),
        pgettext("evidence rule", "Authentic"),
        pgettext("evidence rule", "Current"),
        pgettext("evidence rule", "Sufficient"),
    ]


def _vatm(review: EvidenceReview | None) -> list[bool | None]:
    if review is None:
        return [None] * 4
    return [review.valid, review.authentic, review.current, review.sufficient]


def build_ia08(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    structure = _structure(assessment)
    planned = _planned(assessment, Instrument.IA08)
    items = _evidence_items(assessment)
    groups = []
    unit_ids = set()
    for group in structure:
        units = []
        for unit in group["units"]:
            unit_ids.add(unit.pk)
            rows = [
                {
                    "item": item,
                    "vatm": _vatm(item.review),
                    "criteria": item.criteria.get(unit.pk, []),
                }
                for item in items
                if unit.pk in item.unit_ids
            ]
            supported = {
                number
                for row in rows
                if row["item"].review and row["item"].review.meets_vatm
                for number in row["criteria"]
            }
            criteria = [c for element in unit.elements.all() for c in element.criteria.all()]
            unsupported = [c for c in criteria if c.number not in supported]
            units.append(
                {
                    "unit": unit,
                    "rows": rows,
                    "planned": unit.pk in planned,
                    "blank_rows": range(BLANK_ROWS if unit.pk in planned and not rows else 0),
                    "criteria_total": len(criteria),
                    "supported_count": len(criteria) - len(unsupported),
                    "unsupported": unsupported,
                }
            )
        groups.append({"group": group["group"], "units": units})
    reviews = [item.review for item in items if item.review]
    last_reviewed = max((review.reviewed_at for review in reviews), default=None)
    context = base_context(Form.IA08, assessment, _event_start(assessment))
    context.update(
        groups=groups,
        units=_units(structure),
        used=bool(planned or reviews),
        vatm_labels=vatm_labels(),
        evidence_total=len(items),
        reviewed=len(reviews),
        meets_vatm=sum(1 for review in reviews if review.meets_vatm),
        # Evidence neither linked in APL.02 nor tied to a KUK by the review: still listed.
        unlinked=[
            {"item": item, "vatm": _vatm(item.review)}
            for item in items
            if not item.unit_ids & unit_ids
        ],
        signatures=_signatures(Form.IA08, assessment, last_reviewed),
    )
    return context


# --- FR.IA.10 Klarifikasi Bukti Pihak Ketiga ------------------------------------------------------


# The supervisor's identity as the form lists it, labelled with the model's verbose names.
IDENTITY_FIELDS = ("supervisor_name", "workplace", "phone", "relationship", "known_for")


def _identity(record: ThirdPartyVerification | None) -> list[tuple[str, str]]:
    return [
        (
            capfirst(str(ThirdPartyVerification._meta.get_field(name).verbose_name)),
            getattr(record, name) if record else "",
        )
        for name in IDENTITY_FIELDS
    ]


def build_ia10(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    units = _units(_structure(assessment))
    planned = _planned(assessment, Instrument.IA10)
    verifications = [
        {
            "record": record,
            "identity": _identity(record),
            "answers": [
                {"text": str(text), "answer": record.answers.get(key)}
                for key, text in THIRD_PARTY_QUESTIONS.items()
            ],
        }
        for record in ThirdPartyVerification.objects.filter(assessment=assessment)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    ]
    last_recorded = max((v["record"].recorded_at for v in verifications), default=None)
    expected = [
        (
            f"third_party_{v['record'].pk}",
            _("Supervisor (third party)"),
            v["record"].supervisor_name,
            None,
            "",
        )
        for v in verifications
    ] or [("third_party", _("Supervisor (third party)"), "", None, "")]
    expected.append(
        (R.ASSESSOR, _("Assessor"), _assessor(assessment), last_recorded, _("Recorded in Kompeten"))
    )
    context = base_context(Form.IA10, assessment, _event_start(assessment))
    context.update(
        units=units,
        planned_units=[unit for unit in units if unit.pk in planned],
        used=bool(planned or verifications),
        verifications=verifications,
        blank_identity=_identity(None),
        blank_questions=[str(text) for text in THIRD_PARTY_QUESTIONS.values()],
        signatures=common.signature_slots(Form.IA10, assessment, expected),
    )
    return context


_register(Form.IA03, build_ia03, "pdf/ia03.html", staff_only=True)
_register(Form.IA07, build_ia07, "pdf/ia07.html", staff_only=True)
_register(Form.IA08, build_ia08, "pdf/ia08.html", staff_only=True)
_register(Form.IA09, build_ia09, "pdf/ia09.html", staff_only=True)
_register(Form.IA10, build_ia10, "pdf/ia10.html", staff_only=True)

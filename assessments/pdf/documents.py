"""Context builders of the assessment documents, and their registration.

Each builder takes the subject (an Assessment) and returns the template context: ``lsp``,
``form`` (code and title), ``header`` (scheme, TUK, assessor, candidate, date), ``signatures``
(SignatureSlot list), ``time_zone`` and the document's own data. Builders run inside
``translation.override("id")`` (assessments.pdf.services), read with a bounded number of queries
whatever the size of the scheme, and never mark text safe.

Adding a document: write ``build_<key>``, a template under templates/pdf/, and one
``_register(...)`` line at the bottom.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from assessments import selectors
from assessments.forms_progress import AK01_STATEMENTS
from assessments.models import (
    AK03_ITEMS,
    FORM_TITLES,
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    AssessorFeedback,
    CandidateFeedback,
    CandidateProfile,
    ConsentTerms,
    DocumentKind,
    Evidence,
    Form,
    Instrument,
    Observation,
    PreparationRecord,
    SelfAssessment,
    Signature,
    UnitDecision,
    UnitPlan,
)
from assessments.pdf import header as common
from assessments.pdf.registry import DocumentSpec, register_document, register_subject
from assessments.services.assessor import AK07_CHARACTERISTICS
from assessments.services.privacy import mask_nik, mask_phone

R = Signature.Role


def base_context(key: str, assessment: Assessment, date) -> dict:
    """What every assessment document starts with."""
    lsp = common.lsp_header()
    return {
        "lsp": lsp,
        "form": common.form_label(lsp, key, code=Form(key).label, title=FORM_TITLES[Form(key)]),
        "header": common.assessment_header(assessment, date),
        "assessment": assessment,
        "time_zone": common.time_zone_of(assessment),
    }


def _assessment(assessment: Assessment) -> Assessment:
    """The subject with what the header reads, in one query."""
    return Assessment.objects.select_related(
        "scheme_version__scheme", "event__tuk", "assessor", "candidate"
    ).get(pk=assessment.pk)


def _event_start(assessment: Assessment):
    return assessment.event.starts_at if assessment.event_id else None


def _structure(assessment: Assessment) -> list:
    """Groups > units > elements > KUK of the assessment's scheme version (3 queries)."""
    groups: list[dict] = []
    for scheme_unit in selectors.scheme_structure(assessment.scheme_version_id):
        if not groups or groups[-1]["group"].pk != scheme_unit.group_id:
            groups.append({"group": scheme_unit.group, "units": []})
        groups[-1]["units"].append(scheme_unit.unit)
    return groups


def _units(structure: list) -> list:
    return [unit for group in structure for unit in group["units"]]


# --- FR.APL.01 Permohonan Sertifikasi Kompetensi --------------------------------------------------


def _apl01_decision(assessment: Assessment) -> dict:
    """The admin's Diterima / Tidak diterima from the audit trail (who, when, note)."""
    row = (
        Assessment.history.filter(id=assessment.pk, state__in=["accepted", "rejected"])
        .order_by("history_date", "history_id")
        .select_related("history_user")
        .first()
    )
    if row is None:
        return {"accepted": None, "note": "", "by": None, "at": None}
    return {
        "accepted": row.state == "accepted",
        "note": row.state_note,
        "by": row.history_user,
        "at": row.history_date,
    }


def build_apl01(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    profile = CandidateProfile.objects.filter(user_id=assessment.candidate_id).first()
    structure = _structure(assessment)
    current = {
        document.kind: document
        for document in ApplicationDocument.objects.filter(
            assessment=assessment, replaced_at__isnull=True
        ).order_by("kind", "-uploaded_at")
    }
    required = list(assessment.scheme_version.required_documents or [])
    kinds = required + [kind for kind in current if kind not in required]
    documents = []
    for kind in kinds:
        document = current.get(kind)
        documents.append(
            {
                "label": DocumentKind(kind).label if kind in DocumentKind.values else kind,
                "required": kind in required,
                "uploaded": document is not None,
                "present": document.present if document else None,
                "meets": document.meets if document else None,
                "checked": bool(document and document.checked_at),
            }
        )
    decision = _apl01_decision(assessment)
    purposes = [
        {"label": label, "checked": value == assessment.purpose}
        for value, label in Assessment.Purpose.choices
    ]
    context = base_context(Form.APL01, assessment, assessment.submitted_at)
    context.update(
        profile=profile,
        # An archived PDF is one file for every reader, and assessors and decision makers see
        # these masked (docs/privacy.md): the full values stay in the database for LSP admins.
        masked={
            "nik": mask_nik(profile.nik) if profile and profile.nik else "",
            "phone": mask_phone(profile.phone) if profile and profile.phone else "",
            "job_phone": mask_phone(profile.job_phone) if profile and profile.job_phone else "",
        },
        candidate=assessment.candidate,
        purposes=purposes,
        purpose_other=assessment.purpose_other,
        units=_units(structure),
        documents=documents,
        requirements=assessment.scheme_version.requirement_list,
        decision=decision,
        signatures=common.signature_slots(
            Form.APL01,
            assessment,
            [
                (
                    R.CANDIDATE,
                    _("Applicant"),
                    assessment.candidate.full_name,
                    assessment.submitted_at,
                    _("Submitted in Kompeten"),
                ),
                (
                    R.LSP_ADMIN,
                    _("LSP admin"),
                    decision["by"].full_name if decision["by"] else "",
                    decision["at"],
                    _("Decided in Kompeten"),
                ),
            ],
        ),
    )
    return context


# --- FR.APL.02 Asesmen Mandiri --------------------------------------------------------------------


def build_apl02(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    structure = _structure(assessment)
    answers = {
        answer.element_id: answer
        for answer in SelfAssessment.objects.filter(assessment=assessment).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.only("id", "title").order_by("id"))
        )
    }
    units = []
    for unit in _units(structure):
        elements = []
        for element in unit.elements.all():
            answer = answers.get(element.pk)
            elements.append(
                {
                    "element": element,
                    "criteria": list(element.criteria.all()),
                    "answer": answer.answer if answer else "",
                    "evidence": [e.title for e in answer.evidence.all()] if answer else [],
                }
            )
        units.append({"unit": unit, "elements": elements})
    preparation = PreparationRecord.objects.filter(assessment=assessment).first()
    context = base_context(Form.APL02, assessment, assessment.submitted_at)
    context.update(
        units=units,
        preparation=preparation,
        signatures=common.signature_slots(
            Form.APL02,
            assessment,
            [
                (
                    R.CANDIDATE,
                    _("Candidate"),
                    assessment.candidate.full_name,
                    assessment.submitted_at,
                    _("Submitted in Kompeten"),
                ),
                (
                    R.ASSESSOR,
                    _("Assessor"),
                    assessment.assessor.full_name if assessment.assessor else "",
                    preparation.apl02_reviewed_at if preparation else None,
                    _("Reviewed in Kompeten"),
                ),
            ],
        ),
    )
    return context


# --- FR.MAPA.01 Merencanakan Aktivitas dan Proses Asesmen -----------------------------------------

# The method each instrument stands for on the MAPA.01 form.
INSTRUMENT_CODES = {value: label.split(" ", 1)[0] for value, label in Instrument.choices}


def build_mapa01(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    structure = _structure(assessment)
    preparation = PreparationRecord.objects.filter(assessment=assessment).first()
    plans = {plan.unit_id: plan for plan in UnitPlan.objects.filter(assessment=assessment)}
    units = []
    for unit in _units(structure):
        plan = plans.get(unit.pk)
        types = set(plan.evidence_types) if plan else set()
        instruments = [
            {"code": INSTRUMENT_CODES.get(i, i), "label": str(Instrument(i).label)}
            for i in (plan.instruments if plan else [])
            if i in Instrument.values
        ]
        elements = [
            {"element": element, "criteria": list(element.criteria.all())}
            for element in unit.elements.all()
        ]
        units.append(
            {
                "unit": unit,
                "elements": elements,
                "types": {t: t in types for t in UnitPlan.EvidenceType.values},
                "instruments": instruments,
                "note": plan.note if plan else "",
                "planned": plan is not None,
            }
        )
    potensi = [
        {"label": label, "checked": bool(preparation and preparation.potensi == value)}
        for value, label in PreparationRecord.Potensi.choices
    ]
    contexts = [
        {"label": label, "checked": bool(preparation and preparation.context == value)}
        for value, label in PreparationRecord.Context.choices
    ]
    adjustments_recorded = preparation.adjustments if preparation else {}
    adjustments = [
        {
            "label": label,
            "needed": (adjustments_recorded.get(key) or {}).get("needed"),
            "note": (adjustments_recorded.get(key) or {}).get("note", ""),
        }
        for key, label in AK07_CHARACTERISTICS.items()
    ]
    context = base_context(
        Form.MAPA01,
        assessment,
        (preparation.plan_done_at if preparation else None) or _event_start(assessment),
    )
    context.update(
        preparation=preparation,
        potensi=potensi,
        contexts=contexts,
        purpose=assessment.get_purpose_display(),
        purpose_other=assessment.purpose_other,
        units=units,
        evidence_types=UnitPlan.EvidenceType.choices,
        adjustments=adjustments,
        signatures=common.signature_slots(
            Form.MAPA01,
            assessment,
            [
                (
                    R.ASSESSOR,
                    _("Prepared by (assessor)"),
                    assessment.assessor.full_name if assessment.assessor else "",
                    preparation.plan_done_at if preparation else None,
                    _("Completed in Kompeten"),
                ),
                # Validation of the plan is not recorded in Kompeten yet: signed on paper.
                (R.LSP_ADMIN, _("Validated by"), "", None, ""),
            ],
        ),
    )
    return context


# --- FR.AK.01 Persetujuan Asesmen dan Kerahasiaan -------------------------------------------------


def build_ak01(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    consent = ConsentTerms.objects.filter(assessment=assessment).first()
    chosen = set(consent.methods) if consent else set()
    methods = [
        {"label": label, "checked": value in chosen} for value, label in ConsentTerms.Method.choices
    ]
    context = base_context(Form.AK01, assessment, _event_start(assessment))
    event = assessment.event
    context.update(
        consent=consent,
        methods=methods,
        other_method=consent.other_method if consent else "",
        event=event,
        statements=[str(statement) for statement in AK01_STATEMENTS],
        signatures=common.signature_slots(
            Form.AK01,
            assessment,
            [
                (R.CANDIDATE, _("Candidate"), assessment.candidate.full_name, None, ""),
                (
                    R.ASSESSOR,
                    _("Assessor"),
                    assessment.assessor.full_name if assessment.assessor else "",
                    None,
                    "",
                ),
            ],
        ),
    )
    return context


# --- FR.IA.01 Ceklis Observasi --------------------------------------------------------------------


def _decisions(assessment: Assessment) -> dict[int, UnitDecision]:
    return {d.unit_id: d for d in UnitDecision.objects.filter(assessment=assessment)}


def _overall(units: list, decisions: dict[int, UnitDecision]) -> str | None:
    """K when every unit is K, BK when any is BK, None while a unit is undecided."""
    outcomes = [decisions[u.pk].outcome if u.pk in decisions else None for u in units]
    if any(outcome == UnitDecision.Outcome.BK for outcome in outcomes):
        return UnitDecision.Outcome.BK
    if outcomes and all(outcome == UnitDecision.Outcome.K for outcome in outcomes):
        return UnitDecision.Outcome.K
    return None


def build_ia01(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    structure = _structure(assessment)
    observations = {o.criterion_id: o for o in Observation.objects.filter(assessment=assessment)}
    decisions = _decisions(assessment)
    feedback = {f.unit_id: f for f in AssessorFeedback.objects.filter(assessment=assessment)}
    groups = []
    not_achieved = []
    last_recorded = None
    for group in structure:
        units = []
        for unit in group["units"]:
            elements = []
            for element in unit.elements.all():
                criteria = []
                for criterion in element.criteria.all():
                    observation = observations.get(criterion.pk)
                    achieved = observation.achieved if observation else None
                    if observation and (
                        last_recorded is None or observation.recorded_at > last_recorded
                    ):
                        last_recorded = observation.recorded_at
                    if achieved is False:
                        not_achieved.append({"unit": unit, "criterion": criterion})
                    criteria.append(
                        {
                            "criterion": criterion,
                            "achieved": achieved,
                            "note": observation.note if observation else "",
                        }
                    )
                elements.append({"element": element, "criteria": criteria})
            units.append(
                {
                    "unit": unit,
                    "elements": elements,
                    "decision": decisions.get(unit.pk),
                    "feedback": feedback.get(unit.pk),
                }
            )
        groups.append({"group": group["group"], "units": units})
    all_units = _units(structure)
    context = base_context(Form.IA01, assessment, _event_start(assessment))
    context.update(
        groups=groups,
        overall=_overall(all_units, decisions),
        bk_units=[u for u in all_units if u.pk in decisions and decisions[u.pk].outcome == "BK"],
        not_achieved=not_achieved,
        signatures=common.signature_slots(
            Form.IA01,
            assessment,
            [
                (R.CANDIDATE, _("Candidate"), assessment.candidate.full_name, None, ""),
                (
                    R.ASSESSOR,
                    _("Assessor"),
                    assessment.assessor.full_name if assessment.assessor else "",
                    last_recorded,
                    _("Recorded in Kompeten"),
                ),
            ],
        ),
    )
    return context


# --- FR.AK.02 Rekaman Asesmen Kompetensi ----------------------------------------------------------


def build_ak02(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    units = _units(_structure(assessment))
    decisions = _decisions(assessment)
    rows = []
    for unit in units:
        decision = decisions.get(unit.pk)
        used = set(decision.sources) if decision else set()
        rows.append(
            {
                "unit": unit,
                "decision": decision,
                "sources": [value in used for value in UnitDecision.Source.values],
            }
        )
    decided_at = max((d.decided_at for d in decisions.values()), default=None)
    context = base_context(Form.AK02, assessment, _event_start(assessment))
    context.update(
        sources=UnitDecision.Source.choices,
        rows=rows,
        overall=_overall(units, decisions),
        bk_rows=[row for row in rows if row["decision"] and row["decision"].outcome == "BK"],
        started=_event_start(assessment),
        finished=assessment.reported_at or decided_at,
        signatures=common.signature_slots(
            Form.AK02,
            assessment,
            [
                (R.CANDIDATE, _("Candidate"), assessment.candidate.full_name, None, ""),
                (
                    R.ASSESSOR,
                    _("Assessor"),
                    assessment.assessor.full_name if assessment.assessor else "",
                    decided_at,
                    _("Recorded in Kompeten"),
                ),
            ],
        ),
    )
    return context


# --- FR.AK.03 Umpan Balik dan Catatan Asesmen -----------------------------------------------------


def build_ak03(assessment: Assessment) -> dict:
    assessment = _assessment(assessment)
    feedback = CandidateFeedback.objects.filter(assessment=assessment).first()
    if feedback:
        items = [
            {"text": text, "answer": answer, "comment": comment}
            for text, answer, comment in feedback.rows()
        ]
    else:
        items = [{"text": str(item), "answer": None, "comment": ""} for item in AK03_ITEMS]
    context = base_context(
        Form.AK03, assessment, feedback.submitted_at if feedback else _event_start(assessment)
    )
    context.update(
        feedback=feedback,
        items=items,
        signatures=common.signature_slots(
            Form.AK03,
            assessment,
            [
                (
                    R.CANDIDATE,
                    _("Candidate"),
                    assessment.candidate.full_name,
                    feedback.submitted_at if feedback else None,
                    _("Submitted in Kompeten"),
                ),
                (
                    R.ASSESSOR,
                    _("Assessor"),
                    assessment.assessor.full_name if assessment.assessor else "",
                    None,
                    "",
                ),
            ],
        ),
    )
    return context


# --- subjects and registration --------------------------------------------------------------------


def _event_for(user, pk: int) -> AssessmentEvent:
    """An event whose documents ``user`` may see: LSP admins and decision makers see every
    event, an assessor the events they are assigned to; 404 otherwise."""
    from django.http import Http404

    events = AssessmentEvent.objects.select_related("scheme_version__scheme", "tuk")
    if not (user.is_lsp_admin or user.is_decision_maker):
        events = events.filter(assignments__assessor=user, assignments__assessor__is_assessor=True)
    try:
        return events.distinct().get(pk=pk)
    except AssessmentEvent.DoesNotExist as exc:
        raise Http404 from exc


def _can_view_event(user, event: AssessmentEvent) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_lsp_admin or user.is_decision_maker:
        return True
    return bool(user.is_assessor) and event.assignments.filter(assessor=user).exists()


register_subject(
    "assessment",
    model="assessments.Assessment",
    loader=selectors.viewable_assessment,
    permission="assessments.view_assessment",
)
register_subject(
    "event", model="assessments.AssessmentEvent", loader=_event_for, can_view=_can_view_event
)


def not_for_the_candidate(user, assessment: Assessment) -> bool:
    """Who may read the record, except its candidate: for documents that carry assessment
    material (the question bank's expected answers, the assessor's verdicts per instrument),
    which the candidate must not collect for the next person sitting the same scheme."""
    return bool(
        user.is_authenticated
        and user.pk != assessment.candidate_id
        and user.has_perm("assessments.view_assessment", assessment)
    )


def _register(key: str, builder, template: str, *, staff_only: bool = False) -> None:
    check = not_for_the_candidate if staff_only else None
    register_document(
        DocumentSpec(
            key=key,
            subject="assessment",
            template=template,
            builder=builder,
            code=Form(key).label,
            title=FORM_TITLES[Form(key)],
            can_request=check,
            can_view=check,
        )
    )


_register(Form.APL01, build_apl01, "pdf/apl01.html")
_register(Form.APL02, build_apl02, "pdf/apl02.html")
_register(Form.MAPA01, build_mapa01, "pdf/mapa01.html")
_register(Form.AK01, build_ak01, "pdf/ak01.html")
_register(Form.IA01, build_ia01, "pdf/ia01.html")
_register(Form.AK02, build_ak02, "pdf/ak02.html")
_register(Form.AK03, build_ak03, "pdf/ak03.html")

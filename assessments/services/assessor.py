"""The assessor's duties, in the order the state machine enforces: impartiality, APL.02 review
(cleared), plan and AK.01 (prepared), observations / questions / evidence reviews (in_progress),
K/BK per unit and feedback (recommended), report (reported, locked).

Every write checks that the actor is the assigned assessor, that their licence is valid on the
event date and covers the scheme, and that they declared no conflict with this candidate."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessorFeedback,
    AssessorProfile,
    BankQuestion,
    EventReport,
    Evidence,
    EvidenceReview,
    Form,
    ImpartialityDeclaration,
    Instrument,
    Observation,
    PreparationRecord,
    QuestionRecord,
    Signature,
    ThirdPartyVerification,
    UnitDecision,
    UnitPlan,
)
from assessments.services import transitions

__all__ = [
    "ASSESSING_STATES",
    "EditConflict",
    "assessor_refusal",
    "due_date_for",
    "DOCUMENT_CHECKS",
    "TUK_CHECKS",
    "event_report_save",
    "evidence_review_save",
    "feedback_save",
    "impartiality_declare",
    "observation_save",
    "plan_save",
    "preparation_complete",
    "preparation_problems",
    "question_record_save",
    "recommendation_problems",
    "recommendation_submit",
    "report_submit",
    "review_apl02",
    "third_party_save",
    "unit_coverage",
    "unit_decide",
]

S = Assessment.State
ASSESSING_STATES = (S.PREPARED, S.IN_PROGRESS, S.REOPENED)


class EditConflict(ValidationError):
    """Someone saved the same record since this form was loaded (optimistic locking)."""

    def __init__(self, message, *, current):
        super().__init__(message, code="conflict")
        self.current = current


def assessor_refusal(*, assessor, assessment: Assessment) -> str | None:
    """Why ``assessor`` may not act on ``assessment`` now, or None. The pages and every service
    use this one rule: assigned, licence valid on the event date, scheme in scope, no conflict."""
    if not getattr(assessor, "is_assessor", False) or assessment.assessor_id != assessor.pk:
        return _("You are not the assessor of this candidate.")
    profile = AssessorProfile.objects.filter(user_id=assessor.pk).first()
    if profile is None or profile.status != AssessorProfile.Status.ACTIVE:
        return _("Your assessor registration is not active.")
    event = assessment.event
    day = timezone.localdate(event.starts_at, event.tuk.tzinfo) if event else timezone.localdate()
    if not profile.licence_valid_on(day):
        return _("Your licence is not valid on the assessment date.")
    if not profile.scope.filter(pk=assessment.scheme_version.scheme_id).exists():
        return _("This scheme is not in your scope.")
    if (
        ImpartialityDeclaration.objects.filter(assessor_id=assessor.pk, assessment=assessment)
        .exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
        .exists()
    ):
        return _("You declared a conflict of interest with this candidate.")
    return None


def _lock_for_assessor(assessment_id: int, actor, *, states=None) -> Assessment:
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("scheme_version", "event__tuk")
        .get(pk=assessment_id)
    )
    refusal = assessor_refusal(assessor=actor, assessment=assessment)
    if refusal:
        raise PermissionDenied(refusal)
    if not ImpartialityDeclaration.objects.filter(
        assessor_id=actor.pk, assessment=assessment
    ).exists():
        raise ValidationError(
            _("Declare impartiality for this event before working on its candidates."),
            code="impartiality_missing",
        )
    if states is not None and assessment.state not in states:
        raise ValidationError(
            _("This is not possible while the assessment is %(state)s."),
            params={"state": assessment.get_state_display()},
            code="wrong_state",
        )
    return assessment


def _unit_ids(assessment: Assessment) -> list[int]:
    from schemes.models import SchemeUnit

    return list(
        SchemeUnit.objects.filter(group__version_id=assessment.scheme_version_id)
        .order_by("group__position", "position")
        .values_list("unit_id", flat=True)
    )


def _start_if_prepared(assessment: Assessment, actor) -> None:
    """The first observation, question or evidence review starts the assessment."""
    if assessment.state == S.PREPARED or assessment.state == S.REOPENED:
        transitions.assessment_start(assessment_id=assessment.pk, actor=actor)
        assessment.refresh_from_db(fields=["state", "state_changed_at"])


@transaction.atomic
def impartiality_declare(
    *, event_id: int, actor, declarations: dict[int, tuple[str, str]]
) -> list[ImpartialityDeclaration]:
    """Declare, for every candidate of the event assigned to ``actor``, any relationship. A
    conflict hides that candidate from the assessor and tells the LSP admins."""
    event = AssessmentEvent.objects.select_for_update().get(pk=event_id)
    if not event.assignments.filter(assessor_id=actor.pk).exists():
        raise PermissionDenied(_("You are not assigned to this event."))
    mine = set(
        event.assessments.filter(assessor_id=actor.pk)
        .exclude(state__in=Assessment.TERMINAL_STATES)
        .values_list("pk", flat=True)
    )
    done = set(
        ImpartialityDeclaration.objects.filter(assessor_id=actor.pk, event=event).values_list(
            "assessment_id", flat=True
        )
    )
    missing = mine - done - set(declarations)
    if missing:
        raise ValidationError(
            _("Declare your relationship with every candidate of the event."), code="incomplete"
        )
    if set(declarations) - mine:
        raise PermissionDenied(_("You can only declare for your own candidates of this event."))
    created = []
    conflicts = []
    for assessment_id, (relationship, note) in declarations.items():
        if assessment_id in done:
            continue  # a declaration is final; a change goes through the LSP admin
        if relationship not in ImpartialityDeclaration.Relationship.values:
            raise ValidationError(_("Choose a relationship."), code="relationship")
        if relationship != ImpartialityDeclaration.Relationship.NONE and not note.strip():
            raise ValidationError(_("Describe the relationship you declare."), code="note_required")
        declaration = ImpartialityDeclaration(
            event=event,
            assessor=actor,
            assessment_id=assessment_id,
            relationship=relationship,
            note=note.strip(),
        )
        declaration._change_reason = "impartiality declared"
        declaration._history_user = actor
        declaration.save()
        created.append(declaration)
        if declaration.is_conflict:
            conflicts.append(declaration)
    if conflicts:
        from django.contrib.auth import get_user_model

        admins = get_user_model().objects.filter(is_lsp_admin=True, is_active=True)
        for admin in admins:
            transitions.notify(
                recipient=admin,
                title=gettext_lazy("Conflict of interest declared"),
                body=_(
                    "%(assessor)s declared a conflict with %(n)s candidate(s) of %(event)s; "
                    "move them to another assessor."
                )
                % {"assessor": actor, "n": len(conflicts), "event": event},
            )
    return created


@transaction.atomic
def review_apl02(*, assessment_id: int, actor, proceed: bool, note: str) -> Assessment:
    """APL.02 review: "dapat dilanjutkan" clears the candidate; "tidak dapat" returns the
    application to the candidate and the admin with the note."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.SCHEDULED,))
    if not proceed and not note.strip():
        raise ValidationError(_("Say why the assessment cannot proceed."), code="note_required")
    record, _created = PreparationRecord.objects.get_or_create(assessment=assessment)
    record.apl02_proceed, record.apl02_note = proceed, note.strip()
    record.apl02_reviewed_at = timezone.now()
    record._change_reason = "APL.02 reviewed"
    record._history_user = actor
    record.save()
    if proceed:
        return transitions.assessment_clear(assessment_id=assessment.pk, actor=actor, note=note)
    return transitions.assessment_return(
        assessment_id=assessment.pk, actor=actor, note=note, sections=["apl02", "evidence"]
    )


@transaction.atomic
def plan_save(
    *,
    assessment_id: int,
    actor,
    potensi: int | None,
    context: str,
    purpose_note: str,
    unit_plans: dict[int, tuple[list[str], list[str], str]],
    tuk_ready: dict[str, bool],
    documents_complete: dict[str, bool],
    adjustments: dict[str, dict],
) -> PreparationRecord:
    """FR.MAPA.01 with FR.AK.07 adjustments and the readiness checklists (while cleared)."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.CLEARED,))
    units = set(_unit_ids(assessment))
    if set(unit_plans) - units:
        raise ValidationError(_("A planned unit is not part of this scheme."), code="unit")
    valid_types = set(UnitPlan.EvidenceType.values)
    valid_instruments = set(Instrument.values)
    for types, instruments, _note in unit_plans.values():
        if set(types) - valid_types or set(instruments) - valid_instruments:
            raise ValidationError(_("Unknown evidence type or instrument."), code="plan")
    record, _created = PreparationRecord.objects.get_or_create(assessment=assessment)
    record.potensi = potensi
    record.context = context
    record.purpose_note = purpose_note.strip()
    record.tuk_ready = {k: bool(v) for k, v in tuk_ready.items()}
    record.documents_complete = {k: bool(v) for k, v in documents_complete.items()}
    record.adjustments = adjustments
    record._change_reason = "plan saved"
    record._history_user = actor
    record.save()
    for unit_id, (types, instruments, note) in unit_plans.items():
        UnitPlan.objects.update_or_create(
            assessment=assessment,
            unit_id=unit_id,
            defaults={
                "evidence_types": list(types),
                "instruments": list(instruments),
                "note": note.strip(),
            },
        )
    return record


TUK_CHECKS = {
    "room": gettext_lazy("Room and furniture are ready"),
    "equipment": gettext_lazy("Equipment and materials in the plan are available and working"),
    "safety": gettext_lazy("Health and safety conditions are met"),
    "internet": gettext_lazy("Computer and network access work (where needed)"),
}
DOCUMENT_CHECKS = {
    "apl01": gettext_lazy("FR.APL.01 accepted"),
    "apl02": gettext_lazy("FR.APL.02 reviewed"),
    "instruments": gettext_lazy("Assessment instruments ready"),
    "surat_tugas": gettext_lazy("Assignment letter (Surat Tugas) received"),
}


def _ak01_signed_by(assessment: Assessment) -> set[str]:
    return set(
        Signature.objects.filter(
            document=Form.AK01,
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
        ).values_list("role", flat=True)
    )


def preparation_problems(assessment: Assessment) -> list[str]:
    """What still stops preparation from being complete (empty when complete)."""
    problems = []
    record = PreparationRecord.objects.filter(assessment=assessment).first()
    if record is None or record.apl02_proceed is not True:
        problems.append(_("Review FR.APL.02."))
    if record is None or not record.potensi or not record.context:
        problems.append(_("Record the candidate's background and the assessment context."))
    planned = set(
        UnitPlan.objects.filter(assessment=assessment)
        .exclude(instruments=[])
        .values_list("unit_id", flat=True)
    )
    if set(_unit_ids(assessment)) - planned:
        problems.append(_("Plan evidence and instruments for every unit (FR.MAPA.01)."))
    if record is None or not all(record.tuk_ready.get(key) for key in TUK_CHECKS):
        problems.append(_("Confirm the TUK is ready."))
    if record is None or not all(record.documents_complete.get(key) for key in DOCUMENT_CHECKS):
        problems.append(_("Confirm the documents are complete."))
    signed = _ak01_signed_by(assessment)
    if Signature.Role.CANDIDATE not in signed:
        problems.append(_("The candidate has not signed FR.AK.01 yet."))
    elif Signature.Role.ASSESSOR not in signed:
        problems.append(_("Sign FR.AK.01 after the candidate."))
    return problems


@transaction.atomic
def preparation_complete(*, assessment_id: int, actor) -> Assessment:
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.CLEARED,))
    problems = preparation_problems(assessment)
    if problems:
        raise ValidationError(problems, code="incomplete")
    PreparationRecord.objects.filter(assessment=assessment).update(plan_done_at=timezone.now())
    return transitions.assessment_prepare(assessment_id=assessment.pk, actor=actor)


@transaction.atomic
def observation_save(
    *,
    assessment_id: int,
    actor,
    criterion_id: int,
    achieved: bool | None,
    note: str = "",
    version: int | None = None,
) -> Observation:
    """Record IA.01 for one KUK. ``version`` is the version the form was loaded with (None for a
    new answer); a mismatch means someone saved in between and raises EditConflict."""
    from schemes.models import Criterion

    assessment = _lock_for_assessor(assessment_id, actor, states=ASSESSING_STATES)
    if not Criterion.objects.filter(
        pk=criterion_id,
        element__unit__scheme_units__group__version_id=assessment.scheme_version_id,
    ).exists():
        raise ValidationError(_("That KUK is not part of this scheme."), code="criterion")
    observation = (
        Observation.objects.select_for_update()
        .filter(assessment=assessment, criterion_id=criterion_id)
        .first()
    )
    if observation is None:
        if version not in (None, 0):
            raise EditConflict(_("This answer was removed meanwhile."), current=None)
        observation = Observation(
            assessment=assessment, criterion_id=criterion_id, recorded_by=actor, version=0
        )
    elif version is not None and version != observation.version:
        raise EditConflict(
            _("This KUK was saved meanwhile by %(who)s. Check the current answer and save again.")
            % {"who": observation.recorded_by},
            current=observation,
        )
    observation.achieved = achieved
    observation.note = note.strip()
    observation.version += 1
    observation.recorded_by = actor
    observation.recorded_at = timezone.now()
    observation._change_reason = "IA.01 recorded"
    observation._history_user = actor
    observation.save()
    _start_if_prepared(assessment, actor)
    return observation


@transaction.atomic
def question_record_save(
    *,
    assessment_id: int,
    actor,
    unit_id: int,
    instrument: str,
    question: str,
    expected_answer: str = "",
    answer: str = "",
    achieved: bool | None = None,
    bank_question_id: int | None = None,
    record_id: int | None = None,
) -> QuestionRecord:
    """Record a supporting (IA.03), oral (IA.07) or interview (IA.09) question and its answer."""
    assessment = _lock_for_assessor(assessment_id, actor, states=ASSESSING_STATES)
    if unit_id not in _unit_ids(assessment):
        raise ValidationError(_("That unit is not part of this scheme."), code="unit")
    if instrument not in (Instrument.IA03, Instrument.IA07, Instrument.IA09):
        raise ValidationError(_("Choose IA.03, IA.07 or IA.09."), code="instrument")
    bank = None
    if bank_question_id:
        bank = BankQuestion.objects.filter(
            pk=bank_question_id, scheme_id=assessment.scheme_version.scheme_id, active=True
        ).first()
        if bank is None:
            raise ValidationError(_("That question is not in this scheme's bank."), code="bank")
        question = question or bank.text
        expected_answer = expected_answer or bank.expected_answer
    if not question.strip():
        raise ValidationError(_("Write the question."), code="question")
    if record_id:
        record = QuestionRecord.objects.select_for_update().get(pk=record_id, assessment=assessment)
    else:
        record = QuestionRecord(assessment=assessment, recorded_by=actor)
    record.unit_id, record.instrument, record.bank_question = unit_id, instrument, bank
    record.question, record.expected_answer = question.strip(), expected_answer.strip()
    record.answer, record.achieved = answer.strip(), achieved
    record.recorded_by, record.recorded_at = actor, timezone.now()
    record.save()
    _start_if_prepared(assessment, actor)
    return record


@transaction.atomic
def evidence_review_save(
    *,
    evidence_id: int,
    actor,
    valid: bool,
    authentic: bool,
    current: bool,
    sufficient: bool,
    note: str = "",
    criterion_ids: list[int] | None = None,
    version: int | None = None,
) -> EvidenceReview:
    """FR.IA.08 for one evidence item (VATM) and the KUK it supports. Marks the evidence as
    reviewed, after which the candidate can no longer delete or replace it."""
    from schemes.models import Criterion

    evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
    assessment = _lock_for_assessor(evidence.assessment_id, actor, states=ASSESSING_STATES)
    criteria = list(
        Criterion.objects.filter(
            pk__in=criterion_ids or [],
            element__unit__scheme_units__group__version_id=assessment.scheme_version_id,
        )
    )
    if len(criteria) != len(set(criterion_ids or [])):
        raise ValidationError(_("A chosen KUK is not part of this scheme."), code="criterion")
    review = EvidenceReview.objects.select_for_update().filter(evidence=evidence).first()
    if review is None:
        review = EvidenceReview(evidence=evidence, reviewed_by=actor, version=0)
    elif version is not None and version != review.version:
        raise EditConflict(
            _("This review was saved meanwhile by %(who)s. Check it and save again.")
            % {"who": review.reviewed_by},
            current=review,
        )
    review.valid, review.authentic = valid, authentic
    review.current, review.sufficient = current, sufficient
    review.note = note.strip()
    review.reviewed_by, review.reviewed_at = actor, timezone.now()
    review.version += 1
    review._change_reason = "IA.08 reviewed"
    review._history_user = actor
    review.save()
    review.criteria.set(criteria)
    if evidence.reviewed_at is None:
        evidence.reviewed_at = review.reviewed_at
        evidence.save(update_fields=["reviewed_at"])
    _start_if_prepared(assessment, actor)
    return review


@transaction.atomic
def third_party_save(*, assessment_id: int, actor, data: dict) -> ThirdPartyVerification:
    assessment = _lock_for_assessor(assessment_id, actor, states=ASSESSING_STATES)
    record = ThirdPartyVerification(assessment=assessment, recorded_by=actor, **data)
    record.full_clean(exclude=["assessment", "recorded_by"])
    record.save()
    _start_if_prepared(assessment, actor)
    return record


@dataclass
class KUKCoverage:
    criterion_id: int
    observed: bool | None  # True Ya, False Tidak, None not observed
    evidence_ids: list[int]  # evidence rated VATM that supports this KUK

    @property
    def covered(self) -> bool:
        return self.observed is True or (self.observed is None and bool(self.evidence_ids))


def unit_coverage(assessment: Assessment) -> dict[int, list[KUKCoverage]]:
    """Per unit id, per KUK: the observation and the VATM evidence supporting it (3 queries)."""
    from schemes.models import Criterion

    criteria = list(
        Criterion.objects.filter(
            element__unit__scheme_units__group__version_id=assessment.scheme_version_id
        )
        .order_by("element__unit_id", "element__number", "position", "number")
        .values_list("pk", "element__unit_id")
    )
    observed = dict(
        Observation.objects.filter(assessment=assessment).values_list("criterion_id", "achieved")
    )
    supporting: dict[int, list[int]] = {}
    reviews = EvidenceReview.objects.filter(
        evidence__assessment=assessment,
        evidence__superseded_by__isnull=True,
        valid=True,
        authentic=True,
        current=True,
        sufficient=True,
    ).values_list("criteria", "evidence_id")
    for criterion_id, evidence_id in reviews:
        if criterion_id is not None:
            supporting.setdefault(criterion_id, []).append(evidence_id)
    coverage: dict[int, list[KUKCoverage]] = {}
    for criterion_id, unit_id in criteria:
        coverage.setdefault(unit_id, []).append(
            KUKCoverage(criterion_id, observed.get(criterion_id), supporting.get(criterion_id, []))
        )
    return coverage


@transaction.atomic
def unit_decide(
    *,
    assessment_id: int,
    actor,
    unit_id: int,
    outcome: str,
    sources: list[str],
    reason: str = "",
    follow_up: str = "",
) -> UnitDecision:
    """FR.AK.02 for one unit. K only when every KUK is observed Ya or supported by evidence
    rated VATM, and no KUK is observed Tidak; BK needs the reason and the follow-up."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.IN_PROGRESS,))
    if unit_id not in _unit_ids(assessment):
        raise ValidationError(_("That unit is not part of this scheme."), code="unit")
    if outcome not in UnitDecision.Outcome.values:
        raise ValidationError(_("Choose K or BK."), code="outcome")
    if not sources or set(sources) - set(UnitDecision.Source.values):
        raise ValidationError(_("Name the evidence the decision is based on."), code="sources")
    if outcome == UnitDecision.Outcome.K:
        kuk = unit_coverage(assessment).get(unit_id, [])
        if any(c.observed is False for c in kuk):
            raise ValidationError(
                _("A KUK of this unit was observed 'Tidak': decide BK or request more evidence."),
                code="kuk_failed",
            )
        uncovered = [c for c in kuk if not c.covered]
        if uncovered:
            raise ValidationError(
                _(
                    "%(n)s KUK of this unit have neither an observation 'Ya' nor evidence rated "
                    "valid, authentic, current and sufficient."
                )
                % {"n": len(uncovered)},
                code="kuk_uncovered",
            )
        reason, follow_up = reason.strip(), ""
    elif not reason.strip() or not follow_up.strip():
        raise ValidationError(
            _("For BK, give the reason and the follow-up (what to reassess)."), code="bk_reason"
        )
    decision, _created = UnitDecision.objects.update_or_create(
        assessment=assessment,
        unit_id=unit_id,
        defaults={
            "outcome": outcome,
            "sources": list(sources),
            "reason": reason.strip(),
            "follow_up": follow_up.strip(),
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
    )
    return decision


@transaction.atomic
def feedback_save(
    *, assessment_id: int, actor, unit_id: int, strengths: str, gaps: str = ""
) -> AssessorFeedback:
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.IN_PROGRESS,))
    if unit_id not in _unit_ids(assessment):
        raise ValidationError(_("That unit is not part of this scheme."), code="unit")
    if not strengths.strip():
        raise ValidationError(_("Write at least the strengths."), code="strengths")
    feedback, _created = AssessorFeedback.objects.update_or_create(
        assessment=assessment,
        unit_id=unit_id,
        defaults={
            "strengths": strengths.strip(),
            "gaps": gaps.strip(),
            "written_by": actor,
            "written_at": timezone.now(),
        },
    )
    return feedback


def recommendation_problems(assessment: Assessment) -> list[str]:
    units = _unit_ids(assessment)
    decided = set(
        UnitDecision.objects.filter(assessment=assessment).values_list("unit_id", flat=True)
    )
    written = set(
        AssessorFeedback.objects.filter(assessment=assessment).values_list("unit_id", flat=True)
    )
    problems = []
    if set(units) - decided:
        problems.append(
            _("Decide K or BK for every unit (%(n)s undecided).") % {"n": len(set(units) - decided)}
        )
    if set(units) - written:
        problems.append(_("Write feedback for every unit."))
    return problems


@transaction.atomic
def recommendation_submit(*, assessment_id: int, actor) -> Assessment:
    """All units decided and feedback written: the recommendation (K overall only if every unit
    is K, derived, so it cannot contradict the units) goes to the candidate."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.IN_PROGRESS,))
    problems = recommendation_problems(assessment)
    if problems:
        raise ValidationError(problems, code="incomplete")
    assessment = transitions.assessment_recommend(assessment_id=assessment.pk, actor=actor)
    transitions.notify(
        recipient=assessment.candidate,
        title=gettext_lazy("Your assessor's feedback is ready"),
    )
    return assessment


@transaction.atomic
def report_submit(*, assessment_id: int, actor) -> Assessment:
    """Submit the record: it becomes read-only (a correction is an audited reopen)."""
    _lock_for_assessor(assessment_id, actor, states=(S.RECOMMENDED,))
    return transitions.assessment_report(assessment_id=assessment_id, actor=actor)


@transaction.atomic
def event_report_save(
    *, event_id: int, actor, data: dict[str, str], submit: bool = False
) -> EventReport:
    """FR.AK.05 for the assessor's candidates of an event; submitted once all are reported."""
    event = AssessmentEvent.objects.select_for_update().get(pk=event_id)
    if not event.assignments.filter(assessor_id=actor.pk).exists():
        raise PermissionDenied(_("You are not assigned to this event."))
    report, _created = EventReport.objects.get_or_create(event=event, assessor=actor)
    if report.submitted_at:
        raise ValidationError(_("The report was already submitted."), code="submitted")
    for field in ("positive_aspects", "negative_aspects", "rejections", "suggestions"):
        setattr(report, field, (data.get(field) or "").strip())
    if submit:
        open_ = event.assessments.filter(assessor_id=actor.pk).filter(
            Q(state__in=Assessment.BEFORE_REPORTED)
            & ~Q(state__in=[S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED])
        )
        if open_.exists():
            raise ValidationError(
                _("Submit every candidate's record before the event report."), code="open"
            )
        report.submitted_at = timezone.now()
    report.save()
    return report


def due_date_for(event: AssessmentEvent) -> datetime.date:
    """Reports are due a setting's number of days after the event."""
    from django.conf import settings

    days = getattr(settings, "KOMPETEN_REPORT_DUE_DAYS", 3)
    return timezone.localdate(event.ends_at, event.tuk.tzinfo) + datetime.timedelta(days=days)

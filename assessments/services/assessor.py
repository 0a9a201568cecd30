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
    AssignmentOverride,
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
    "attendance_mark",
    "due_date_for",
    "AK07_CHARACTERISTICS",
    "DOCUMENT_CHECKS",
    "TUK_CHECKS",
    "event_report_save",
    "evidence_review_save",
    "feedback_save",
    "impartiality_declare",
    "observation_save",
    "plan_save",
    "preparation_checklist",
    "preparation_complete",
    "preparation_problems",
    "question_record_save",
    "reassessment_create",
    "recommendation_problems",
    "recommendation_submit",
    "report_submit",
    "review_apl02",
    "THIRD_PARTY_QUESTIONS",
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
        # A second admin may approve the pairing with a recorded reason (admin console).
        and not AssignmentOverride.objects.filter(
            assessment=assessment, assessor_id=assessor.pk
        ).exists()
    ):
        return _("You declared a conflict of interest with this candidate.")
    return None


def _lock_for_assessor(assessment_id: int, actor, *, states=None) -> Assessment:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to
    # the event; only the assessment row needs the lock.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
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
    # By pairing, not by event: the pairing is unique (a candidate moved here from another
    # event of the same assessor was already declared for).
    done = set(
        ImpartialityDeclaration.objects.filter(
            assessor_id=actor.pk, assessment_id__in=mine
        ).values_list("assessment_id", flat=True)
    )
    missing = mine - done - set(declarations)
    if missing:
        raise ValidationError(
            _("Declare your relationship with every candidate of the event."), code="incomplete"
        )
    if set(declarations) - mine:
        raise PermissionDenied(_("You can only declare for your own candidates of this event."))
    if mine - done:
        # Licence on the event date and scope are the same for every candidate of the event;
        # an undeclared pairing cannot carry a conflict yet, so any one of them gives the rule.
        sample = (
            Assessment.objects.select_related("scheme_version", "event__tuk")
            .filter(pk__in=mine - done)
            .first()
        )
        refusal = assessor_refusal(assessor=actor, assessment=sample)
        if refusal:
            raise PermissionDenied(refusal)
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
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.utils import translation

        # The admin must know whom to move: name the candidates, in the admin's language.
        names = ", ".join(
            Assessment.objects.filter(pk__in=[d.assessment_id for d in conflicts])
            .order_by("candidate__full_name")
            .values_list("candidate__full_name", flat=True)
        )
        admins = get_user_model().objects.filter(is_lsp_admin=True, is_active=True)
        for admin in admins:
            with translation.override(admin.language or settings.LANGUAGE_CODE):
                body = _(
                    "%(assessor)s declared a conflict of interest with %(n)s candidate(s) of "
                    "%(event)s: %(names)s. Move them to another assessor."
                ) % {"assessor": actor, "n": len(conflicts), "event": event, "names": names}
            transitions.notify(
                recipient=admin, title=gettext_lazy("Conflict of interest declared"), body=body
            )
    return created


@transaction.atomic
def review_apl02(*, assessment_id: int, actor, proceed: bool, note: str) -> Assessment:
    """APL.02 review while scheduled: "dapat dilanjutkan" clears the candidate; "tidak dapat"
    (the note is then required) returns the application to the candidate, and tells the LSP
    admins, with the note. Refused for anyone but the assigned assessor who may act
    (``assessor_refusal``) and has declared impartiality."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.SCHEDULED,))
    note = note.strip()
    if not proceed and not note:
        raise ValidationError(_("Say why the assessment cannot proceed."), code="note_required")
    record, _created = PreparationRecord.objects.get_or_create(assessment=assessment)
    record.apl02_proceed, record.apl02_note = proceed, note
    record.apl02_reviewed_at = timezone.now()
    record._change_reason = "APL.02 reviewed"
    record._history_user = actor
    record.save(update_fields=["apl02_proceed", "apl02_note", "apl02_reviewed_at", "updated_at"])
    if proceed:
        return transitions.assessment_clear(assessment_id=assessment.pk, actor=actor, note=note)
    assessment = transitions.assessment_return(
        assessment_id=assessment.pk, actor=actor, note=note, sections=["apl02", "evidence"]
    )
    # The admin placed the candidate in the event: they need to know the place may free up.
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    for admin in get_user_model().objects.filter(is_lsp_admin=True, is_active=True):
        transitions.notify(
            recipient=admin,
            title=gettext_lazy("An assessor returned an application (FR.APL.02)"),
            body=f"{assessment.candidate}: {note}",
            url=reverse("assessments:verification", args=[assessment.pk]),
        )
    return assessment


@transaction.atomic
def plan_save(
    *,
    assessment_id: int,
    actor,
    potensi: int | None = None,
    context: str | None = None,
    purpose_note: str | None = None,
    unit_plans: dict[int, tuple[list[str], list[str], str]] | None = None,
    tuk_ready: dict[str, bool] | None = None,
    documents_complete: dict[str, bool] | None = None,
    adjustments: dict[str, dict] | None = None,
) -> PreparationRecord:
    """FR.MAPA.01 (potensi, context, purpose and the plan per unit), the FR.AK.07 adjustments
    and the readiness checklists, while the candidate is cleared. Each part can be saved on
    its own: an argument left None keeps what was recorded. Refuses a unit outside the scheme,
    an unknown evidence type, instrument, checklist item or AK.07 characteristic, and an
    adjustment marked needed without saying what it is."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.CLEARED,))
    if potensi is not None and potensi not in PreparationRecord.Potensi.values:
        raise ValidationError(_("Choose one of the five candidate backgrounds."), code="potensi")
    if context not in (None, "", *PreparationRecord.Context.values):
        raise ValidationError(_("Choose the assessment context."), code="context")
    if unit_plans is not None:
        if set(unit_plans) - set(_unit_ids(assessment)):
            raise ValidationError(_("A planned unit is not part of this scheme."), code="unit")
        valid_types = set(UnitPlan.EvidenceType.values)
        valid_instruments = set(Instrument.values)
        for types, instruments, _note in unit_plans.values():
            if set(types) - valid_types or set(instruments) - valid_instruments:
                raise ValidationError(_("Unknown evidence type or instrument."), code="plan")
    for checks, known in ((tuk_ready, TUK_CHECKS), (documents_complete, DOCUMENT_CHECKS)):
        if checks is not None and set(checks) - set(known):
            raise ValidationError(_("Unknown checklist item."), code="checklist")
    if adjustments is not None:
        adjustments = _clean_adjustments(adjustments)
    record, _created = PreparationRecord.objects.get_or_create(assessment=assessment)
    changed = {
        "potensi": potensi,
        "context": context,
        "purpose_note": purpose_note.strip() if purpose_note is not None else None,
        "tuk_ready": {k: bool(v) for k, v in tuk_ready.items()} if tuk_ready is not None else None,
        "documents_complete": (
            {k: bool(v) for k, v in documents_complete.items()}
            if documents_complete is not None
            else None
        ),
        "adjustments": adjustments,
    }
    changed = {field: value for field, value in changed.items() if value is not None}
    for field, value in changed.items():
        setattr(record, field, value)
    record._change_reason = "plan saved"
    record._history_user = actor
    record.save(update_fields=[*changed, "updated_at"])
    for unit_id, (types, instruments, note) in (unit_plans or {}).items():
        UnitPlan.objects.update_or_create(
            assessment=assessment,
            unit_id=unit_id,
            defaults={
                # Kept in the order of the choices, whatever order the form sent them in.
                "evidence_types": [t for t in UnitPlan.EvidenceType.values if t in types],
                "instruments": [i for i in Instrument.values if i in instruments],
                "note": note.strip(),
            },
        )
    return record


def _clean_adjustments(adjustments: dict[str, dict]) -> dict[str, dict]:
    """FR.AK.07 as stored: characteristic key -> {"needed": bool, "note": str}."""
    if set(adjustments) - set(AK07_CHARACTERISTICS):
        raise ValidationError(_("Unknown FR.AK.07 characteristic."), code="adjustments")
    cleaned = {}
    for key, value in adjustments.items():
        needed, note = value.get("needed"), (value.get("note") or "").strip()
        if not isinstance(needed, bool):
            raise ValidationError(_("Answer Ya or Tidak for every characteristic."), code="ak07")
        if needed and not note:
            raise ValidationError(
                _("Describe the adjustment for: %(item)s."),
                params={"item": AK07_CHARACTERISTICS[key]},
                code="ak07_note",
            )
        cleaned[key] = {"needed": needed, "note": note}
    return cleaned


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
# FR.AK.07: the candidate characteristics that may call for a reasonable adjustment.
AK07_CHARACTERISTICS = {
    "language": gettext_lazy("Language, literacy and numeracy"),
    "support_person": gettext_lazy("Reader, interpreter or writer"),
    "adaptive_technology": gettext_lazy("Adaptive technology"),
    "time": gettext_lazy("Flexible time"),
    "media": gettext_lazy("Braille, audio or video"),
    "environment": gettext_lazy("Physical environment"),
    "age_gender": gettext_lazy("Age and gender"),
    "culture_religion": gettext_lazy("Culture and religion"),
}


def _ak01_signed_by(assessment: Assessment) -> set[str]:
    return set(
        Signature.objects.filter(
            document=Form.AK01,
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
        ).values_list("role", flat=True)
    )


def preparation_checklist(assessment: Assessment) -> list[tuple[str, str, bool]]:
    """The parts of the preparation as (key, what to do, done), in the order they are done.
    Keys: apl02, background, plan, ak07, tuk, documents, ak01 (five queries)."""
    record = PreparationRecord.objects.filter(assessment=assessment).first()
    plans = UnitPlan.objects.filter(assessment=assessment).values_list(
        "unit_id", "evidence_types", "instruments"
    )
    planned = {unit_id for unit_id, types, instruments in plans if types and instruments}
    signed = _ak01_signed_by(assessment)
    candidate_signed = Signature.Role.CANDIDATE in signed
    adjustments = record.adjustments if record else {}
    return [
        ("apl02", _("Review FR.APL.02."), bool(record and record.apl02_proceed is True)),
        (
            "background",
            _("Record the candidate's background and the assessment context."),
            bool(record and record.potensi and record.context),
        ),
        (
            "plan",
            _("Plan evidence and instruments for every unit (FR.MAPA.01)."),
            not set(_unit_ids(assessment)) - planned,
        ),
        (
            "ak07",
            _("Record whether the candidate needs adjustments (FR.AK.07)."),
            all(key in adjustments for key in AK07_CHARACTERISTICS),
        ),
        (
            "tuk",
            _("Confirm the TUK is ready."),
            bool(record and all(record.tuk_ready.get(key) for key in TUK_CHECKS)),
        ),
        (
            "documents",
            _("Confirm the documents are complete."),
            bool(record and all(record.documents_complete.get(key) for key in DOCUMENT_CHECKS)),
        ),
        # FR.AK.01 is signed by the candidate first, then the assessor: one step shown at a time.
        (
            "ak01",
            _("Sign FR.AK.01 after the candidate.")
            if candidate_signed
            else _("The candidate has not signed FR.AK.01 yet."),
            candidate_signed and Signature.Role.ASSESSOR in signed,
        ),
    ]


def preparation_problems(assessment: Assessment) -> list[str]:
    """What still stops preparation from being complete (empty when complete)."""
    return [label for _key, label, done in preparation_checklist(assessment) if not done]


@transaction.atomic
def preparation_complete(*, assessment_id: int, actor) -> Assessment:
    """Close the preparation of a cleared candidate (FR.APL.02 reviewed, FR.MAPA.01 for every
    unit, FR.AK.07, TUK and documents confirmed, FR.AK.01 signed by both): the assessment
    becomes prepared and observation can start. Refused with the list of what is missing."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.CLEARED,))
    problems = preparation_problems(assessment)
    if problems:
        raise ValidationError(problems, code="incomplete")
    record = PreparationRecord.objects.get(assessment=assessment)
    record.plan_done_at = timezone.now()
    record._change_reason = "preparation complete"
    record._history_user = actor
    record.save(update_fields=["plan_done_at", "updated_at"])
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
        if observation.achieved == achieved and observation.note == note.strip():
            # The same answer again: a resend after a lost response, or two devices agreeing.
            return observation
        raise EditConflict(
            _("%(who)s saved this KUK meanwhile. Check the current answer and save again.")
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
    """Record a supporting (IA.03), oral (IA.07) or interview (IA.09) question and its answer,
    or edit ``record_id``. A bank question must be in this scheme's bank (active, unless the
    edited record already uses it) and be for this instrument and unit (or any unit); an empty
    question or expected answer takes the bank's wording. The first record starts a prepared
    assessment."""
    from schemes.models import Unit

    assessment = _lock_for_assessor(assessment_id, actor, states=ASSESSING_STATES)
    if unit_id not in _unit_ids(assessment):
        raise ValidationError(_("That unit is not part of this scheme."), code="unit")
    if instrument not in (Instrument.IA03, Instrument.IA07, Instrument.IA09):
        raise ValidationError(_("Choose IA.03, IA.07 or IA.09."), code="instrument")
    record = None
    if record_id:
        record = (
            QuestionRecord.objects.select_for_update()
            .filter(pk=record_id, assessment=assessment)
            .first()
        )
        if record is None:
            raise ValidationError(_("That question is not part of this assessment."), code="record")
    bank = None
    if bank_question_id:
        # An edit keeps its bank question even when the admin has retired it since.
        bank_questions = BankQuestion.objects.filter(
            pk=bank_question_id, scheme_id=assessment.scheme_version.scheme_id
        )
        if record is None or record.bank_question_id != bank_question_id:
            bank_questions = bank_questions.filter(active=True)
        bank = bank_questions.first()
        if bank is None:
            raise ValidationError(_("That question is not in this scheme's bank."), code="bank")
        unit_code = Unit.objects.filter(pk=unit_id).values_list("code", flat=True).first()
        if bank.instrument != instrument or bank.unit_code not in ("", unit_code):
            raise ValidationError(
                _("That bank question is for another instrument or unit."), code="bank"
            )
        question = question.strip() or bank.text
        expected_answer = expected_answer.strip() or bank.expected_answer
    if not question.strip():
        raise ValidationError(_("Write the question."), code="question")
    if record is None:
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

    # The assessment first, then the evidence: the order evidence_upload locks them in (a
    # supersede), so a review and a concurrent upload cannot deadlock.
    assessment_id = Evidence.objects.values_list("assessment_id", flat=True).get(pk=evidence_id)
    assessment = _lock_for_assessor(assessment_id, actor, states=ASSESSING_STATES)
    evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
    if not evidence.is_current:
        raise ValidationError(
            _("This evidence was replaced by a newer upload: review the newer one."),
            code="superseded",
        )
    criteria = list(
        Criterion.objects.filter(
            pk__in=criterion_ids or [],
            element__unit__scheme_units__group__version_id=assessment.scheme_version_id,
        ).distinct()
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


THIRD_PARTY_QUESTIONS = {
    "performs_tasks": gettext_lazy("The candidate performs the tasks as described."),
    "consistent": gettext_lazy("The candidate performs them consistently to the standard."),
    "safe": gettext_lazy("The candidate works safely."),
    "teamwork": gettext_lazy("The candidate works well in a team."),
}
THIRD_PARTY_FIELDS = (
    "supervisor_name",
    "workplace",
    "phone",
    "relationship",
    "known_for",
    "comments",
)


@transaction.atomic
def third_party_save(*, assessment_id: int, actor, data: dict) -> ThirdPartyVerification:
    """FR.IA.10: record a supervisor's clarification of the candidate's evidence. ``data`` holds
    THIRD_PARTY_FIELDS and ``answers`` (every key of THIRD_PARTY_QUESTIONS -> True for Y, False
    for T); anything else is ignored, so a form can never set the assessment or the recorder."""
    assessment = _lock_for_assessor(assessment_id, actor, states=ASSESSING_STATES)
    answers = data.get("answers") or {}
    # Strictly booleans: bool("T") is True, so raw POST strings would all read as Y.
    if set(answers) != set(THIRD_PARTY_QUESTIONS) or not all(
        isinstance(value, bool) for value in answers.values()
    ):
        raise ValidationError(_("Answer Y or T for every question."), code="answers")
    record = ThirdPartyVerification(
        assessment=assessment,
        recorded_by=actor,
        answers={key: answers[key] for key in THIRD_PARTY_QUESTIONS},
        **{field: (data.get(field) or "").strip() for field in THIRD_PARTY_FIELDS},
    )
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
    rated VATM, and no KUK is observed Tidak; BK needs the reason and the follow-up. On a
    reopened record (a correction) the first decision restarts the assessment."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.IN_PROGRESS, S.REOPENED))
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
    decision = (
        UnitDecision.objects.select_for_update()
        .filter(assessment=assessment, unit_id=unit_id)
        .first()
    ) or UnitDecision(assessment=assessment, unit_id=unit_id)
    decision.outcome, decision.sources = outcome, list(sources)
    decision.reason, decision.follow_up = reason.strip(), follow_up.strip()
    decision.decided_by, decision.decided_at = actor, timezone.now()
    decision._change_reason = f"AK.02 unit decided {outcome}"
    decision._history_user = actor
    decision.save()
    _start_if_prepared(assessment, actor)
    return decision


@transaction.atomic
def feedback_save(
    *, assessment_id: int, actor, unit_id: int, strengths: str, gaps: str = ""
) -> AssessorFeedback:
    """Strengths (required) and gaps for one unit, shown to the candidate with the result."""
    assessment = _lock_for_assessor(assessment_id, actor, states=(S.IN_PROGRESS, S.REOPENED))
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
    _start_if_prepared(assessment, actor)
    return feedback


def recommendation_problems(assessment: Assessment) -> list[str]:
    """What still stops the recommendation (empty when it can be sent): an undecided unit, a
    unit without feedback, or a unit decided K whose KUK are no longer all covered (an
    observation changed to Tidak after the decision)."""
    units = _unit_ids(assessment)
    decisions = dict(
        UnitDecision.objects.filter(assessment=assessment).values_list("unit_id", "outcome")
    )
    decided = set(decisions)
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
    k_units = [u for u, outcome in decisions.items() if outcome == UnitDecision.Outcome.K]
    if k_units:
        coverage = unit_coverage(assessment)
        stale = [u for u in k_units if not all(c.covered for c in coverage.get(u, []))]
        if stale:
            from schemes.models import Unit

            codes = ", ".join(Unit.objects.filter(pk__in=stale).values_list("code", flat=True))
            problems.append(
                _("Decide again: %(units)s no longer have every KUK observed 'Ya' or supported.")
                % {"units": codes}
            )
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
    from django.urls import reverse

    transitions.notify(
        recipient=assessment.candidate,
        title=gettext_lazy("Your assessor's feedback is ready"),
        url=reverse("assessments:feedback", args=[assessment.pk]),
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
        # Reopened records are open again; a pairing with a declared conflict is no longer
        # this assessor's candidate (the admin moves it to another assessor).
        conflicted = ImpartialityDeclaration.objects.filter(assessor_id=actor.pk).exclude(
            relationship=ImpartialityDeclaration.Relationship.NONE
        )
        open_ = (
            event.assessments.filter(assessor_id=actor.pk)
            .filter(
                (
                    Q(state__in=Assessment.BEFORE_REPORTED)
                    & ~Q(state__in=[S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED])
                )
                | Q(state=S.REOPENED)
            )
            .exclude(pk__in=conflicted.values("assessment_id"))
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


# --- assessor home / event: attendance (daftar hadir) ---------------------------------------------

ATTENDANCE_STATES = (S.SCHEDULED, S.CLEARED, S.PREPARED, S.IN_PROGRESS)


@transaction.atomic
def attendance_mark(*, event_id: int, actor, assessment_ids: list[int]) -> list[Assessment]:
    """Record that the chosen candidates of the event are present (the daftar hadir).

    Only on or after the event's day (in the TUK's time zone), only for the actor's own
    candidates of this event whom they may assess (``assessor_refusal``, impartiality declared)
    and who are still to be assessed. A candidate already recorded keeps the first time.
    Returns the assessments newly marked; each gets a history row."""
    event = AssessmentEvent.objects.select_related("tuk").get(pk=event_id)
    if not event.assignments.filter(assessor_id=actor.pk).exists():
        raise PermissionDenied(_("You are not assigned to this event."))
    if not assessment_ids:
        raise ValidationError(_("Choose the candidates who are present."), code="empty")
    if timezone.localdate(timezone.now(), event.tuk.tzinfo) < timezone.localdate(
        event.starts_at, event.tuk.tzinfo
    ):
        raise ValidationError(
            _("Attendance is recorded on the day of the event."), code="too_early"
        )
    wanted = set(assessment_ids)
    ids = set(
        Assessment.objects.filter(pk__in=wanted, event_id=event.pk).values_list("pk", flat=True)
    )
    if ids != wanted:
        raise PermissionDenied(_("You can only record attendance for candidates of this event."))
    marked = []
    now = timezone.now()
    for assessment_id in sorted(ids):
        assessment = _lock_for_assessor(assessment_id, actor, states=ATTENDANCE_STATES)
        if assessment.attended_at is not None:
            continue
        assessment.attended_at = now
        assessment._change_reason = "attendance recorded"
        assessment._history_user = actor
        assessment.save(update_fields=["attended_at"])
        marked.append(assessment)
    return marked


@transaction.atomic
def reassessment_create(*, assessment_id: int, actor, unit_ids: list[int]) -> Assessment:
    """Open a reassessment of a decided assessment: a NEW draft assessment of the same
    candidate and scheme version with ``previous`` = this one, for the named units. The decided
    record stays locked and untouched. An LSP admin only; the units must be units decided BK
    (an upheld appeal, handled in a later issue, will widen this).

    Until the assessment has a field for its scope, the units to reassess are written in the
    new draft's ``state_note``, one "code title" per line, in the candidate's language. The
    candidate is notified."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    if not getattr(actor, "is_lsp_admin", False):
        raise PermissionDenied(_("Only an LSP admin can open a reassessment."))
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("candidate", "scheme_version")
        .get(pk=assessment_id)
    )
    if assessment.state != S.DECIDED:
        raise ValidationError(_("A reassessment follows a decided assessment."), code="wrong_state")
    bk_units = {
        decision.unit_id: decision.unit
        for decision in UnitDecision.objects.filter(
            assessment=assessment, outcome=UnitDecision.Outcome.BK
        ).select_related("unit")
    }
    if not bk_units:
        raise ValidationError(_("No unit of this assessment was decided BK."), code="no_bk")
    chosen = set(unit_ids)
    if not chosen:
        raise ValidationError(_("Choose the units to reassess."), code="units")
    if chosen - set(bk_units):
        raise ValidationError(_("Only units decided BK can be reassessed."), code="units")
    reassessment = transitions.assessment_create(
        candidate=assessment.candidate,
        scheme_version=assessment.scheme_version,
        purpose=assessment.purpose,
        purpose_other=assessment.purpose_other,
        previous=assessment,
        actor=actor,
    )
    units = [bk_units[unit_id] for unit_id in _unit_ids(assessment) if unit_id in chosen]
    candidate = assessment.candidate
    with translation.override(getattr(candidate, "language", "") or settings.LANGUAGE_CODE):
        heading = _("Reassessment of these units:")
    lines = [f"{unit.code} {unit.title}" for unit in units]
    reassessment.state_note = "\n".join([heading, *lines])
    reassessment._change_reason = f"reassessment of #{assessment.pk} opened"
    reassessment._history_user = actor
    reassessment.save(update_fields=["state_note"])
    transitions.notify(
        recipient=candidate,
        title=gettext_lazy("A reassessment was opened for you"),
        body="\n".join(lines),
        url=reverse("assessments:application", args=[reassessment.pk]),
    )
    return reassessment

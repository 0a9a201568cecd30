"""Named constraints of the assessor's record (assessments/models/assessor.py)."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessorFeedback,
    BankQuestion,
    EventReport,
    ImpartialityDeclaration,
    Observation,
    PreparationRecord,
    QuestionRecord,
    ThirdPartyVerification,
    UnitDecision,
    UnitPlan,
)
from tests import factories

pytestmark = pytest.mark.django_db

ASSESSOR_CONSTRAINTS = {
    "impartiality_once_per_pairing",
    "impartiality_conflict_explained",
    "preparation_apl02_review_dated",
    "preparation_apl02_refusal_explained",
    "unit_plan_once",
    "observation_once_per_kuk",
    "bank_question_text_not_blank",
    "question_record_not_blank",
    "question_record_instrument",
    "third_party_supervisor_named",
    "unit_decision_once",
    "unit_decision_outcome_valid",
    "unit_decision_bk_explained",
    "assessor_feedback_once",
    "assessor_feedback_strengths_written",
    "event_report_once",
}


@contextmanager
def refused(constraint: str):
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert constraint in message


@pytest.fixture
def scheduled():
    return factories.assessment_in_state(Assessment.State.SCHEDULED)


def _unit(assessment):
    return assessment.scheme_version.units().first()


def _criterion(assessment):
    from schemes.models import Criterion

    return Criterion.objects.filter(element__unit=_unit(assessment)).first()


def test_impartiality_is_declared_once_per_pairing_and_a_conflict_is_explained(scheduled):
    base = {"event": scheduled.event, "assessor": scheduled.assessor, "assessment": scheduled}
    with refused("impartiality_conflict_explained"):
        ImpartialityDeclaration.objects.create(**base, relationship="family", note="")
    ImpartialityDeclaration.objects.create(**base, relationship="none")
    with refused("impartiality_once_per_pairing"):
        ImpartialityDeclaration.objects.create(**base, relationship="none")


def test_an_apl02_review_is_dated_and_a_refusal_explained(scheduled):
    with refused("preparation_apl02_review_dated"):
        PreparationRecord.objects.create(assessment=scheduled, apl02_proceed=True)
    with refused("preparation_apl02_refusal_explained"):
        PreparationRecord.objects.create(
            assessment=scheduled, apl02_proceed=False, apl02_reviewed_at=timezone.now()
        )
    assert PreparationRecord.objects.create(
        assessment=scheduled,
        apl02_proceed=False,
        apl02_reviewed_at=timezone.now(),
        apl02_note="Bukti belum cukup",
    ).pk


def test_one_plan_per_unit(scheduled):
    UnitPlan.objects.create(assessment=scheduled, unit=_unit(scheduled))
    with refused("unit_plan_once"):
        UnitPlan.objects.create(assessment=scheduled, unit=_unit(scheduled))


def test_one_observation_per_kuk(scheduled):
    criterion = _criterion(scheduled)
    Observation.objects.create(
        assessment=scheduled, criterion=criterion, achieved=True, recorded_by=scheduled.assessor
    )
    with refused("observation_once_per_kuk"):
        Observation.objects.create(
            assessment=scheduled,
            criterion=criterion,
            achieved=False,
            recorded_by=scheduled.assessor,
        )


def test_bank_questions_and_asked_questions_have_text_and_a_question_instrument(scheduled):
    scheme = scheduled.scheme_version.scheme
    with refused("bank_question_text_not_blank"):
        BankQuestion.objects.create(scheme=scheme, instrument="ia07", text="")
    base = {"assessment": scheduled, "unit": _unit(scheduled), "recorded_by": scheduled.assessor}
    with refused("question_record_not_blank"):
        QuestionRecord.objects.create(**base, instrument="ia07", question="")
    with refused("question_record_instrument"):
        QuestionRecord.objects.create(**base, instrument="ia01", question="Apa itu array?")
    assert QuestionRecord.objects.create(**base, instrument="ia09", question="Apa itu array?").pk


def test_a_third_party_verification_names_the_supervisor(scheduled):
    with refused("third_party_supervisor_named"):
        ThirdPartyVerification.objects.create(
            assessment=scheduled,
            supervisor_name="",
            workplace="PT X",
            relationship="Atasan",
            known_for="2 tahun",
            recorded_by=scheduled.assessor,
        )


def test_unit_decisions_are_unique_valid_and_bk_is_explained(scheduled):
    base = {"assessment": scheduled, "unit": _unit(scheduled), "decided_by": scheduled.assessor}
    with refused("unit_decision_outcome_valid"):
        UnitDecision.objects.create(**base, outcome="X", reason="r", follow_up="f")
    with refused("unit_decision_bk_explained"):
        UnitDecision.objects.create(**base, outcome="BK", reason="Belum bisa", follow_up="")
    UnitDecision.objects.create(**base, outcome="K")
    with refused("unit_decision_once"):
        UnitDecision.objects.create(**base, outcome="K")


def test_feedback_is_written_once_per_unit_with_strengths(scheduled):
    base = {"assessment": scheduled, "unit": _unit(scheduled), "written_by": scheduled.assessor}
    with refused("assessor_feedback_strengths_written"):
        AssessorFeedback.objects.create(**base, strengths="")
    AssessorFeedback.objects.create(**base, strengths="Teliti")
    with refused("assessor_feedback_once"):
        AssessorFeedback.objects.create(**base, strengths="Rapi")


def test_one_event_report_per_assessor(scheduled):
    EventReport.objects.create(event=scheduled.event, assessor=scheduled.assessor)
    with refused("event_report_once"):
        EventReport.objects.create(event=scheduled.event, assessor=scheduled.assessor)

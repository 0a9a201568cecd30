"""services.observation_save (FR.IA.01, optimistic versions) and services.question_record_save
(FR.IA.03 / IA.07 / IA.09 from the bank or ad hoc)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    AssessorProfile,
    BankQuestion,
    ImpartialityDeclaration,
    Observation,
    QuestionRecord,
)
from schemes.models import Criterion, SchemeUnit
from tests.factories import assessor_assessment, make_scheme_version

S = Assessment.State
pytestmark = pytest.mark.django_db


def _criteria(assessment: Assessment) -> list[Criterion]:
    return list(
        Criterion.objects.filter(
            element__unit__scheme_units__group__version=assessment.scheme_version
        ).order_by("element__unit_id", "element__number", "position")
    )


def _units(assessment: Assessment) -> list:
    return [
        su.unit
        for su in SchemeUnit.objects.filter(group__version=assessment.scheme_version)
        .select_related("unit")
        .order_by("position")
    ]


def _observe(assessment, actor, criterion, achieved=True, note="", version=0):
    return services.observation_save(
        assessment_id=assessment.pk,
        actor=actor,
        criterion_id=criterion.pk,
        achieved=achieved,
        note=note,
        version=version,
    )


# FR.IA.01 --------------------------------------------------------------------------------------


def test_it_records_a_new_answer_with_who_and_version_one(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    kuk = _criteria(assessment)[0]

    observation = _observe(assessment, assessor, kuk, achieved=True, note="  rapi  ")

    observation.refresh_from_db()
    assert (observation.achieved, observation.note, observation.version) == (True, "rapi", 1)
    assert observation.recorded_by == assessor
    history = observation.history.get()
    assert history.history_change_reason == "IA.01 recorded"
    assert history.history_user == assessor


def test_it_updates_an_answer_and_bumps_the_version(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    kuk = _criteria(assessment)[0]
    _observe(assessment, assessor, kuk, achieved=True)

    observation = _observe(assessment, assessor, kuk, achieved=False, note="ulang", version=1)

    observation.refresh_from_db()
    assert (observation.achieved, observation.note, observation.version) == (False, "ulang", 2)
    assert Observation.objects.filter(assessment=assessment).count() == 1
    assert observation.history.count() == 2


def test_a_save_against_a_stale_version_is_refused_and_names_the_stored_answer(
    assessor,
):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    kuk = _criteria(assessment)[0]
    _observe(assessment, assessor, kuk, achieved=True)
    _observe(assessment, assessor, kuk, achieved=True, note="sesuai SOP", version=1)

    with pytest.raises(services.EditConflict) as exc:
        _observe(assessment, assessor, kuk, achieved=False, version=1)

    assert exc.value.code == "conflict"
    assert exc.value.current.version == 2
    assert exc.value.current.note == "sesuai SOP"
    assert "Charlie Asesor" in exc.value.messages[0]
    stored = Observation.objects.get(assessment=assessment, criterion=kuk)
    assert (stored.achieved, stored.version) == (True, 2)


def test_two_first_answers_from_two_tabs_do_not_overwrite_each_other(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    kuk = _criteria(assessment)[0]
    _observe(assessment, assessor, kuk, achieved=True, version=0)

    with pytest.raises(services.EditConflict):
        _observe(assessment, assessor, kuk, achieved=False, version=0)

    assert Observation.objects.get(assessment=assessment, criterion=kuk).achieved is True


def test_the_same_answer_sent_again_with_a_stale_version_is_accepted_unchanged(assessor):
    # A resend after the first response was lost on the way back.
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    kuk = _criteria(assessment)[0]
    _observe(assessment, assessor, kuk, achieved=False, note="kurang teliti")

    observation = _observe(assessment, assessor, kuk, achieved=False, note="kurang teliti ")

    assert observation.version == 1
    assert observation.history.count() == 1


def test_a_kuk_of_another_scheme_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    foreign = Criterion.objects.filter(
        element__unit__scheme_units__group__version=make_scheme_version()
    ).first()

    with pytest.raises(ValidationError) as exc:
        _observe(assessment, assessor, foreign)

    assert exc.value.code == "criterion"
    assert not Observation.objects.exists()


@pytest.mark.parametrize("state", [S.SCHEDULED, S.CLEARED, S.RECOMMENDED, S.REPORTED])
def test_it_is_refused_outside_prepared_in_progress_and_reopened(assessor, state):
    assessment = assessor_assessment(state, assessor=assessor)

    with pytest.raises(ValidationError) as exc:
        _observe(assessment, assessor, _criteria(assessment)[0])

    assert exc.value.code == "wrong_state"
    assert not Observation.objects.exists()


@pytest.mark.parametrize("state", [S.PREPARED, S.REOPENED])
def test_the_first_save_starts_the_assessment_with_a_history_row(assessor, state):
    assessment = assessor_assessment(state, assessor=assessor)
    kuk, other = _criteria(assessment)[:2]
    before = assessment.history.count()

    _observe(assessment, assessor, kuk)
    _observe(assessment, assessor, other)

    assessment.refresh_from_db()
    assert assessment.state == S.IN_PROGRESS
    assert assessment.history.count() == before + 1  # the second save changed no state
    started = assessment.history.latest("history_id")
    assert (started.state, started.history_change_reason) == (S.IN_PROGRESS, "assessment started")
    assert started.history_user == assessor


def test_another_assessor_is_refused(assessor, other_assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    AssessorProfile.objects.get(user=other_assessor).scope.add(assessment.scheme_version.scheme_id)

    with pytest.raises(PermissionDenied):
        _observe(assessment, other_assessor, _criteria(assessment)[0])

    assert not Observation.objects.exists()


def test_an_assessor_whose_licence_ends_before_the_event_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    event_day = timezone.localdate(assessment.event.starts_at)
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=event_day - datetime.timedelta(days=1)
    )

    with pytest.raises(PermissionDenied, match="licence"):
        _observe(assessment, assessor, _criteria(assessment)[0])

    assert not Observation.objects.exists()


def test_an_assessor_without_the_scheme_in_scope_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    AssessorProfile.objects.get(user=assessor).scope.clear()

    with pytest.raises(PermissionDenied, match="scope"):
        _observe(assessment, assessor, _criteria(assessment)[0])


def test_a_declared_conflict_blocks_the_pairing(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    ImpartialityDeclaration.objects.filter(assessment=assessment).update(
        relationship=ImpartialityDeclaration.Relationship.FAMILY, note="Sepupu"
    )

    with pytest.raises(PermissionDenied, match="conflict"):
        _observe(assessment, assessor, _criteria(assessment)[0])

    assert not Observation.objects.exists()


def test_without_an_impartiality_declaration_nothing_is_recorded(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    ImpartialityDeclaration.objects.filter(assessment=assessment).delete()

    with pytest.raises(ValidationError) as exc:
        _observe(assessment, assessor, _criteria(assessment)[0])

    assert exc.value.code == "impartiality_missing"


# FR.IA.03 / IA.07 / IA.09 ----------------------------------------------------------------------


def _ask(assessment, actor, unit, **kwargs):
    data = {"instrument": "ia07", "question": "", "expected_answer": "", "answer": ""}
    data.update(kwargs)
    return services.question_record_save(
        assessment_id=assessment.pk, actor=actor, unit_id=unit.pk, **data
    )


def _bank(assessment, **kwargs) -> BankQuestion:
    data = {
        "scheme_id": assessment.scheme_version.scheme_id,
        "instrument": "ia07",
        "text": "Jelaskan perbedaan stack dan queue.",
        "expected_answer": "Stack LIFO, queue FIFO.",
    }
    data.update(kwargs)
    return BankQuestion.objects.create(**data)


def test_it_records_an_ad_hoc_question_with_the_answer(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    unit = _units(assessment)[0]

    record = _ask(
        assessment,
        assessor,
        unit,
        instrument="ia03",
        question=" Mengapa memakai array? ",
        expected_answer="Akses indeks cepat",
        answer="Karena cepat",
        achieved=True,
    )

    record.refresh_from_db()
    assert record.question == "Mengapa memakai array?"
    assert (record.instrument, record.unit, record.achieved) == ("ia03", unit, True)
    assert record.bank_question is None
    assert record.recorded_by == assessor


def test_a_bank_question_left_empty_takes_the_bank_wording(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    unit = _units(assessment)[0]
    bank = _bank(assessment, unit_code=unit.code)

    record = _ask(assessment, assessor, unit, bank_question_id=bank.pk, answer="LIFO dan FIFO")

    assert record.bank_question == bank
    assert record.question == bank.text
    assert record.expected_answer == bank.expected_answer


def test_a_bank_question_of_another_scheme_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    foreign = _bank(assessment, scheme_id=make_scheme_version().scheme_id)

    with pytest.raises(ValidationError) as exc:
        _ask(assessment, assessor, _units(assessment)[0], bank_question_id=foreign.pk)

    assert exc.value.code == "bank"
    assert not QuestionRecord.objects.exists()


@pytest.mark.parametrize("mismatch", ["instrument", "unit"])
def test_a_bank_question_for_another_instrument_or_unit_is_refused(assessor, mismatch):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    first, second = _units(assessment)
    bank = _bank(
        assessment,
        instrument="ia09" if mismatch == "instrument" else "ia07",
        unit_code=second.code if mismatch == "unit" else first.code,
    )

    with pytest.raises(ValidationError, match="another instrument or unit"):
        _ask(assessment, assessor, first, instrument="ia07", bank_question_id=bank.pk)


def test_a_retired_bank_question_cannot_be_asked_but_an_edit_keeps_it(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    unit = _units(assessment)[0]
    bank = _bank(assessment)
    record = _ask(assessment, assessor, unit, bank_question_id=bank.pk)
    BankQuestion.objects.filter(pk=bank.pk).update(active=False)

    with pytest.raises(ValidationError):
        _ask(assessment, assessor, unit, bank_question_id=bank.pk)
    edited = _ask(
        assessment, assessor, unit, bank_question_id=bank.pk, record_id=record.pk, achieved=True
    )

    assert (edited.pk, edited.bank_question_id, edited.achieved) == (record.pk, bank.pk, True)


def test_it_edits_a_recorded_question(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    unit = _units(assessment)[0]
    record = _ask(assessment, assessor, unit, question="Apa itu queue?")

    _ask(
        assessment,
        assessor,
        unit,
        question="Apa itu queue dan kapan dipakai?",
        answer="Antrian FIFO, untuk antrean cetak",
        achieved=False,
        record_id=record.pk,
    )

    record.refresh_from_db()
    assert record.question == "Apa itu queue dan kapan dipakai?"
    assert (record.answer, record.achieved) == ("Antrian FIFO, untuk antrean cetak", False)
    assert QuestionRecord.objects.count() == 1


def test_editing_a_question_of_another_assessment_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    other = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    foreign = _ask(other, assessor, _units(other)[0], question="Apa itu stack?")

    with pytest.raises(ValidationError) as exc:
        _ask(assessment, assessor, _units(assessment)[0], question="Diubah", record_id=foreign.pk)

    assert exc.value.code == "record"
    foreign.refresh_from_db()
    assert foreign.question == "Apa itu stack?"


@pytest.mark.parametrize("instrument", ["ia01", "ia05", "lisan"])
def test_an_instrument_other_than_ia03_ia07_ia09_is_refused(assessor, instrument):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)

    with pytest.raises(ValidationError) as exc:
        _ask(assessment, assessor, _units(assessment)[0], instrument=instrument, question="?")

    assert exc.value.code == "instrument"


def test_a_unit_of_another_scheme_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    foreign_unit = SchemeUnit.objects.filter(group__version=make_scheme_version()).first().unit

    with pytest.raises(ValidationError) as exc:
        _ask(assessment, assessor, foreign_unit, question="Apa itu stack?")

    assert exc.value.code == "unit"


def test_a_question_without_text_or_bank_is_refused(assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)

    with pytest.raises(ValidationError) as exc:
        _ask(assessment, assessor, _units(assessment)[0], question="   ")

    assert exc.value.code == "question"


def test_the_first_question_starts_a_prepared_assessment(assessor):
    assessment = assessor_assessment(S.PREPARED, assessor=assessor)

    _ask(assessment, assessor, _units(assessment)[0], question="Apa itu stack?")

    assessment.refresh_from_db()
    assert assessment.state == S.IN_PROGRESS
    assert assessment.history.filter(state=S.IN_PROGRESS).get().history_user == assessor


def test_questions_are_refused_after_the_recommendation(assessor):
    assessment = assessor_assessment(S.RECOMMENDED, assessor=assessor)

    with pytest.raises(ValidationError) as exc:
        _ask(assessment, assessor, _units(assessment)[0], question="Apa itu stack?")

    assert exc.value.code == "wrong_state"


def test_another_assessor_cannot_record_questions(assessor, other_assessor):
    assessment = assessor_assessment(S.IN_PROGRESS, assessor=assessor)

    with pytest.raises(PermissionDenied):
        _ask(assessment, other_assessor, _units(assessment)[0], question="Apa itu stack?")

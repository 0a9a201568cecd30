"""Decision letters (SK): a numbered batch of decisions, signed by the LSP head."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError

from certification.models import DecisionLetter
from certification.services_certification import decision_letter_create, decision_letter_sign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(db):
    return factories.UserFactory(is_lsp_head=True, full_name="Dr. Ketua")


@pytest.fixture
def decisions(decision_maker):
    return [
        factories.decided_with_decision(certified=True, decision_maker=decision_maker),
        factories.decided_with_decision(certified=False, decision_maker=decision_maker),
    ]


def _letter(actor, decisions, head, **kwargs) -> DecisionLetter:
    return decision_letter_create(
        actor=actor,
        decision_ids=[d.pk for d in decisions],
        signatory_id=head.pk,
        date=kwargs.pop("date", datetime.date(2026, 11, 20)),
        **kwargs,
    )


def test_a_letter_covers_the_chosen_decisions_with_a_number_from_the_pattern(
    decision_maker, decisions, head
):
    letter = _letter(decision_maker, decisions, head, note="Rapat pleno")

    assert letter.number == "001/SK/LSP/XI/2026"
    assert (letter.year, letter.sequence) == (2026, 1)
    assert set(letter.decisions.all()) == set(decisions)
    assert letter.signatory == head and letter.signed_at is None
    assert letter.history.get().history_change_reason == "decision letter prepared"
    for decision in decisions:
        decision.refresh_from_db()
        assert decision.letter == letter
        assert decision.history.first().history_change_reason.startswith("in decision letter")


def test_the_next_letter_of_the_year_takes_the_next_number(
    decision_maker, decisions, head, settings
):
    settings.KOMPETEN_DECISION_LETTER_NUMBER_PATTERN = "SK-{seq:04d}/{year}"
    first = _letter(decision_maker, decisions[:1], head)
    second = _letter(decision_maker, decisions[1:], head)
    next_year = _letter(
        decision_maker,
        [factories.decided_with_decision(decision_maker=decision_maker)],
        head,
        date=datetime.date(2027, 1, 2),
    )

    assert [first.number, second.number, next_year.number] == [
        "SK-0001/2026",
        "SK-0002/2026",
        "SK-0001/2027",
    ]


def test_a_decision_is_in_one_letter_only(decision_maker, decisions, head):
    _letter(decision_maker, decisions[:1], head)

    with pytest.raises(ValidationError) as info:
        _letter(decision_maker, decisions, head)

    assert info.value.code == "lettered"
    assert DecisionLetter.objects.count() == 1


def test_the_signatory_must_be_an_lsp_head(decision_maker, decisions, admin_user):
    with pytest.raises(ValidationError) as info:
        _letter(decision_maker, decisions, admin_user)

    assert info.value.code == "signatory"
    assert not DecisionLetter.objects.exists()


def test_only_decision_makers_and_admins_prepare_letters(decisions, head, assessor):
    with pytest.raises(PermissionDenied):
        _letter(assessor, decisions, head)
    assert not DecisionLetter.objects.exists()


def test_a_pattern_without_a_sequence_is_refused(decision_maker, decisions, head, settings):
    settings.KOMPETEN_DECISION_LETTER_NUMBER_PATTERN = "SK/{lsp}/{year}"

    with pytest.raises(ImproperlyConfigured, match="seq"):
        _letter(decision_maker, decisions, head)


def test_only_the_named_head_signs_and_only_once(decision_maker, decisions, head):
    letter = _letter(decision_maker, decisions, head)
    other_head = factories.UserFactory(is_lsp_head=True)

    with pytest.raises(PermissionDenied):
        decision_letter_sign(letter_id=letter.pk, actor=other_head)
    signed = decision_letter_sign(letter_id=letter.pk, actor=head)
    assert signed.signed_at is not None
    with pytest.raises(ValidationError):
        decision_letter_sign(letter_id=letter.pk, actor=head)

"""The certification records' named constraints hold in the database: decisions, letters,
certificates and their status changes, complaints and number sequences."""

import datetime
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from certification.models import (
    Certificate,
    CertificateStatusChange,
    CertificationDecision,
    Complaint,
    DecisionLetter,
    NumberSequence,
)
from tests import factories

pytestmark = pytest.mark.django_db


@contextmanager
def refused(constraint: str):
    """Expect the database to refuse the write, naming ``constraint`` where the backend does."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert constraint in message


@pytest.fixture
def decision():
    return factories.decided_with_decision(certified=True)


def _decision(assessment, **kwargs) -> CertificationDecision:
    fields = {
        "assessment": assessment,
        "scheme_version": assessment.scheme_version,
        "assessment_date": datetime.date(2026, 11, 3),
        "recommendation": "K",
        "outcome": "certified",
        "basis": "Pleno",
        "decided_by": factories.DecisionMakerUserFactory(),
    }
    return CertificationDecision.objects.create(**{**fields, **kwargs})


def _letter(**kwargs) -> DecisionLetter:
    fields = {
        "number": f"SK-{DecisionLetter.objects.count() + 1}",
        "year": 2026,
        "sequence": DecisionLetter.objects.count() + 1,
        "date": datetime.date(2026, 11, 20),
        "signatory": factories.UserFactory(is_lsp_head=True),
        "created_by": factories.AdminUserFactory(),
    }
    return DecisionLetter.objects.create(**{**fields, **kwargs})


def _certificate(decision, **kwargs) -> Certificate:
    n = Certificate.objects.count() + 1
    fields = {
        "decision": decision,
        "holder": decision.assessment.candidate,
        "holder_name": "Siti",
        "scheme_version": decision.scheme_version,
        "number": f"NO-{n}",
        "year": 2026,
        "sequence": n,
        "issued_on": datetime.date(2026, 11, 25),
        "valid_until": datetime.date(2029, 11, 25),
        "issued_by": factories.AdminUserFactory(),
        "token": f"token-{n}-" + "x" * 30,
    }
    return Certificate.objects.create(**{**fields, **kwargs})


def _complaint(**kwargs) -> Complaint:
    fields = {"name": "Budi", "email": "budi@example.test", "about": "lsp", "text": "Lambat"}
    return Complaint.objects.create(**{**fields, **kwargs})


# --- decisions -----------------------------------------------------------------------------------


@pytest.fixture
def reported():
    return factories.reported_with_units()


def test_a_decision_is_certified_or_not_certified(reported):
    with refused("decision_outcome_valid"):
        _decision(reported, outcome="maybe")
    assert _decision(reported, outcome="not_certified").pk


def test_the_recommendation_is_k_or_bk(reported):
    with refused("decision_recommendation_valid"):
        _decision(reported, recommendation="X", outcome="not_certified")
    assert _decision(reported, recommendation="BK", outcome="not_certified").pk


def test_a_decision_has_its_basis(reported):
    with refused("decision_basis_not_blank"):
        _decision(reported, basis="")
    assert _decision(reported).pk


def test_certified_needs_the_recommendation_k(reported):
    with refused("decision_certified_needs_k"):
        _decision(reported, recommendation="BK", outcome="certified")
    assert _decision(reported, recommendation="K", outcome="certified").pk


# --- decision letters and sequences --------------------------------------------------------------


def test_a_letter_number_is_unique_and_not_blank():
    _letter(number="001/SK/2026")
    with refused("decision_letter_number_unique"):
        _letter(number="001/SK/2026", sequence=9)
    with refused("decision_letter_number_not_blank"):
        _letter(number="", sequence=10)


def test_a_letter_sequence_is_unique_within_its_year():
    _letter(number="A", sequence=1)
    with refused("decision_letter_sequence_unique"):
        _letter(number="B", sequence=1)
    assert _letter(number="C", sequence=1, year=2027).pk


def test_one_sequence_per_kind_and_year():
    NumberSequence.objects.create(kind="certificate", year=2026)
    with refused("number_sequence_once_per_year"):
        NumberSequence.objects.create(kind="certificate", year=2026)
    assert NumberSequence.objects.create(kind="decision_letter", year=2026).pk


# --- certificates --------------------------------------------------------------------------------


def test_a_certificate_number_is_unique_and_not_blank(decision):
    _certificate(decision, number="00001/X/2026")
    other = factories.decided_with_decision()
    with refused("certificate_number_unique"):
        _certificate(other, number="00001/X/2026", sequence=5)
    with refused("certificate_number_not_blank"):
        _certificate(other, number="", sequence=6)


def test_a_certificate_sequence_is_unique_within_its_year(decision):
    _certificate(decision, sequence=1)
    other = factories.decided_with_decision()
    with refused("certificate_sequence_unique"):
        _certificate(other, sequence=1, number="OTHER")
    assert _certificate(other, sequence=1, year=2027, number="NEXT-YEAR").pk


def test_a_token_is_unique_and_not_blank(decision):
    _certificate(decision, token="t" * 32)
    other = factories.decided_with_decision()
    with refused("certificate_token_unique"):
        _certificate(other, token="t" * 32, number="B", sequence=8)
    with refused("certificate_token_not_blank"):
        _certificate(other, token="", number="C", sequence=9)


def test_bnsp_and_blank_numbers_are_unique_once_given(decision):
    _certificate(decision, bnsp_registration_number="REG-1", blank_number="B-1")
    other = factories.decided_with_decision()
    with refused("certificate_bnsp_number_unique"):
        _certificate(other, bnsp_registration_number="REG-1", number="X", sequence=7)
    with refused("certificate_blank_number_unique"):
        _certificate(other, blank_number="B-1", number="Y", sequence=8)
    # Blank until BNSP gives them: any number of certificates may wait.
    assert _certificate(other, number="Z", sequence=9).pk


def test_a_certificate_is_valid_after_its_issue_date(decision):
    with refused("certificate_valid_after_issue"):
        _certificate(decision, valid_until=datetime.date(2026, 11, 25))
    assert _certificate(decision).pk


def test_a_certificate_state_is_one_of_the_five(decision):
    with refused("certificate_state_valid"):
        _certificate(decision, state="revoked")
    assert _certificate(decision, state="expired").pk


def test_a_status_change_has_its_reason_and_a_real_state(decision):
    certificate = _certificate(decision)
    with refused("certificate_change_reason_not_blank"):
        CertificateStatusChange.objects.create(
            certificate=certificate, to_state="suspended", reason=""
        )
    with refused("certificate_change_to_state_valid"):
        CertificateStatusChange.objects.create(
            certificate=certificate, to_state="paused", reason="x"
        )
    assert CertificateStatusChange.objects.create(
        certificate=certificate, to_state="suspended", reason="Diperiksa"
    ).pk


# --- complaints ----------------------------------------------------------------------------------


def test_a_complaint_has_a_name_and_a_text():
    with refused("complaint_text_not_blank"):
        _complaint(text="")
    with refused("complaint_name_not_blank"):
        _complaint(name="")
    assert _complaint().pk


def test_a_complaint_status_is_one_of_the_three():
    with refused("complaint_status_valid"):
        _complaint(status="closed", handler=factories.AdminUserFactory())
    assert _complaint(status="received").pk


def test_a_complaint_in_handling_has_its_handler():
    with refused("complaint_handled_has_handler"):
        _complaint(status="in_handling")
    assert _complaint(status="in_handling", handler=factories.AdminUserFactory()).pk


def test_an_answered_complaint_has_its_answer_and_time():
    handler = factories.AdminUserFactory()
    with refused("complaint_answered_has_answer"):
        _complaint(status="answered", handler=handler, answered_at=timezone.now())
    with refused("complaint_answered_has_answer"):
        _complaint(status="answered", handler=handler, answer="Sudah ditangani")
    assert _complaint(
        status="answered", handler=handler, answer="Sudah", answered_at=timezone.now()
    ).pk

"""The benchmark's dataset builder at a tiny scale: it must keep producing complete, valid
records as the models change (make bench would otherwise rot unnoticed)."""

import pytest
from django.test import Client

from assessments.models import (
    Assessment,
    CandidateProfile,
    Evidence,
    Observation,
    SelfAssessment,
    UnitDecision,
)
from bench import dataset
from certification.models import Appeal, Certificate, CertificationDecision, DecisionLetter, User
from schemes.models import Criterion, SchemeUnit

pytestmark = pytest.mark.django_db


def test_it_builds_every_kind_of_row_at_tiny_scale():
    scale = dataset.SCALES["tiny"]

    ds = dataset.build("tiny")

    kuk_per_scheme = scale.units * scale.elements * scale.criteria
    assert Criterion.objects.count() == scale.schemes * kuk_per_scheme
    assert SchemeUnit.objects.count() == scale.schemes * scale.units
    assert User.objects.filter(is_candidate=True).count() == scale.candidates
    assert CandidateProfile.objects.count() == scale.candidates
    assert User.objects.filter(is_assessor=True).count() == scale.assessors
    assert Assessment.objects.count() == scale.assessments
    assert Certificate.objects.count() == scale.certificates
    in_events = Assessment.objects.filter(event__isnull=False)
    # An observation for every KUK of every scheduled assessment, APL.02 for every element.
    assert Observation.objects.count() == in_events.count() * kuk_per_scheme
    assert SelfAssessment.objects.count() == scale.assessments * scale.units * scale.elements
    assert Evidence.objects.count() == scale.assessments * 2
    assert Assessment.objects.filter(event_id=ds.event_id).count() == dataset.MATRIX
    decided = Assessment.objects.filter(state=Assessment.State.DECIDED)
    assert CertificationDecision.objects.count() == decided.count()
    assert UnitDecision.objects.filter(outcome="BK").count() == (
        CertificationDecision.objects.filter(outcome="not_certified").count()
    )
    assert Assessment.objects.filter(state=Assessment.State.SUBMITTED).count() == (
        scale.assessments // 10
    )
    assert DecisionLetter.objects.count() == 1
    assert not CertificationDecision.objects.filter(letter__isnull=True).exists()
    assert Appeal.objects.count() == 1
    assert ds.counts["assessments.Observation"] == Observation.objects.count()


def test_the_ids_it_reports_are_the_ones_read_back():
    built = dataset.build("tiny")

    found = dataset.lookup()

    for name in ("assessor_id", "event_id", "matrix_assessment_id", "tracked_assessment_id"):
        assert getattr(found, name) == getattr(built, name), name
    assert found.certificate_token == built.certificate_token
    assert found.reported_assessment_id == built.reported_assessment_id


def test_its_certificate_verifies_publicly_and_new_rows_get_fresh_ids():
    ds = dataset.build("tiny")

    response = Client().get(f"/verify/c/{ds.certificate_token}/")

    assert response.status_code == 200
    assert "Asesi Nama Lengkap" in response.content.decode()
    # Sequences were moved past the ids the builder chose.
    assert User.objects.create_user("new@example.com", full_name="Baru").pk > ds.candidate_id

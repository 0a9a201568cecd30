"""decision_make (the pleno): who may decide, on what, and what it records."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import Assessment, ImpartialityDeclaration, Notification
from certification import rules
from certification.models import CertificationDecision
from certification.services_certification import decision_make, recommendation_for
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State
BASIS = "Rapat pleno 20 November: rekomendasi K diterima."


def _decide(assessment, actor, *, certified=True, basis=BASIS) -> CertificationDecision:
    return decision_make(assessment_id=assessment.pk, actor=actor, certified=certified, basis=basis)


def _nothing_recorded(assessment) -> None:
    assessment.refresh_from_db()
    assert assessment.state == S.REPORTED
    assert not CertificationDecision.objects.filter(assessment=assessment).exists()


def test_a_decision_maker_certifies_a_candidate_whose_units_are_all_k(decision_maker):
    assessment = factories.reported_with_units(units=3)

    decision = _decide(assessment, decision_maker)

    decision.refresh_from_db()
    assessment.refresh_from_db()
    assert assessment.state == S.DECIDED
    assert decision.outcome == CertificationDecision.Outcome.CERTIFIED
    assert decision.recommendation == "K"
    assert decision.decided_by == decision_maker
    assert decision.basis == BASIS
    assert decision.scheme_version_id == assessment.scheme_version_id
    assert decision.assessment_date == assessment.event.local_starts_at.date()
    assert decision.letter is None
    row = decision.history.get()
    assert row.history_change_reason == "certification decision: certified"
    assert row.history_user == decision_maker
    assert assessment.history.first().history_user == decision_maker
    notice = Notification.objects.filter(recipient=assessment.candidate).first()
    assert notice.url == f"/assessments/{assessment.pk}/"


def test_a_candidate_with_a_bk_unit_is_decided_not_certified(decision_maker):
    assessment = factories.reported_with_units(units=2, outcomes=["K", "BK"])

    decision = _decide(assessment, decision_maker, certified=False)

    assert decision.outcome == CertificationDecision.Outcome.NOT_CERTIFIED
    assert decision.recommendation == "BK"
    assessment.refresh_from_db()
    assert assessment.state == S.DECIDED


@pytest.mark.parametrize("outcomes", [["K", "BK"], ["K", None]], ids=["bk-unit", "undecided"])
def test_certified_is_refused_unless_every_unit_is_k(decision_maker, outcomes):
    assessment = factories.reported_with_units(units=2, outcomes=outcomes)
    assert recommendation_for(assessment) == "BK"

    with pytest.raises(ValidationError) as info:
        _decide(assessment, decision_maker, certified=True)

    assert info.value.code == "not_all_k"
    _nothing_recorded(assessment)


def test_the_assessor_of_the_candidate_can_never_decide(decision_maker):
    assessor = factories.AssessorProfileFactory(user__is_decision_maker=True).user
    assessment = factories.reported_with_units(assessor=assessor)

    with pytest.raises(PermissionDenied, match="assessor of this candidate"):
        _decide(assessment, assessor)

    _nothing_recorded(assessment)


def test_someone_who_assessed_the_candidate_before_cannot_decide_either():
    earlier_assessor = factories.AssessorProfileFactory(user__is_decision_maker=True).user
    earlier = factories.assessment_in_state(S.DECIDED, assessor=earlier_assessor)
    assessment = factories.reported_with_units(candidate=earlier.candidate)

    with pytest.raises(PermissionDenied, match="assessor of this candidate"):
        _decide(assessment, earlier_assessor)

    _nothing_recorded(assessment)


def test_a_declared_relationship_with_the_candidate_blocks_the_decision():
    # The trainer declared the conflict when first assigned; the admin then moved the candidate
    # to another assessor, so the trainer never assessed them.
    trainer = factories.AssessorProfileFactory(user__is_decision_maker=True).user
    assessment = factories.reported_with_units()
    ImpartialityDeclaration.objects.create(
        event=assessment.event,
        assessor=trainer,
        assessment=assessment,
        relationship="trainer",
        note="Saya melatih peserta ini.",
    )

    with pytest.raises(PermissionDenied, match="declared a relationship"):
        _decide(assessment, trainer)

    _nothing_recorded(assessment)


def test_the_admins_of_an_assignment_override_cannot_decide():
    from assessments.models import AssignmentOverride

    assessment = factories.reported_with_units()
    assigner, approver = (
        factories.AdminUserFactory(is_decision_maker=True),
        factories.AdminUserFactory(is_decision_maker=True),
    )
    AssignmentOverride.objects.create(
        assessment=assessment,
        assessor=assessment.assessor,
        assigned_by=assigner,
        approved_by=approver,
        reason="Tidak ada asesor lain untuk skema ini.",
    )

    for admin in (assigner, approver):
        with pytest.raises(PermissionDenied, match="overriding a conflict"):
            _decide(assessment, admin)

    _nothing_recorded(assessment)
    assert _decide(assessment, factories.DecisionMakerUserFactory()).pk


def test_any_model_listed_as_an_override_record_counts(monkeypatch):
    # The override record arrives with the admin console; any model with an ``assessment``
    # foreign key listed in OVERRIDE_MODELS counts. An impartiality declaration stands in here.
    admin_and_committee = factories.AssessorProfileFactory(
        user__is_lsp_admin=True, user__is_decision_maker=True
    ).user
    assessment = factories.reported_with_units()
    ImpartialityDeclaration.objects.create(
        event=assessment.event,
        assessor=admin_and_committee,
        assessment=assessment,
        relationship="none",
    )
    monkeypatch.setattr(rules, "OVERRIDE_MODELS", ("assessments.ImpartialityDeclaration",))

    with pytest.raises(PermissionDenied, match="overriding a conflict"):
        _decide(assessment, admin_and_committee)

    _nothing_recorded(assessment)


def test_a_registered_involvement_check_refuses_the_decision(monkeypatch, decision_maker):
    monkeypatch.setattr(rules, "_involvement_checks", [])
    rules.register_involvement_check(
        lambda user, assessment: "Trained this candidate." if user == decision_maker else None
    )
    assessment = factories.reported_with_units()

    with pytest.raises(PermissionDenied, match="Trained this candidate."):
        _decide(assessment, decision_maker)

    _nothing_recorded(assessment)


def test_nobody_decides_on_their_own_certification():
    assessment = factories.reported_with_units()
    candidate = assessment.candidate
    candidate.is_decision_maker = True
    candidate.save()

    with pytest.raises(PermissionDenied, match="their own certification"):
        _decide(assessment, candidate)

    _nothing_recorded(assessment)


def test_only_a_decision_maker_decides(admin_user):
    assessment = factories.reported_with_units()

    with pytest.raises(PermissionDenied, match="decision committee"):
        _decide(assessment, admin_user)

    _nothing_recorded(assessment)


@pytest.mark.parametrize("state", [S.IN_PROGRESS, S.RECOMMENDED, S.REOPENED])
def test_only_a_reported_assessment_can_be_decided(decision_maker, state):
    assessment = factories.assessment_in_state(state)

    with pytest.raises(ValidationError) as info:
        _decide(assessment, decision_maker, certified=False)

    assert info.value.code == "wrong_state"
    assert not CertificationDecision.objects.exists()


def test_a_decision_needs_its_basis(decision_maker):
    assessment = factories.reported_with_units()

    with pytest.raises(ValidationError) as info:
        _decide(assessment, decision_maker, basis="   ")

    assert info.value.code == "basis"
    _nothing_recorded(assessment)


def test_a_decided_assessment_is_not_decided_twice(decision_maker):
    assessment = factories.reported_with_units()
    _decide(assessment, decision_maker)

    with pytest.raises(ValidationError):
        _decide(assessment, factories.DecisionMakerUserFactory(), certified=False)

    assert CertificationDecision.objects.get().outcome == "certified"

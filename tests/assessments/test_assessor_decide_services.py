"""Services of the decision and feedback steps: unit_decide (FR.AK.02), feedback_save,
recommendation_problems / recommendation_submit, and reassessment_create."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services
from assessments.models import (
    Assessment,
    AssessorFeedback,
    Notification,
    UnitDecision,
)
from schemes.models import Criterion, SchemeUnit
from tests import factories

S = Assessment.State
K, BK = UnitDecision.Outcome.K, UnitDecision.Outcome.BK
OBS = UnitDecision.Source.OBSERVATION
pytestmark = pytest.mark.django_db


def _units(assessment: Assessment) -> list[int]:
    return list(
        SchemeUnit.objects.filter(group__version=assessment.scheme_version_id)
        .order_by("position")
        .values_list("unit_id", flat=True)
    )


def _kuk(unit_id: int) -> list[Criterion]:
    return list(
        Criterion.objects.filter(element__unit_id=unit_id).order_by("element__number", "position")
    )


def _observe(assessment, criteria, achieved=True):
    for criterion in criteria:
        services.observation_save(
            assessment_id=assessment.pk,
            actor=assessment.assessor,
            criterion_id=criterion.pk,
            achieved=achieved,
        )


def _decide(assessment, unit_id, outcome=K, sources=(OBS,), **kwargs):
    return services.unit_decide(
        assessment_id=assessment.pk,
        actor=assessment.assessor,
        unit_id=unit_id,
        outcome=outcome,
        sources=list(sources),
        **kwargs,
    )


@pytest.fixture
def running(assessor):
    return factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)


# FR.AK.02 ---------------------------------------------------------------------------------------


def test_k_is_recorded_when_every_kuk_is_observed_ya(running):
    unit = _units(running)[0]
    _observe(running, _kuk(unit))
    decision = _decide(running, unit, reason="  ", follow_up="ignored for K")
    assert decision.outcome == K and decision.sources == [OBS]
    assert decision.follow_up == "" and decision.decided_by == running.assessor
    assert decision.history.first().history_change_reason == "AK.02 unit decided K"


def test_k_is_refused_when_a_kuk_was_observed_tidak(running):
    unit = _units(running)[0]
    kuk = _kuk(unit)
    _observe(running, kuk[1:])
    _observe(running, kuk[:1], achieved=False)
    with pytest.raises(ValidationError) as caught:
        _decide(running, unit)
    assert caught.value.code == "kuk_failed"
    assert not UnitDecision.objects.exists()


def test_k_is_refused_while_a_kuk_has_neither_observation_nor_evidence(running):
    unit = _units(running)[0]
    _observe(running, _kuk(unit)[:-1])
    with pytest.raises(ValidationError) as caught:
        _decide(running, unit)
    assert caught.value.code == "kuk_uncovered"
    assert "1 KUK" in caught.value.messages[0]


def test_k_is_allowed_when_vatm_evidence_covers_the_kuk_not_observed(running):
    unit = _units(running)[0]
    kuk = _kuk(unit)
    _observe(running, kuk[:2])
    evidence = factories.EvidenceFactory(assessment=running)
    services.evidence_review_save(
        evidence_id=evidence.pk,
        actor=running.assessor,
        valid=True,
        authentic=True,
        current=True,
        sufficient=True,
        criterion_ids=[c.pk for c in kuk[2:]],
        version=0,
    )
    decision = _decide(running, unit, sources=[OBS, UnitDecision.Source.PORTFOLIO])
    assert decision.outcome == K


def test_evidence_short_of_vatm_does_not_cover_a_kuk(running):
    unit = _units(running)[0]
    kuk = _kuk(unit)
    _observe(running, kuk[:-1])
    evidence = factories.EvidenceFactory(assessment=running)
    services.evidence_review_save(
        evidence_id=evidence.pk,
        actor=running.assessor,
        valid=True,
        authentic=True,
        current=False,
        sufficient=True,
        criterion_ids=[kuk[-1].pk],
        version=0,
    )
    with pytest.raises(ValidationError, match="1 KUK"):
        _decide(running, unit)


@pytest.mark.parametrize(
    ("reason", "follow_up"), [("", "Ulangi elemen 2"), ("Belum konsisten", ""), (" ", " ")]
)
def test_bk_needs_the_reason_and_the_follow_up(running, reason, follow_up):
    unit = _units(running)[0]
    with pytest.raises(ValidationError) as caught:
        _decide(running, unit, BK, reason=reason, follow_up=follow_up)
    assert caught.value.code == "bk_reason"
    assert not UnitDecision.objects.exists()


def test_bk_with_reason_and_follow_up_is_recorded_and_can_be_changed_later(running):
    unit = _units(running)[0]
    _decide(running, unit, BK, reason="KUK 1.1 belum tampak", follow_up="Ulangi elemen 1")
    _observe(running, _kuk(unit))
    decision = _decide(running, unit, K)
    assert decision.outcome == K and decision.reason == ""
    assert UnitDecision.objects.filter(assessment=running).count() == 1
    assert [h.outcome for h in decision.history.order_by("history_date")] == [BK, K]


def test_a_decision_names_the_evidence_used(running):
    unit = _units(running)[0]
    for sources in ([], ["telepati"]):
        with pytest.raises(ValidationError) as caught:
            _decide(running, unit, BK, sources=sources, reason="x", follow_up="y")
        assert caught.value.code == "sources"


def test_a_unit_of_another_scheme_is_refused(running):
    foreign = factories.make_unit()
    with pytest.raises(ValidationError) as caught:
        _decide(running, foreign.pk, BK, reason="x", follow_up="y")
    assert caught.value.code == "unit"


def test_no_decision_before_the_assessment_is_under_way(assessor):
    prepared = factories.assessor_assessment(S.PREPARED, assessor=assessor)
    with pytest.raises(ValidationError) as caught:
        _decide(prepared, _units(prepared)[0], BK, reason="x", follow_up="y")
    assert caught.value.code == "wrong_state"


def test_another_assessor_cannot_decide(running, other_assessor):
    with pytest.raises(PermissionDenied):
        services.unit_decide(
            assessment_id=running.pk,
            actor=other_assessor,
            unit_id=_units(running)[0],
            outcome=BK,
            sources=[OBS],
            reason="x",
            follow_up="y",
        )


def test_a_decision_on_a_reopened_record_restarts_it(assessor):
    reopened = factories.assessor_assessment(S.REOPENED, assessor=assessor)
    _decide(reopened, _units(reopened)[0], BK, reason="Koreksi", follow_up="Elemen 1")
    reopened.refresh_from_db()
    assert reopened.state == S.IN_PROGRESS


# Feedback and the recommendation ----------------------------------------------------------------


def _complete(assessment, outcomes=(K, K)):
    for unit, outcome in zip(_units(assessment), outcomes, strict=True):
        if outcome == K:
            _observe(assessment, _kuk(unit))
            _decide(assessment, unit, K)
        else:
            _decide(assessment, unit, BK, reason="Belum konsisten", follow_up="Ulangi unit")
        services.feedback_save(
            assessment_id=assessment.pk,
            actor=assessment.assessor,
            unit_id=unit,
            strengths="Anda menunjukkan langkah kerja yang runtut.",
            gaps="",
        )


def test_feedback_needs_the_strengths(running):
    with pytest.raises(ValidationError) as caught:
        services.feedback_save(
            assessment_id=running.pk,
            actor=running.assessor,
            unit_id=_units(running)[0],
            strengths="  ",
            gaps="Latih lagi",
        )
    assert caught.value.code == "strengths"
    assert not AssessorFeedback.objects.exists()


def test_the_recommendation_needs_every_unit_decided_and_its_feedback(running):
    units = _units(running)
    problems = services.recommendation_problems(running)
    assert len(problems) == 2
    _observe(running, _kuk(units[0]))
    _decide(running, units[0])
    services.feedback_save(
        assessment_id=running.pk, actor=running.assessor, unit_id=units[0], strengths="Baik"
    )
    assert len(services.recommendation_problems(running)) == 2  # unit 2 undecided, no feedback
    with pytest.raises(ValidationError) as caught:
        services.recommendation_submit(assessment_id=running.pk, actor=running.assessor)
    assert caught.value.messages == services.recommendation_problems(running)
    running.refresh_from_db()
    assert running.state == S.IN_PROGRESS


def test_a_k_unit_whose_kuk_turned_tidak_must_be_decided_again(running):
    _complete(running)
    unit = _units(running)[0]
    assert services.recommendation_problems(running) == []
    _observe(running, _kuk(unit)[:1], achieved=False)
    problems = services.recommendation_problems(running)
    assert len(problems) == 1 and "Decide again" in problems[0]


def test_the_recommendation_is_sent_and_the_candidate_told(running):
    _complete(running, (K, BK))
    assessment = services.recommendation_submit(assessment_id=running.pk, actor=running.assessor)
    assert assessment.state == S.RECOMMENDED
    notice = Notification.objects.get(
        recipient=running.candidate, title="Your assessor's feedback is ready"
    )
    assert notice.url == f"/assessments/{running.pk}/feedback/"
    # After the recommendation the units are final.
    with pytest.raises(ValidationError) as caught:
        _decide(running, _units(running)[1], K)
    assert caught.value.code == "wrong_state"


# Reassessment -----------------------------------------------------------------------------------


@pytest.fixture
def decided_bk(assessor, admin_user, decision_maker):
    assessment = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    _complete(assessment, (K, BK))
    services.recommendation_submit(assessment_id=assessment.pk, actor=assessor)
    services.report_submit(assessment_id=assessment.pk, actor=assessor)
    services.assessment_decide(assessment_id=assessment.pk, actor=decision_maker)
    assessment.refresh_from_db()
    return assessment


def test_a_reassessment_is_a_new_linked_draft_and_leaves_the_decided_record_untouched(
    decided_bk, admin_user
):
    bk_unit = _units(decided_bk)[1]
    history_before = decided_bk.history.count()
    decisions_before = list(
        UnitDecision.objects.filter(assessment=decided_bk).values_list("unit_id", "outcome")
    )
    new = services.reassessment_create(
        assessment_id=decided_bk.pk, actor=admin_user, unit_ids=[bk_unit]
    )
    assert new.pk != decided_bk.pk and new.previous == decided_bk
    assert new.state == S.DRAFT and new.candidate == decided_bk.candidate
    assert new.scheme_version == decided_bk.scheme_version
    code = SchemeUnit.objects.get(unit_id=bk_unit).unit.code
    assert code in new.state_note
    assert new.history.first().history_change_reason == f"reassessment of #{decided_bk.pk} opened"
    old = Assessment.objects.get(pk=decided_bk.pk)
    assert old.state == S.DECIDED and old.history.count() == history_before
    assert (
        list(UnitDecision.objects.filter(assessment=old).values_list("unit_id", "outcome"))
        == decisions_before
    )
    assert Notification.objects.filter(
        recipient=decided_bk.candidate, title="A reassessment was opened for you"
    ).exists()


def test_a_reassessment_is_opened_only_by_an_lsp_admin(decided_bk):
    for actor in (decided_bk.assessor, decided_bk.candidate):
        with pytest.raises(PermissionDenied):
            services.reassessment_create(
                assessment_id=decided_bk.pk, actor=actor, unit_ids=[_units(decided_bk)[1]]
            )
    assert not Assessment.objects.filter(previous=decided_bk).exists()


def test_a_reassessment_covers_only_units_decided_bk(decided_bk, admin_user):
    k_unit, bk_unit = _units(decided_bk)
    for unit_ids in ([], [k_unit], [bk_unit, k_unit]):
        with pytest.raises(ValidationError) as caught:
            services.reassessment_create(
                assessment_id=decided_bk.pk, actor=admin_user, unit_ids=unit_ids
            )
        assert caught.value.code == "units"
    assert not Assessment.objects.filter(previous=decided_bk).exists()


def test_a_reassessment_needs_a_decided_record_with_a_bk_unit(assessor, admin_user):
    reported = factories.assessor_assessment(S.REPORTED, assessor=assessor)
    with pytest.raises(ValidationError) as caught:
        services.reassessment_create(assessment_id=reported.pk, actor=admin_user, unit_ids=[1])
    assert caught.value.code == "wrong_state"
    all_k = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    _complete(all_k)
    services.recommendation_submit(assessment_id=all_k.pk, actor=assessor)
    services.report_submit(assessment_id=all_k.pk, actor=assessor)
    services.assessment_decide(assessment_id=all_k.pk, actor=factories.DecisionMakerUserFactory())
    with pytest.raises(ValidationError) as caught:
        services.reassessment_create(
            assessment_id=all_k.pk, actor=admin_user, unit_ids=_units(all_k)
        )
    assert caught.value.code == "no_bk"


def test_only_one_reassessment_is_open_at_a_time(decided_bk, admin_user):
    bk_unit = _units(decided_bk)[1]
    services.reassessment_create(assessment_id=decided_bk.pk, actor=admin_user, unit_ids=[bk_unit])
    with pytest.raises(ValidationError) as caught:
        services.reassessment_create(
            assessment_id=decided_bk.pk, actor=admin_user, unit_ids=[bk_unit]
        )
    assert caught.value.code == "already_open"

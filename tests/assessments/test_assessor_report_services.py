"""Services of the report step: report_submit (the record becomes read-only) and
event_report_save (FR.AK.05, submitted once every candidate's record is)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    EventReport,
    ImpartialityDeclaration,
    UnitDecision,
)
from schemes.models import SchemeUnit
from tests import factories

S = Assessment.State
pytestmark = pytest.mark.django_db
TEXT = {
    "positive_aspects": " Asesi hadir tepat waktu. ",
    "negative_aspects": "",
    "rejections": "Tidak ada.",
    "suggestions": "Tambah komputer cadangan.",
}


def _units(assessment):
    return list(
        SchemeUnit.objects.filter(group__version=assessment.scheme_version_id).values_list(
            "unit_id", flat=True
        )
    )


@pytest.fixture
def recommended(assessor):
    return factories.assessor_assessment(S.RECOMMENDED, assessor=assessor)


def test_submitting_the_record_locks_it(recommended):
    assessment = services.report_submit(assessment_id=recommended.pk, actor=recommended.assessor)
    assert assessment.state == S.REPORTED and assessment.is_locked
    assert assessment.reported_at is not None
    assert assessment.history.first().history_change_reason == "report submitted; record locked"


def test_after_the_report_every_write_to_the_record_is_refused(recommended):
    services.report_submit(assessment_id=recommended.pk, actor=recommended.assessor)
    actor, pk, unit = recommended.assessor, recommended.pk, _units(recommended)[0]
    evidence = factories.EvidenceFactory(assessment=recommended)
    writes = [
        lambda: services.unit_decide(
            assessment_id=pk,
            actor=actor,
            unit_id=unit,
            outcome="BK",
            sources=["observasi"],
            reason="x",
            follow_up="y",
        ),
        lambda: services.feedback_save(assessment_id=pk, actor=actor, unit_id=unit, strengths="x"),
        lambda: services.evidence_review_save(
            evidence_id=evidence.pk,
            actor=actor,
            valid=True,
            authentic=True,
            current=True,
            sufficient=True,
        ),
        lambda: services.third_party_save(assessment_id=pk, actor=actor, data={}),
        lambda: services.recommendation_submit(assessment_id=pk, actor=actor),
        lambda: services.report_submit(assessment_id=pk, actor=actor),
    ]
    for write in writes:
        with pytest.raises(ValidationError) as caught:
            write()
        assert caught.value.code == "wrong_state"
    assert not UnitDecision.objects.filter(assessment_id=pk).exists()


def test_the_record_is_submitted_only_after_the_recommendation(assessor):
    running = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    with pytest.raises(ValidationError) as caught:
        services.report_submit(assessment_id=running.pk, actor=assessor)
    assert caught.value.code == "wrong_state"


def test_another_assessor_cannot_submit_the_record(recommended, other_assessor):
    with pytest.raises(PermissionDenied):
        services.report_submit(assessment_id=recommended.pk, actor=other_assessor)
    recommended.refresh_from_db()
    assert recommended.state == S.RECOMMENDED


# FR.AK.05 ---------------------------------------------------------------------------------------


def test_the_event_report_is_saved_as_a_draft_while_records_are_open(assessor):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.IN_PROGRESS])
    report = services.event_report_save(event_id=event.pk, actor=assessor, data=TEXT)
    assert report.positive_aspects == "Asesi hadir tepat waktu." and report.submitted_at is None
    report = services.event_report_save(
        event_id=event.pk, actor=assessor, data={**TEXT, "suggestions": "Lain"}
    )
    assert EventReport.objects.get().suggestions == "Lain"


@pytest.mark.parametrize("open_state", [S.PREPARED, S.IN_PROGRESS, S.RECOMMENDED, S.REOPENED])
def test_the_event_report_is_not_submitted_while_a_candidate_is_open(assessor, open_state):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.REPORTED, open_state])
    with pytest.raises(ValidationError) as caught:
        services.event_report_save(event_id=event.pk, actor=assessor, data=TEXT, submit=True)
    assert caught.value.code == "open"
    assert not EventReport.objects.filter(submitted_at__isnull=False).exists()


def test_the_event_report_is_submitted_once_every_record_is_and_then_final(assessor):
    event, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.REPORTED, S.DECIDED, S.ABSENT]
    )
    report = services.event_report_save(event_id=event.pk, actor=assessor, data=TEXT, submit=True)
    assert report.submitted_at is not None
    with pytest.raises(ValidationError) as caught:
        services.event_report_save(event_id=event.pk, actor=assessor, data={})
    assert caught.value.code == "submitted"
    report.refresh_from_db()
    assert report.rejections == "Tidak ada."


def test_a_candidate_with_a_declared_conflict_does_not_hold_the_report(assessor):
    event, (done, conflicted) = factories.event_with_candidates(
        assessor=assessor, states=[S.REPORTED, S.PREPARED], declare=False
    )
    ImpartialityDeclaration.objects.create(
        event=event,
        assessor=assessor,
        assessment=done,
        relationship=ImpartialityDeclaration.Relationship.NONE,
    )
    ImpartialityDeclaration.objects.create(
        event=event,
        assessor=assessor,
        assessment=conflicted,
        relationship=ImpartialityDeclaration.Relationship.FAMILY,
        note="Sepupu",
    )
    report = services.event_report_save(event_id=event.pk, actor=assessor, data=TEXT, submit=True)
    assert report.submitted_at is not None


def test_only_an_assessor_of_the_event_reports_on_it(assessor, other_assessor):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.REPORTED])
    with pytest.raises(PermissionDenied):
        services.event_report_save(event_id=event.pk, actor=other_assessor, data=TEXT)
    assert not EventReport.objects.exists()


def test_the_report_is_due_days_after_the_event(assessor, settings):
    settings.KOMPETEN_REPORT_DUE_DAYS = 2
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.REPORTED])
    ends = timezone.localdate(event.ends_at, event.tuk.tzinfo)
    assert services.due_date_for(event) == ends + datetime.timedelta(days=2)

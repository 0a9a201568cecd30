"""services.attendance_mark: the daftar hadir of an event, by its assessor, audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessorProfile, ImpartialityDeclaration
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


def _started() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=30)


def test_it_records_attendance_with_an_audit_row(assessor):
    event, (a, b) = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED, S.PREPARED], starts_at=_started()
    )
    marked = services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])
    assert [m.pk for m in marked] == [a.pk]
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.attended_at is not None and b.attended_at is None
    row = a.history.first()
    assert row.history_change_reason == "attendance recorded" and row.history_user == assessor
    assert row.attended_at == a.attended_at


def test_it_keeps_the_first_time_when_marked_twice(assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])
    a.refresh_from_db()
    first = a.attended_at
    assert services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk]) == []
    a.refresh_from_db()
    assert a.attended_at == first


def test_it_refuses_before_the_event_day(assessor):
    event, (a,) = factories.event_with_candidates(assessor=assessor, states=[S.CLEARED])
    with pytest.raises(ValidationError) as caught:
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])
    assert caught.value.code == "too_early"


@pytest.mark.parametrize(("zone", "allowed"), [("Asia/Jayapura", True), ("Asia/Jakarta", False)])
def test_it_counts_the_day_in_the_tuks_time_zone(assessor, monkeypatch, zone, allowed):
    """At 16:30 UTC it is already the next day in Jayapura (WIT, 01:30) but not yet in Jakarta
    (WIB, 23:30): an event on that next day has its day in Jayapura only."""
    from assessments.models import TUK

    starts = datetime.datetime(2031, 6, 2, 0, 0, tzinfo=datetime.UTC)
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=starts
    )
    TUK.objects.filter(pk=event.tuk_id).update(time_zone=zone)
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=datetime.date(2032, 1, 1)
    )
    now = datetime.datetime(2031, 6, 1, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    if allowed:
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])
        a.refresh_from_db()
        assert a.attended_at == now
    else:
        with pytest.raises(ValidationError):
            services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])


def test_it_refuses_an_empty_choice(assessor):
    event, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    with pytest.raises(ValidationError):
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[])


def test_it_refuses_a_candidate_of_another_event(assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    _other, (b,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    with pytest.raises(PermissionDenied):
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk, b.pk])
    assert not Assessment.objects.filter(attended_at__isnull=False).exists()


def test_it_refuses_an_assessor_not_assigned(assessor, other_assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    with pytest.raises(PermissionDenied):
        services.attendance_mark(event_id=event.pk, actor=other_assessor, assessment_ids=[a.pk])


def test_it_refuses_another_assessors_candidate_in_the_same_event(assessor, other_assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    factories.EventAssessorFactory(event=event, assessor=other_assessor)
    with pytest.raises(PermissionDenied):
        services.attendance_mark(event_id=event.pk, actor=other_assessor, assessment_ids=[a.pk])
    a.refresh_from_db()
    assert a.attended_at is None


def test_it_refuses_without_impartiality_declared(assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started(), declare=False
    )
    with pytest.raises(ValidationError) as caught:
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])
    assert caught.value.code == "impartiality_missing"


def test_it_refuses_a_conflicted_candidate(assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started(), declare=False
    )
    ImpartialityDeclaration.objects.create(
        event=event, assessor=assessor, assessment=a, relationship="family", note="Kakak"
    )
    with pytest.raises(PermissionDenied):
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])


def test_it_refuses_with_an_expired_licence(assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=timezone.localdate() - datetime.timedelta(days=2)
    )
    with pytest.raises(PermissionDenied):
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])


@pytest.mark.parametrize("state", [S.RECOMMENDED, S.REPORTED])
def test_it_refuses_a_candidate_already_assessed(assessor, state):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[state], starts_at=_started()
    )
    with pytest.raises(ValidationError) as caught:
        services.attendance_mark(event_id=event.pk, actor=assessor, assessment_ids=[a.pk])
    assert caught.value.code == "wrong_state"

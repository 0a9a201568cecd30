"""appeal_file (FR.AK.04): who may appeal, when, and who is told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Assessment, Notification
from certification.models import Appeal
from certification.services_appeals import appeal_file
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _window(settings):
    settings.KOMPETEN_APPEAL_WINDOW_DAYS = 14


@pytest.fixture
def decided():
    return factories.assessment_in_state(S.DECIDED)


def _file(assessment, actor=None, **kwargs) -> Appeal:
    fields = {
        "reason": "Unit 2 dinilai BK padahal bukti lengkap.",
        "process_explained": True,
        "discussed_with_assessor": False,
        "involved_other_person": False,
    }
    return appeal_file(
        assessment_id=assessment.pk, actor=actor or assessment.candidate, **{**fields, **kwargs}
    )


def _age_decision(assessment, days: int, minutes: int = 0) -> None:
    # A frozen clock: the decision moves back in time instead of the clock moving forward.
    Assessment.objects.filter(pk=assessment.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=days, minutes=minutes)
    )


def test_the_candidate_files_an_appeal_with_an_audit_row(decided):
    appeal = _file(decided, discussed_with_assessor=True, reason="  Tidak adil  ")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.FILED
    assert appeal.filed_by == decided.candidate
    assert appeal.process_explained and appeal.discussed_with_assessor
    assert not appeal.involved_other_person and appeal.other_person_name == ""
    assert appeal.reason == "Tidak adil"
    row = appeal.history.get()
    assert row.history_change_reason == "appeal filed by candidate"
    assert row.history_user == decided.candidate


def test_the_other_persons_name_is_kept_only_when_someone_is_involved(decided):
    appeal = _file(decided, involved_other_person=False, other_person_name="Budi")
    assert appeal.other_person_name == ""
    Appeal.objects.all().delete()
    appeal = _file(decided, involved_other_person=True, other_person_name=" Budi Santoso ")
    assert appeal.other_person_name == "Budi Santoso"


def test_every_active_lsp_admin_and_the_candidate_are_notified(decided, admin_user):
    second_admin = factories.AdminUserFactory()
    inactive_admin = factories.AdminUserFactory(is_active=False)
    _file(decided)
    for admin in (admin_user, second_admin):
        notification = Notification.objects.get(recipient=admin, body__contains="Unit 2")
        assert decided.candidate.full_name in notification.body
    assert not Notification.objects.filter(recipient=inactive_admin).exists()
    assert Notification.objects.filter(
        recipient=decided.candidate, url=f"/assessments/{decided.pk}/"
    ).exists()


def test_the_appeal_is_possible_until_the_last_minute_of_the_window(decided):
    _age_decision(decided, days=13, minutes=23 * 60 + 59)
    assert _file(decided).pk


def test_after_the_window_the_appeal_is_refused_with_a_clear_message(decided):
    _age_decision(decided, days=14, minutes=1)
    with pytest.raises(ValidationError) as info:
        _file(decided)
    assert info.value.code == "window_closed"
    assert "appeal period ended" in info.value.messages[0]
    assert not Appeal.objects.exists()
    assert not Notification.objects.filter(body__contains="Unit 2").exists()


@pytest.mark.parametrize("state", [S.RECOMMENDED, S.REPORTED, S.WITHDRAWN, S.REJECTED])
def test_before_a_decision_there_is_nothing_to_appeal(state):
    assessment = factories.assessment_in_state(state)
    with pytest.raises(ValidationError) as info:
        _file(assessment)
    assert info.value.code == "not_decided"
    assert not Appeal.objects.exists()


def test_nobody_appeals_someone_elses_assessment(decided, other_candidate, admin_user, assessor):
    for actor in (other_candidate, admin_user, assessor):
        with pytest.raises(PermissionDenied):
            _file(decided, actor=actor)
    assert not Appeal.objects.exists()


def test_an_unknown_assessment_is_refused_like_someone_elses(candidate):
    with pytest.raises(PermissionDenied):
        appeal_file(
            assessment_id=999_999,
            actor=candidate,
            reason="x",
            process_explained=True,
            discussed_with_assessor=True,
            involved_other_person=False,
        )


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_appeal_needs_a_reason(decided, reason):
    with pytest.raises(ValidationError) as info:
        _file(decided, reason=reason)
    assert info.value.code == "reason"
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("status", [Appeal.Status.FILED, Appeal.Status.UNDER_REVIEW])
def test_a_second_appeal_waits_for_the_first_ruling(decided, status):
    first = _file(decided)
    Appeal.objects.filter(pk=first.pk).update(status=status, reviewer=factories.AdminUserFactory())
    with pytest.raises(ValidationError) as info:
        _file(decided)
    assert info.value.code == "already_open"
    assert Appeal.objects.count() == 1


def test_after_a_ruling_a_new_appeal_may_be_filed_inside_the_window(decided):
    first = _file(decided)
    Appeal.objects.filter(pk=first.pk).update(
        status=Appeal.Status.REJECTED,
        reviewer=factories.AdminUserFactory(),
        ruling="Keputusan tetap.",
        ruled_at=timezone.now(),
    )
    assert _file(decided).pk != first.pk

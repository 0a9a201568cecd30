"""Services of the LSP admin's console: assessors, TUK verification, events and assignment rules."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from assessments import services
from assessments.models import (
    TUK,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    AssignmentOverride,
    EventAssessor,
    ImpartialityDeclaration,
    Notification,
    TUKVerification,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The tests read the English msgids; the project's default language is Indonesian.
    with translation.override("en"):
        yield


S = Assessment.State


def _event(*, days: int = 10, **kwargs) -> AssessmentEvent:
    return factories.AssessmentEventFactory(
        starts_at=timezone.now() + datetime.timedelta(days=days), **kwargs
    )


def _in_scope(user, event) -> AssessorProfile:
    profile = AssessorProfile.objects.get(user=user)
    profile.scope.add(event.scheme_version.scheme_id)
    return profile


def _accepted(event, admin) -> Assessment:
    assessment = factories.AssessmentFactory(scheme_version=event.scheme_version)
    services.assessment_submit(assessment_id=assessment.pk, actor=assessment.candidate)
    return services.assessment_accept(assessment_id=assessment.pk, actor=admin)


def _checklist(fit: bool = True) -> list[dict]:
    return [
        {"group": group, "item": str(item), "available": fit, "suitable": fit}
        for group, items in services.TUK_VERIFICATION_ITEMS.items()
        for item in items
    ]


# --- event_assign_assessor -------------------------------------------------------------------


def test_it_assigns_an_eligible_assessor_and_notifies_them(admin_user, assessor):
    event = _event()
    _in_scope(assessor, event)
    assignment = services.event_assign_assessor(
        event_id=event.pk, actor=admin_user, assessor_id=assessor.pk
    )
    assert assignment.assigned_by == admin_user
    assert assignment.history.first().history_change_reason == "assessor assigned"
    assert Notification.objects.filter(recipient=assessor).exists()


def test_it_blocks_assignment_when_licence_expired_on_event_date_though_valid_today(
    admin_user, assessor
):
    event = _event(days=20)
    profile = _in_scope(assessor, event)
    profile.licence_valid_until = timezone.localdate() + datetime.timedelta(days=5)
    profile.save()
    assert not profile.licence_expired
    with pytest.raises(ValidationError, match="licence ends on"):
        services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)
    assert not EventAssessor.objects.filter(event=event).exists()


def test_licence_day_is_the_event_day_at_the_tuk(admin_user, assessor):
    # 23:30 WIT on the 1st is still the 1st at the TUK although it is the 1st 14:30 UTC.
    tuk = factories.TUKFactory(time_zone=TUK.Zone.WIT)
    day = timezone.localdate() + datetime.timedelta(days=30)
    local = datetime.datetime.combine(
        day, datetime.time(23, 30), tzinfo=zoneinfo.ZoneInfo("Asia/Jayapura")
    )
    event = factories.AssessmentEventFactory(tuk=tuk, starts_at=local)
    profile = _in_scope(assessor, event)
    profile.licence_valid_until = day
    profile.save()
    services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)


def test_it_blocks_assignment_when_scope_lacks_the_scheme(admin_user, assessor):
    event = _event()
    with pytest.raises(ValidationError, match="not in .* scope"):
        services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)


def test_it_blocks_assignment_of_an_inactive_assessor(admin_user, assessor):
    event = _event()
    profile = _in_scope(assessor, event)
    AssessorProfile.objects.filter(pk=profile.pk).update(status=AssessorProfile.Status.SUSPENDED)
    with pytest.raises(ValidationError, match="not active"):
        services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)


@override_settings(KOMPETEN_MAX_CANDIDATES_PER_ASSESSOR=1)
def test_it_refuses_placing_beyond_the_candidates_per_assessor_limit(admin_user, assessor):
    event = _event()
    _in_scope(assessor, event)
    services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)
    first, second = _accepted(event, admin_user), _accepted(event, admin_user)
    services.event_place_candidate(
        event_id=event.pk, actor=admin_user, assessment_id=first.pk, assessor_id=assessor.pk
    )
    with pytest.raises(ValidationError, match="the limit is 1"):
        services.event_place_candidate(
            event_id=event.pk, actor=admin_user, assessment_id=second.pk, assessor_id=assessor.pk
        )
    second.refresh_from_db()
    assert second.state == S.ACCEPTED


@override_settings(KOMPETEN_MAX_CANDIDATES_PER_ASSESSOR=1)
def test_it_refuses_assigning_an_assessor_already_at_the_limit(admin_user, assessor):
    event = _event()
    _in_scope(assessor, event)
    EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin_user)
    placed = _accepted(event, admin_user)
    services.event_place_candidate(
        event_id=event.pk, actor=admin_user, assessment_id=placed.pk, assessor_id=assessor.pk
    )
    EventAssessor.objects.filter(event=event).delete()
    with pytest.raises(ValidationError, match="the limit is 1"):
        services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)


def test_only_an_admin_assigns(assessor, other_assessor):
    event = _event()
    with pytest.raises(PermissionDenied):
        services.event_assign_assessor(
            event_id=event.pk, actor=other_assessor, assessor_id=assessor.pk
        )


# --- assessment_schedule (the shared transition) refuses ineligible assessors too ------------


def test_schedule_refuses_an_assessor_with_licence_expired_on_the_event_date(admin_user, assessor):
    event = _event(days=20)
    profile = _in_scope(assessor, event)
    EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin_user)
    profile.licence_valid_until = timezone.localdate() + datetime.timedelta(days=3)
    profile.save()
    assessment = _accepted(event, admin_user)
    with pytest.raises(ValidationError, match="licence ends on"):
        services.assessment_schedule(
            assessment_id=assessment.pk, actor=admin_user, event=event, assessor=assessor
        )


def test_schedule_refuses_an_assessor_without_the_scheme_in_scope(admin_user, assessor):
    event = _event()
    EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin_user)
    AssessorProfile.objects.get(user=assessor).scope.clear()
    assessment = _accepted(event, admin_user)
    with pytest.raises(ValidationError, match="scope"):
        services.assessment_schedule(
            assessment_id=assessment.pk, actor=admin_user, event=event, assessor=assessor
        )


# --- conflicts, reassignment and overrides -----------------------------------------------------


@pytest.fixture
def conflicted(admin_user, assessor, other_assessor):
    """A candidate placed with ``assessor``, who then declared a family relationship; both
    assessors assigned to the event by ``admin_user``."""
    event = _event()
    for user in (assessor, other_assessor):
        _in_scope(user, event)
        services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=user.pk)
    assessment = services.event_place_candidate(
        event_id=event.pk,
        actor=admin_user,
        assessment_id=_accepted(event, admin_user).pk,
        assessor_id=assessor.pk,
    )
    ImpartialityDeclaration.objects.create(
        event=event,
        assessor=assessor,
        assessment=assessment,
        relationship=ImpartialityDeclaration.Relationship.FAMILY,
        note="Adik kandung",
    )
    return assessment


def test_admin_moves_a_conflicted_candidate_to_another_assessor(
    conflicted, admin_user, other_assessor
):
    moved = services.assessment_reassign(
        assessment_id=conflicted.pk, actor=admin_user, assessor_id=other_assessor.pk
    )
    moved.refresh_from_db()
    assert moved.assessor == other_assessor
    assert moved.history.first().history_change_reason.startswith("reassigned from")
    assert not AssignmentOverride.objects.exists()


def test_placing_a_candidate_back_with_the_conflicted_assessor_is_refused(
    conflicted, admin_user, assessor, other_assessor
):
    services.assessment_reassign(
        assessment_id=conflicted.pk, actor=admin_user, assessor_id=other_assessor.pk
    )
    with pytest.raises(ValidationError, match="declared a conflict"):
        services.assessment_reassign(
            assessment_id=conflicted.pk, actor=admin_user, assessor_id=assessor.pk
        )
    conflicted.refresh_from_db()
    assert conflicted.assessor == other_assessor


def test_conflict_is_refused_when_placing_a_new_application_of_the_same_candidate(
    conflicted, admin_user, assessor
):
    # The declaration is about the person: a later event with the same assessor is blocked too.
    event = factories.AssessmentEventFactory(
        scheme_version=factories.make_scheme_version(),
        starts_at=timezone.now() + datetime.timedelta(days=40),
    )
    _in_scope(assessor, event)
    services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)
    later = factories.AssessmentFactory(
        candidate=conflicted.candidate, scheme_version=event.scheme_version
    )
    services.assessment_submit(assessment_id=later.pk, actor=later.candidate)
    services.assessment_accept(assessment_id=later.pk, actor=admin_user)
    with pytest.raises(ValidationError, match="declared a conflict"):
        services.event_place_candidate(
            event_id=event.pk, actor=admin_user, assessment_id=later.pk, assessor_id=assessor.pk
        )


def test_override_by_the_admin_who_assigned_the_assessor_is_refused(
    conflicted, admin_user, assessor, other_assessor
):
    services.assessment_reassign(
        assessment_id=conflicted.pk, actor=admin_user, assessor_id=other_assessor.pk
    )
    with pytest.raises(PermissionDenied, match="other than the one who assigned"):
        services.assessment_reassign(
            assessment_id=conflicted.pk,
            actor=admin_user,
            assessor_id=assessor.pk,
            override_reason="Tidak ada asesor",
        )
    assert not AssignmentOverride.objects.exists()


def test_override_by_another_admin_with_a_reason_is_accepted_and_recorded(
    conflicted, admin_user, assessor, other_assessor
):
    services.assessment_reassign(
        assessment_id=conflicted.pk, actor=admin_user, assessor_id=other_assessor.pk
    )
    second_admin = factories.AdminUserFactory()
    services.assessment_reassign(
        assessment_id=conflicted.pk,
        actor=second_admin,
        assessor_id=assessor.pk,
        override_reason="Satu-satunya asesor berlisensi di lokasi",
    )
    conflicted.refresh_from_db()
    assert conflicted.assessor == assessor
    override = AssignmentOverride.objects.get()
    assert (override.assessment, override.assessor) == (conflicted, assessor)
    assert override.approved_by == second_admin
    assert override.assigned_by == admin_user
    assert override.reason == "Satu-satunya asesor berlisensi di lokasi"
    assert override.history.first().history_change_reason == "conflict overridden"


def test_an_override_without_a_reason_is_refused(conflicted, admin_user, assessor, other_assessor):
    services.assessment_reassign(
        assessment_id=conflicted.pk, actor=admin_user, assessor_id=other_assessor.pk
    )
    with pytest.raises(ValidationError, match="declared a conflict"):
        services.assessment_reassign(
            assessment_id=conflicted.pk,
            actor=factories.AdminUserFactory(),
            assessor_id=assessor.pk,
            override_reason="   ",
        )


def test_licence_refusal_is_never_overridable(conflicted, admin_user, other_assessor):
    AssessorProfile.objects.filter(user=other_assessor).update(
        licence_valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="licence ends on"):
        services.assessment_reassign(
            assessment_id=conflicted.pk,
            actor=factories.AdminUserFactory(),
            assessor_id=other_assessor.pk,
            override_reason="Darurat",
        )


def test_reassign_refuses_an_assessor_not_assigned_to_the_event(conflicted, admin_user):
    stranger = factories.AssessorProfileFactory().user
    with pytest.raises(ValidationError, match="not assigned"):
        services.assessment_reassign(
            assessment_id=conflicted.pk, actor=admin_user, assessor_id=stranger.pk
        )


# --- events --------------------------------------------------------------------------------------


def test_it_schedules_an_event_in_the_tuk_local_time_stored_in_utc(admin_user, scheme_version):
    tuk = factories.TUKFactory(time_zone=TUK.Zone.WITA)
    event = services.event_schedule(
        actor=admin_user,
        code="EV-01",
        name="Gelombang 1",
        scheme_version=scheme_version,
        tuk=tuk,
        local_starts_at=datetime.datetime(2030, 3, 1, 8, 0),
        local_ends_at=datetime.datetime(2030, 3, 1, 16, 0),
        quota=10,
    )
    event.refresh_from_db()
    assert event.starts_at == datetime.datetime(2030, 3, 1, 0, 0, tzinfo=datetime.UTC)
    assert event.local_starts_at.hour == 8
    assert event.history.first().history_change_reason == "event scheduled"


def test_an_event_cannot_be_scheduled_at_an_unverified_tuk(admin_user, scheme_version):
    tuk = factories.TUKFactory(verification_status=TUK.Verification.UNVERIFIED, verified_on=None)
    with pytest.raises(ValidationError, match="not verified"):
        services.event_schedule(
            actor=admin_user,
            code="EV-02",
            name="X",
            scheme_version=scheme_version,
            tuk=tuk,
            local_starts_at=datetime.datetime(2030, 3, 1, 8),
            local_ends_at=datetime.datetime(2030, 3, 1, 16),
            quota=5,
        )
    assert not AssessmentEvent.objects.exists()


def test_an_event_cannot_be_scheduled_at_a_tuk_found_belum_sesuai(admin_user, scheme_version):
    tuk = factories.TUKFactory(verification_status=TUK.Verification.BELUM_SESUAI)
    with pytest.raises(ValidationError, match="not verified"):
        services.event_schedule(
            actor=admin_user,
            code="EV-02",
            name="X",
            scheme_version=scheme_version,
            tuk=tuk,
            local_starts_at=datetime.datetime(2030, 3, 1, 8),
            local_ends_at=datetime.datetime(2030, 3, 1, 16),
            quota=5,
        )


def test_an_event_cannot_be_scheduled_for_an_unpublished_scheme_version(admin_user):
    draft = factories.make_scheme_version(publish=False)
    with pytest.raises(ValidationError, match="published"):
        services.event_schedule(
            actor=admin_user,
            code="EV-03",
            name="X",
            scheme_version=draft,
            tuk=factories.TUKFactory(),
            local_starts_at=datetime.datetime(2030, 3, 1, 8),
            local_ends_at=datetime.datetime(2030, 3, 1, 16),
            quota=5,
        )


def test_event_transitions_are_audited_and_refused_from_the_wrong_status(admin_user):
    event = _event()
    services.event_open(event_id=event.pk, actor=admin_user)
    services.event_close(event_id=event.pk, actor=admin_user)
    event = services.event_finish(event_id=event.pk, actor=admin_user)
    assert event.status == AssessmentEvent.Status.DONE
    assert event.history.first().history_change_reason == "finished"
    with pytest.raises(ValidationError, match="not possible"):
        services.event_cancel(event_id=event.pk, actor=admin_user)


def test_placing_notifies_the_candidate_and_schedules(admin_user, assessor):
    event = _event()
    _in_scope(assessor, event)
    services.event_assign_assessor(event_id=event.pk, actor=admin_user, assessor_id=assessor.pk)
    accepted = _accepted(event, admin_user)
    placed = services.event_place_candidate(
        event_id=event.pk, actor=admin_user, assessment_id=accepted.pk, assessor_id=assessor.pk
    )
    assert placed.state == S.SCHEDULED
    assert placed.history.first().history_change_reason == "scheduled"
    assert Notification.objects.filter(recipient=placed.candidate).exists()


# --- assessors and TUK ------------------------------------------------------------------------


def test_it_registers_a_new_assessor_user_with_profile_and_scope(admin_user, scheme_version):
    profile = services.assessor_register(
        actor=admin_user,
        email="Eko@Example.test",
        full_name="Eko Asesor",
        met_number="MET.000.123456.2021",
        licence_valid_until=datetime.date(2029, 1, 1),
        scope=[scheme_version.scheme],
        phone="0812 1111 2222",
    )
    assert profile.user.is_assessor and profile.user.email == "eko@example.test"
    assert not profile.user.has_usable_password()
    assert list(profile.scope.all()) == [scheme_version.scheme]
    assert profile.history.first().history_change_reason == "assessor registered"


def test_registering_links_an_existing_user(admin_user, candidate):
    profile = services.assessor_register(
        actor=admin_user,
        email=candidate.email,
        full_name="x",
        met_number="MET.000.123457.2021",
        licence_valid_until=datetime.date(2029, 1, 1),
    )
    candidate.refresh_from_db()
    assert profile.user == candidate and candidate.is_assessor and candidate.is_candidate


def test_registering_refuses_a_bad_met_number_and_a_second_profile(admin_user, assessor):
    with pytest.raises(ValidationError):
        services.assessor_register(
            actor=admin_user,
            email="new@example.test",
            full_name="N",
            met_number="MET-123",
            licence_valid_until=datetime.date.today(),
        )
    with pytest.raises(ValidationError, match="already registered"):
        services.assessor_register(
            actor=admin_user,
            email=assessor.email,
            full_name="N",
            met_number="MET.000.999999.2021",
            licence_valid_until=datetime.date.today(),
        )


def test_assessor_update_records_the_reason(admin_user, assessor):
    profile = AssessorProfile.objects.get(user=assessor)
    services.assessor_update(
        actor=admin_user,
        profile_id=profile.pk,
        reason="licence renewed",
        licence_valid_until=datetime.date(2031, 1, 1),
    )
    profile.refresh_from_db()
    assert profile.licence_valid_until == datetime.date(2031, 1, 1)
    assert profile.history.first().history_change_reason == "assessor updated: licence renewed"


def test_tuk_verification_sets_the_status_and_keeps_the_checklist(admin_user):
    tuk = services.tuk_register(
        actor=admin_user,
        code="TUK-X",
        name="TUK X",
        tuk_type=TUK.Type.SEWAKTU,
        address="Jl. A",
        city="Makassar",
        time_zone=TUK.Zone.WITA,
    )
    assert tuk.verification_status == TUK.Verification.UNVERIFIED
    verifier = factories.AdminUserFactory()
    record = services.tuk_verify(
        actor=admin_user,
        tuk_id=tuk.pk,
        checklist=_checklist(),
        conclusion="sesuai",
        verifier=verifier,
        verified_on=timezone.localdate(),
    )
    tuk.refresh_from_db()
    assert tuk.is_verified and tuk.verified_by == verifier
    assert tuk.history.first().history_change_reason == "verified: sesuai"
    assert TUKVerification.objects.get() == record and len(record.checklist) == 11


def test_tuk_with_an_unfit_item_cannot_be_concluded_sesuai(admin_user):
    tuk = factories.TUKFactory(verification_status=TUK.Verification.UNVERIFIED, verified_on=None)
    with pytest.raises(ValidationError, match="cannot be concluded Sesuai"):
        services.tuk_verify(
            actor=admin_user,
            tuk_id=tuk.pk,
            checklist=_checklist(fit=False),
            conclusion="sesuai",
            verifier=admin_user,
            verified_on=timezone.localdate(),
        )
    services.tuk_verify(
        actor=admin_user,
        tuk_id=tuk.pk,
        checklist=_checklist(fit=False),
        conclusion="belum_sesuai",
        verifier=admin_user,
        verified_on=timezone.localdate(),
    )
    tuk.refresh_from_db()
    assert tuk.verification_status == TUK.Verification.BELUM_SESUAI and not tuk.is_verified


def test_override_constraint_refuses_the_same_admin(conflicted, admin_user, assessor):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentOverride.objects.create(
            assessment=conflicted,
            assessor=assessor,
            assigned_by=admin_user,
            approved_by=admin_user,
            reason="x",
        )


def test_after_an_override_the_assessor_may_work_on_the_candidate(
    conflicted, admin_user, assessor, other_assessor
):
    from assessments.selectors import assessor_assessment

    services.assessment_reassign(
        assessment_id=conflicted.pk, actor=admin_user, assessor_id=other_assessor.pk
    )
    services.assessment_reassign(
        assessment_id=conflicted.pk,
        actor=factories.AdminUserFactory(),
        assessor_id=assessor.pk,
        override_reason="Satu-satunya asesor",
    )
    conflicted.refresh_from_db()
    assert services.assessor_refusal(assessor=assessor, assessment=conflicted) is None
    assert assessor_assessment(assessor, conflicted.pk) == conflicted


def test_without_an_override_the_conflicted_assessor_is_refused(conflicted, assessor):
    from django.utils import translation

    with translation.override("en"):
        refusal = services.assessor_refusal(assessor=assessor, assessment=conflicted)
    assert refusal == "You declared a conflict of interest with this candidate."


# --- named constraints of the admin console's models (listed for test_models' coverage test) ---

ADMIN_CONSTRAINTS = {
    "assignment_override_reason_given",
    "assignment_override_other_admin",
    "tuk_verification_conclusion_valid",
}


def test_an_override_needs_a_reason_in_the_database(conflicted, assessor):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentOverride.objects.create(
            assessment=conflicted,
            assessor=assessor,
            approved_by=factories.AdminUserFactory(),
            reason="",
        )


def test_a_tuk_verification_conclusion_must_be_known(admin_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TUKVerification.objects.create(
            tuk=factories.TUKFactory(),
            conclusion="maybe",
            verifier=admin_user,
            verified_on=timezone.localdate(),
            recorded_by=admin_user,
        )

"""Certificates: issued only from a "certified" decision, numbered from the pattern, never two
alike, each state change a recorded decision with its reason, expiry and reminders by task."""

import datetime
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assessments.models import Notification
from certification import tasks
from certification.models import LSP, Certificate, CertificateStatusChange, NumberSequence
from certification.services_certification import (
    add_months,
    add_years,
    certificate_issue,
    certificate_record_bnsp,
    certificate_restore,
    certificate_suspend,
    certificate_withdraw,
    certificates_expire_due,
    recertification_reminders_send,
)
from tests import factories

pytestmark = pytest.mark.django_db
State = Certificate.State


@pytest.fixture
def certified(decision_maker):
    return factories.decided_with_decision(certified=True, decision_maker=decision_maker)


def _issue(decision, admin) -> Certificate:
    return certificate_issue(decision_id=decision.pk, actor=admin)


# --- issuing -------------------------------------------------------------------------------------


def test_a_certified_decision_gets_its_certificate(certified, admin_user):
    LSP.objects.create(name="LSP Teknologi", short_code="LSP-TIK")
    certificate = _issue(certified, admin_user)

    today = timezone.localdate()
    version = certified.scheme_version
    assert certificate.number == f"00001/{version.scheme.number}/LSP-TIK/{today.year}"
    assert certificate.holder == certified.assessment.candidate
    assert certificate.holder_name == certified.assessment.candidate.full_name
    assert certificate.issued_on == today
    assert certificate.valid_until == add_years(today, version.validity_years)
    assert certificate.state == State.ACTIVE
    assert set(certificate.units.all()) == set(version.units())
    assert len(certificate.token) >= 32
    change = certificate.status_changes.get()
    assert (change.from_state, change.to_state, change.decided_by) == ("", "active", admin_user)
    assert certificate.history.get().history_change_reason == "certificate issued"
    assert Notification.objects.filter(
        recipient=certificate.holder, url=f"/certificates/{certificate.pk}/"
    ).exists()


def test_no_certificate_without_a_decision_to_certify(decision_maker, admin_user):
    not_certified = factories.decided_with_decision(certified=False, decision_maker=decision_maker)

    with pytest.raises(ValidationError) as info:
        _issue(not_certified, admin_user)

    assert info.value.code == "not_certified"
    assert not Certificate.objects.exists()
    assert not NumberSequence.objects.filter(last__gt=0).exists()


def test_a_decision_gets_one_certificate_only(certified, admin_user):
    _issue(certified, admin_user)

    with pytest.raises(ValidationError) as info:
        _issue(certified, admin_user)

    assert info.value.code == "issued"
    assert Certificate.objects.count() == 1


def test_only_an_lsp_admin_issues(certified, decision_maker):
    with pytest.raises(PermissionDenied):
        _issue(certified, decision_maker)
    assert not Certificate.objects.exists()


def test_numbers_follow_the_configured_pattern_and_the_yearly_sequence(
    certified, decision_maker, admin_user, settings
):
    settings.KOMPETEN_CERTIFICATE_NUMBER_PATTERN = "{lsp}-{year}-{month:02d}-{seq:04d}"
    other = factories.decided_with_decision(decision_maker=decision_maker)
    today = timezone.localdate()

    numbers = [_issue(d, admin_user).number for d in (certified, other)]

    prefix = f"LSP-{today.year}-{today.month:02d}"
    assert numbers == [f"{prefix}-0001", f"{prefix}-0002"]


def test_a_withdrawn_certificates_number_is_never_handed_out_again(
    certified, decision_maker, admin_user
):
    first = _issue(certified, admin_user)
    certificate_withdraw(certificate_id=first.pk, actor=decision_maker, reason="Pemalsuan bukti")

    second = _issue(factories.decided_with_decision(decision_maker=decision_maker), admin_user)

    assert second.sequence == first.sequence + 1
    assert second.number != first.number


@pytest.mark.parametrize("pattern", ["{lsp}/{year}", "{seq}/{nik}", "{seq:05q}"])
def test_an_unusable_pattern_stops_issuing(certified, admin_user, settings, pattern):
    settings.KOMPETEN_CERTIFICATE_NUMBER_PATTERN = pattern

    with pytest.raises(ImproperlyConfigured):
        _issue(certified, admin_user)


def test_validity_adds_years_even_from_29_february():
    assert add_years(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 1, 15), 6) == datetime.date(2026, 7, 15)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_never_gives_two_certificates_the_same_number():
    admin = factories.AdminUserFactory()
    decision_maker = factories.DecisionMakerUserFactory()
    decisions = [
        factories.decided_with_decision(decision_maker=decision_maker, units=1) for _ in range(8)
    ]
    barrier = threading.Barrier(len(decisions))
    errors: list[BaseException] = []

    def issue(decision_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            certificate_issue(decision_id=decision_id, actor=admin)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d.pk,)) for d in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    sequences = sorted(Certificate.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(decisions) + 1))
    assert len(set(Certificate.objects.values_list("number", flat=True))) == len(decisions)
    assert NumberSequence.objects.get(kind="certificate").last == len(decisions)


# --- BNSP numbers --------------------------------------------------------------------------------


def test_the_admin_records_bnsp_numbers_once_bnsp_issues_them(certified, admin_user):
    certificate = _issue(certified, admin_user)

    certificate_record_bnsp(
        certificate_id=certificate.pk,
        actor=admin_user,
        registration_number=" 62010 2326 0001234 2026 ",
        blank_number="B-0012345",
    )

    certificate.refresh_from_db()
    assert certificate.bnsp_registration_number == "62010 2326 0001234 2026"
    assert certificate.blank_number == "B-0012345"
    assert certificate.history.first().history_change_reason == "BNSP numbers recorded"


def test_bnsp_numbers_are_unique_and_recorded_by_admins_only(certified, decision_maker, admin_user):
    first = _issue(certified, admin_user)
    second = _issue(factories.decided_with_decision(decision_maker=decision_maker), admin_user)
    certificate_record_bnsp(
        certificate_id=first.pk, actor=admin_user, registration_number="REG-1", blank_number="B-1"
    )

    with pytest.raises(ValidationError) as info:
        certificate_record_bnsp(
            certificate_id=second.pk,
            actor=admin_user,
            registration_number="REG-1",
            blank_number="",
        )
    assert info.value.code == "registration_taken"
    with pytest.raises(ValidationError) as info:
        certificate_record_bnsp(
            certificate_id=second.pk,
            actor=admin_user,
            registration_number="",
            blank_number="B-1",
        )
    assert info.value.code == "blank_taken"
    with pytest.raises(PermissionDenied):
        certificate_record_bnsp(
            certificate_id=second.pk,
            actor=decision_maker,
            registration_number="REG-2",
            blank_number="",
        )
    second.refresh_from_db()
    assert second.bnsp_registration_number == "" and second.blank_number == ""


# --- state changes -------------------------------------------------------------------------------


@pytest.fixture
def certificate(certified, admin_user):
    return _issue(certified, admin_user)


def test_suspending_records_the_decision_with_its_reason(certificate, decision_maker):
    certificate_suspend(
        certificate_id=certificate.pk, actor=decision_maker, reason="Pengaduan sedang diperiksa"
    )

    certificate.refresh_from_db()
    assert certificate.state == State.SUSPENDED
    change = certificate.status_changes.last()
    assert (change.from_state, change.to_state) == ("active", "suspended")
    assert change.reason == "Pengaduan sedang diperiksa"
    assert change.decided_by == decision_maker
    row = certificate.history.first()
    assert row.history_change_reason == "certificate suspended"
    assert row.history_user == decision_maker
    assert Notification.objects.filter(
        recipient=certificate.holder, body__contains="Pengaduan sedang diperiksa"
    ).exists()


def test_a_suspended_certificate_is_restored_and_can_be_suspended_again(
    certificate, decision_maker
):
    head = factories.UserFactory(is_lsp_head=True)
    certificate_suspend(certificate_id=certificate.pk, actor=decision_maker, reason="Diperiksa")
    certificate_restore(certificate_id=certificate.pk, actor=head, reason="Tidak terbukti")
    certificate_suspend(certificate_id=certificate.pk, actor=head, reason="Pengaduan kedua")

    certificate.refresh_from_db()
    assert certificate.state == State.SUSPENDED
    assert list(certificate.status_changes.values_list("to_state", flat=True)) == [
        "active",
        "suspended",
        "restored",
        "suspended",
    ]


@pytest.mark.parametrize(
    ("service", "reason"),
    [(certificate_suspend, ""), (certificate_withdraw, "   ")],
    ids=["suspend", "withdraw"],
)
def test_a_state_change_needs_a_reason(certificate, decision_maker, service, reason):
    with pytest.raises(ValidationError) as info:
        service(certificate_id=certificate.pk, actor=decision_maker, reason=reason)

    assert info.value.code == "reason"
    certificate.refresh_from_db()
    assert certificate.state == State.ACTIVE
    assert certificate.status_changes.count() == 1


def test_states_change_only_along_the_lifecycle(certificate, decision_maker):
    with pytest.raises(ValidationError) as info:
        certificate_restore(certificate_id=certificate.pk, actor=decision_maker, reason="x")
    assert info.value.code == "wrong_state"
    certificate_withdraw(certificate_id=certificate.pk, actor=decision_maker, reason="Dicabut")
    for service in (certificate_suspend, certificate_restore, certificate_withdraw):
        with pytest.raises(ValidationError):
            service(certificate_id=certificate.pk, actor=decision_maker, reason="lagi")
    certificate.refresh_from_db()
    assert certificate.state == State.WITHDRAWN


def test_admins_and_candidates_cannot_change_a_certificates_state(certificate, admin_user):
    for actor in (admin_user, certificate.holder):
        with pytest.raises(PermissionDenied):
            certificate_suspend(certificate_id=certificate.pk, actor=actor, reason="x")
    certificate.refresh_from_db()
    assert certificate.state == State.ACTIVE


def test_a_superuser_is_held_to_the_same_rule(certificate):
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        certificate_suspend(certificate_id=certificate.pk, actor=superuser, reason="x")


# --- expiry and reminders (beat tasks) ----------------------------------------------------------


def _valid_until(certificate: Certificate, day: datetime.date) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_on=day - datetime.timedelta(days=3 * 365), valid_until=day
    )


def test_the_beat_task_expires_certificates_past_their_validity(
    certificate, decision_maker, admin_user
):
    today = timezone.localdate()
    _valid_until(certificate, today - datetime.timedelta(days=1))
    suspended = _issue(factories.decided_with_decision(decision_maker=decision_maker), admin_user)
    certificate_suspend(certificate_id=suspended.pk, actor=decision_maker, reason="Diperiksa")
    _valid_until(suspended, today - datetime.timedelta(days=30))
    still_valid = _issue(factories.decided_with_decision(decision_maker=decision_maker), admin_user)
    _valid_until(still_valid, today)  # valid through its last day

    assert tasks.expire_certificates.delay().get() == 2

    states = dict(Certificate.objects.values_list("pk", "state"))
    assert states == {certificate.pk: "expired", suspended.pk: "expired", still_valid.pk: "active"}
    change = certificate.status_changes.last()
    assert change.to_state == "expired" and change.decided_by is None
    assert change.reason
    # Running it again (a retried or duplicated beat) changes nothing.
    assert tasks.expire_certificates.delay().get() == 0
    assert CertificateStatusChange.objects.filter(to_state="expired").count() == 2


def test_a_withdrawn_certificate_stays_withdrawn_past_its_validity(certificate, decision_maker):
    certificate_withdraw(certificate_id=certificate.pk, actor=decision_maker, reason="Dicabut")
    _valid_until(certificate, timezone.localdate() - datetime.timedelta(days=1))

    assert certificates_expire_due() == 0
    certificate.refresh_from_db()
    assert certificate.state == State.WITHDRAWN


def test_recertification_reminders_go_once_to_holders_within_the_period(
    certificate, decision_maker, admin_user, settings
):
    settings.KOMPETEN_RECERTIFICATION_REMINDER_MONTHS = 6
    today = timezone.localdate()
    _valid_until(certificate, today + datetime.timedelta(days=150))
    later = _issue(factories.decided_with_decision(decision_maker=decision_maker), admin_user)
    _valid_until(later, today + datetime.timedelta(days=400))

    before = set(Notification.objects.values_list("pk", flat=True))

    assert tasks.send_recertification_reminders.delay().get() == 1
    assert recertification_reminders_send() == 0

    certificate.refresh_from_db()
    later.refresh_from_db()
    assert certificate.recertification_reminded_at is not None
    assert later.recertification_reminded_at is None
    reminders = Notification.objects.exclude(pk__in=before)
    assert [(n.recipient_id, n.url) for n in reminders] == [
        (certificate.holder_id, f"/certificates/{certificate.pk}/")
    ]
    assert certificate.number in reminders.get().body


def test_the_tasks_are_in_the_beat_schedule(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "certification.tasks.expire_certificates",
        "certification.tasks.send_recertification_reminders",
    } <= tasks_scheduled

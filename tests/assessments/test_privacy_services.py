"""Who sees a NIK in full, the access log and its retention, and carrying out an erasure."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from assessments import services
from assessments.models import (
    ApplicationDocument,
    Assessment,
    CandidateProfile,
    ErasureRequest,
    Evidence,
    Notification,
    RecordAccess,
)
from certification.models import User
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


# --- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "masked"),
    [("3201234567890001", "3201********0001"), ("12345678", "********"), ("", "")],
)
def test_a_nik_keeps_its_region_and_serial_only(nik, masked):
    assert services.mask_nik(nik) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("08123456789", "0812****789"),
        ("0812 3456 7890", "0812*****890"),
        ("+62 812-3456-789", "6281*****789"),
        ("0812", "****"),
        ("", ""),
    ],
)
def test_a_phone_keeps_its_prefix_and_last_three_digits(phone, masked):
    assert services.mask_phone(phone) == masked


def test_only_the_candidate_and_lsp_admins_see_personal_data_in_full(
    candidate, other_candidate, assessor, decision_maker, admin_user
):
    assert services.sees_personal_data(candidate, candidate.pk)
    assert services.sees_personal_data(admin_user, candidate.pk)
    assert services.sees_personal_data(admin_user)
    for user in (other_candidate, assessor, decision_maker):
        assert not services.sees_personal_data(user, candidate.pk)
    assert not services.sees_personal_data(candidate)


# --- access log --------------------------------------------------------------------------------


def _request(user, path="/assessments/verification/1/?nik=3201234567890001"):
    request = RequestFactory().get(path, REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


def test_an_opening_by_someone_else_is_logged_with_one_insert(
    candidate, admin_user, django_assert_num_queries
):
    assessment = factories.AssessmentFactory(candidate=candidate)

    with django_assert_num_queries(1):
        services.record_access(_request(admin_user), assessment, RecordAccess.What.EVIDENCE)

    row = RecordAccess.objects.get()
    assert (row.accessed_by, row.candidate, row.assessment) == (admin_user, candidate, assessment)
    assert row.what == "evidence"
    assert row.ip_address == "10.1.2.3"
    # The path only: a query string never reaches the log.
    assert row.path == "/assessments/verification/1/"


def test_the_candidate_opening_their_own_record_is_not_logged(candidate):
    services.record_access(_request(candidate), factories.AssessmentFactory(candidate=candidate))
    assert not RecordAccess.objects.exists()


def test_access_log_rows_past_the_retention_period_are_purged(settings):
    settings.KOMPETEN_ACCESS_LOG_RETENTION_DAYS = 30
    now = timezone.now()
    old = factories.RecordAccessFactory(accessed_at=now - datetime.timedelta(days=31))
    recent = factories.RecordAccessFactory(accessed_at=now - datetime.timedelta(days=29))

    assert services.record_access_purge(now=now) == 1

    assert list(RecordAccess.objects.all()) == [recent]
    assert not RecordAccess.objects.filter(pk=old.pk).exists()


def test_the_purge_task_uses_the_setting(settings):
    from assessments.tasks import purge_record_access

    settings.KOMPETEN_ACCESS_LOG_RETENTION_DAYS = 1
    factories.RecordAccessFactory(accessed_at=timezone.now() - datetime.timedelta(days=2))
    assert purge_record_access() == 1


# --- erasure requests --------------------------------------------------------------------------


def test_a_candidate_can_ask_once_at_a_time(candidate):
    erasure = services.erasure_request_create(candidate=candidate, reason="  pindah kerja ")
    assert erasure.status == ErasureRequest.Status.PENDING
    assert erasure.reason == "pindah kerja"
    with pytest.raises(ValidationError):
        services.erasure_request_create(candidate=candidate)


def test_only_a_candidate_can_ask(assessor):
    with pytest.raises(PermissionDenied):
        services.erasure_request_create(candidate=assessor)


def test_only_an_lsp_admin_carries_out_an_erasure(candidate, decision_maker):
    erasure = services.erasure_request_create(candidate=candidate)
    with pytest.raises(PermissionDenied):
        services.erasure_carry_out(request_id=erasure.pk, actor=decision_maker)
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING


def test_erasure_without_a_submitted_application_removes_the_profile_and_drafts(
    candidate, admin_user, django_capture_on_commit_callbacks
):
    draft = factories.AssessmentFactory(candidate=candidate)
    evidence = factories.EvidenceFactory(assessment=draft)
    document = factories.ApplicationDocumentFactory(assessment=draft)
    Notification.objects.create(recipient=candidate, title="Halo")
    erasure = services.erasure_request_create(candidate=candidate)

    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(request_id=erasure.pk, actor=admin_user)

    candidate.refresh_from_db()
    assert candidate.email == f"erased-{candidate.pk}@erased.invalid"
    assert "Alice" not in candidate.full_name
    assert not candidate.is_active and not candidate.has_usable_password()
    assert not CandidateProfile.objects.filter(user=candidate).exists()
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not ApplicationDocument.objects.filter(pk=document.pk).exists()
    draft.refresh_from_db()
    assert draft.state == S.WITHDRAWN
    assert not Notification.objects.filter(recipient=candidate).exists()
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.DONE
    assert (erasure.handled_by, erasure.handled_at is not None) == (admin_user, True)
    assert "NIK" in erasure.outcome
    assert erasure.history.first().history_change_reason == "erasure carried out"
    # The candidate is told at the address they had.
    assert [m.to for m in mail.outbox] == [["alice@example.test"]]
    assert erasure.outcome in mail.outbox[0].body


def test_erasure_keeps_a_decided_record_and_identity_but_clears_contact_data(
    candidate, admin_user, django_capture_on_commit_callbacks
):
    certificate = factories.issued_certificate(admin=admin_user, candidate=candidate)
    decided = certificate.decision.assessment
    profile = candidate.candidate_profile
    nik, holder_name = profile.nik, certificate.holder_name
    kept_evidence = factories.EvidenceFactory(assessment=decided)
    erasure = services.erasure_request_create(candidate=candidate)

    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(request_id=erasure.pk, actor=admin_user)

    profile.refresh_from_db()
    assert profile.nik == nik
    assert (profile.address, profile.phone, profile.job_email) == ("", "", "")
    decided.refresh_from_db()
    assert decided.state == S.DECIDED
    assert Evidence.objects.filter(pk=kept_evidence.pk).exists()
    certificate.refresh_from_db()
    assert certificate.holder_name == holder_name
    candidate.refresh_from_db()
    assert candidate.email.endswith("@erased.invalid")
    erasure.refresh_from_db()
    assert "Kept, and why:" in erasure.outcome
    assert "certificate cycle" in erasure.outcome


def test_erasure_is_refused_while_an_application_is_in_progress(candidate, admin_user):
    submitted = factories.assessment_in_state(S.SUBMITTED, candidate=candidate)
    erasure = services.erasure_request_create(candidate=candidate)

    with pytest.raises(ValidationError) as info:
        services.erasure_carry_out(request_id=erasure.pk, actor=admin_user)

    assert info.value.code == "in_progress"
    candidate.refresh_from_db()
    assert candidate.email == "alice@example.test" and candidate.is_active
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED
    assert CandidateProfile.objects.filter(user=candidate).exists()


def test_an_erasure_is_carried_out_once(candidate, admin_user):
    erasure = services.erasure_request_create(candidate=candidate)
    services.erasure_carry_out(request_id=erasure.pk, actor=admin_user)
    with pytest.raises(ValidationError) as info:
        services.erasure_carry_out(request_id=erasure.pk, actor=admin_user)
    assert info.value.code == "done"
    assert User.objects.filter(email__endswith="@erased.invalid").count() == 1

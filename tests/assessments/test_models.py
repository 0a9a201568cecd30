"""The database itself refuses rows that break the assessment domain's named constraints.

Each constraint gets one test that a violating row is refused (IntegrityError) and a valid one is
accepted. FSM fields are protected, so rows in a given state are built with QuerySet.update() or
bulk_create(). ``test_every_named_constraint_has_a_test`` fails when a constraint is added
without a test here.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessments.models import (
    TUK,
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    CandidateProfile,
    EventAssessor,
    Evidence,
    Form,
    Notification,
    SelfAssessment,
    Signature,
)
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State

# Kept by hand on purpose: a new constraint makes the coverage test below fail until it is tested.
TESTED_CONSTRAINTS = {
    "assessor_met_number_format",
    "candidate_nik_hash_unique",
    "candidate_sex_valid",
    "tuk_verified_has_date",
    "tuk_time_zone_indonesian",
    "event_ends_after_start",
    "event_quota_positive",
    "event_assessor_once",
    "assessment_scheduled_has_event_and_assessor",
    "assessment_reported_has_date",
    "assessment_not_its_own_previous",
    "assessment_other_purpose_named",
    "assessment_one_open_per_candidate_and_version",
    "signature_once_per_signer_role_document",
    "signature_typed_name_not_blank",
    "notification_title_not_blank",
    "notification_url_local",
    "document_one_current_per_kind",
    "document_checked_has_result",
    "document_not_empty",
    "evidence_request_what",
    "evidence_title_not_blank",
    "evidence_not_empty",
    "evidence_not_superseded_by_itself",
    "self_assessment_once_per_element",
    "self_assessment_answer_valid",
}


@contextmanager
def refused(constraint: str):
    """Expect the database to refuse the write, naming ``constraint`` where the backend does
    (PostgreSQL always; SQLite for CHECK constraints but not for unique indexes)."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert constraint in message


def _scheduled_fields(state: str) -> dict:
    """Field values that let a row sit in ``state`` without breaking the other constraints."""
    fields: dict = {}
    if state not in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.REJECTED, S.WITHDRAWN):
        event = factories.AssessmentEventFactory()
        fields.update(event=event, assessor=factories.AssessorProfileFactory().user)
    if state in (S.REPORTED, S.DECIDED, S.REOPENED):
        fields["reported_at"] = timezone.now()
    return fields


def test_every_named_constraint_has_a_test():
    names = {
        constraint.name
        for app in ("assessments",)
        for model in apps.get_app_config(app).get_models()
        for constraint in model._meta.constraints
    }
    from tests.assessments.test_admin_services import ADMIN_CONSTRAINTS
    from tests.assessments.test_archive_models import ARCHIVE_CONSTRAINTS
    from tests.assessments.test_assessor_models import ASSESSOR_CONSTRAINTS
    from tests.assessments.test_privacy_models import PRIVACY_CONSTRAINTS

    assert names == (
        TESTED_CONSTRAINTS
        | ASSESSOR_CONSTRAINTS
        | ARCHIVE_CONSTRAINTS
        | ADMIN_CONSTRAINTS
        | PRIVACY_CONSTRAINTS
    )


# --- assessor and candidate profiles ------------------------------------------------------------


def test_assessor_met_number_must_have_the_bnsp_format():
    for bad in ["MET.000.4512.2019", "met.000.004512.2019", "MET-000-004512-2019", "004512"]:
        with refused("assessor_met_number_format"):
            factories.AssessorProfileFactory(met_number=bad)
    profile = factories.AssessorProfileFactory(met_number="MET.000.004512.2019")
    assert profile.pk


def test_candidate_nik_is_unique_through_its_keyed_hash():
    # The NIK column holds ciphertext that differs on every save; its hash is what must be unique.
    factories.CandidateProfileFactory(nik="3171012345678901")
    with refused("candidate_nik_hash_unique"):
        factories.CandidateProfileFactory(nik="3171012345678901")
    assert factories.CandidateProfileFactory(nik="3171012345678902").pk


def test_candidate_sex_must_be_l_or_p():
    for bad in ["X", "M", ""]:
        with refused("candidate_sex_valid"):
            factories.CandidateProfileFactory(sex=bad)
    assert factories.CandidateProfileFactory(sex=CandidateProfile.Sex.MALE).pk
    assert factories.CandidateProfileFactory(sex=CandidateProfile.Sex.FEMALE).pk


# --- TUK and events -----------------------------------------------------------------------------


def test_a_verified_tuk_needs_a_verification_date():
    for status in [TUK.Verification.SESUAI, TUK.Verification.BELUM_SESUAI]:
        with refused("tuk_verified_has_date"):
            factories.TUKFactory(verification_status=status, verified_on=None)
    unverified = factories.TUKFactory(
        verification_status=TUK.Verification.UNVERIFIED, verified_on=None
    )
    verified = factories.TUKFactory(
        verification_status=TUK.Verification.SESUAI, verified_on=datetime.date(2026, 1, 5)
    )
    assert unverified.pk and verified.pk


def test_tuk_time_zone_must_be_an_indonesian_zone():
    for bad in ["Asia/Singapore", "UTC", ""]:
        with refused("tuk_time_zone_indonesian"):
            factories.TUKFactory(time_zone=bad)
    for zone in TUK.Zone.values:
        assert factories.TUKFactory(time_zone=zone).pk


def test_event_must_end_after_it_starts():
    starts = timezone.now() + datetime.timedelta(days=3)
    for ends in [starts, starts - datetime.timedelta(hours=1)]:
        with refused("event_ends_after_start"):
            factories.AssessmentEventFactory(starts_at=starts, ends_at=ends)
    event = factories.AssessmentEventFactory(
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=1)
    )
    assert event.pk


def test_event_quota_must_be_at_least_one():
    with refused("event_quota_positive"):
        factories.AssessmentEventFactory(quota=0)
    assert factories.AssessmentEventFactory(quota=1).pk


def test_an_assessor_is_assigned_to_an_event_once(assessor, other_assessor):
    event = factories.AssessmentEventFactory()
    EventAssessor.objects.create(event=event, assessor=assessor)
    with refused("event_assessor_once"):
        EventAssessor.objects.create(event=event, assessor=assessor)
    assert EventAssessor.objects.create(event=event, assessor=other_assessor).pk
    assert EventAssessor.objects.create(
        event=factories.AssessmentEventFactory(), assessor=assessor
    ).pk


# --- assessments --------------------------------------------------------------------------------

NEEDS_EVENT_AND_ASSESSOR = [
    S.SCHEDULED,
    S.CLEARED,
    S.PREPARED,
    S.IN_PROGRESS,
    S.RECOMMENDED,
    S.REPORTED,
    S.DECIDED,
    S.REOPENED,
]


@pytest.mark.parametrize("state", NEEDS_EVENT_AND_ASSESSOR)
def test_a_scheduled_assessment_needs_an_event_and_an_assessor(state, assessor):
    assessment = factories.AssessmentFactory()
    rows = Assessment.objects.filter(pk=assessment.pk)
    event = factories.AssessmentEventFactory(scheme_version=assessment.scheme_version)
    dated = {"reported_at": timezone.now()}
    with refused("assessment_scheduled_has_event_and_assessor"):
        rows.update(state=state, **dated)
    with refused("assessment_scheduled_has_event_and_assessor"):
        rows.update(state=state, event=event, **dated)
    with refused("assessment_scheduled_has_event_and_assessor"):
        rows.update(state=state, assessor=assessor, **dated)
    rows.update(state=state, event=event, assessor=assessor, **dated)
    assert rows.get().state == state


@pytest.mark.parametrize("state", [S.REPORTED, S.DECIDED, S.REOPENED])
def test_a_reported_assessment_needs_its_report_date(state):
    recommended = factories.assessment_in_state(S.RECOMMENDED)
    rows = Assessment.objects.filter(pk=recommended.pk)
    assert recommended.reported_at is None
    with refused("assessment_reported_has_date"):
        rows.update(state=state)
    rows.update(state=state, reported_at=timezone.now())
    assert rows.get().state == state


def test_an_assessment_cannot_be_its_own_previous(candidate, scheme_version):
    first = factories.AssessmentFactory(candidate=candidate, scheme_version=scheme_version)
    with refused("assessment_not_its_own_previous"):
        Assessment.objects.filter(pk=first.pk).update(previous=first.pk)
    Assessment.objects.filter(pk=first.pk).update(state=S.WITHDRAWN)
    second = factories.AssessmentFactory(
        candidate=candidate, scheme_version=scheme_version, previous=first
    )
    assert second.previous == first


def test_purpose_other_must_be_named():
    with refused("assessment_other_purpose_named"):
        factories.AssessmentFactory(purpose=Assessment.Purpose.OTHER, purpose_other="")
    named = factories.AssessmentFactory(
        purpose=Assessment.Purpose.OTHER, purpose_other="Persyaratan jabatan"
    )
    plain = factories.AssessmentFactory(purpose=Assessment.Purpose.RPL, purpose_other="")
    assert named.pk and plain.pk


# Explicit on purpose (not Assessment.TERMINAL_STATES): the states that free the candidate to
# apply again for the same scheme version.
CLOSED_STATES = {S.REJECTED, S.DECIDED, S.ABSENT, S.WITHDRAWN}


@pytest.mark.parametrize("state", S.values)
def test_one_open_assessment_per_candidate_and_scheme_version(state, candidate, scheme_version):
    Assessment.objects.bulk_create(
        [
            Assessment(
                candidate=candidate,
                scheme_version=scheme_version,
                state=state,
                **_scheduled_fields(state),
            ),
        ]
    )
    if state in CLOSED_STATES:
        again = factories.AssessmentFactory(candidate=candidate, scheme_version=scheme_version)
        assert again.state == S.DRAFT
    else:
        with refused("assessment_one_open_per_candidate_and_version"):
            factories.AssessmentFactory(candidate=candidate, scheme_version=scheme_version)


def test_open_assessment_does_not_block_other_candidates_or_versions(
    candidate, other_candidate, scheme_version
):
    factories.AssessmentFactory(candidate=candidate, scheme_version=scheme_version)
    assert factories.AssessmentFactory(candidate=other_candidate, scheme_version=scheme_version).pk
    assert factories.AssessmentFactory(candidate=candidate).pk


def test_a_withdrawn_assessment_lets_the_candidate_apply_again(candidate, scheme_version):
    from assessments import services

    first = services.assessment_create(candidate=candidate, scheme_version=scheme_version)
    with refused("assessment_one_open_per_candidate_and_version"):
        factories.AssessmentFactory(candidate=candidate, scheme_version=scheme_version)
    services.assessment_withdraw(assessment_id=first.pk, actor=candidate, reason="Pindah kerja")
    second = services.assessment_create(
        candidate=candidate, scheme_version=scheme_version, previous=first
    )
    assert second.state == S.DRAFT
    assert second.previous_id == first.pk


# --- signatures and notifications ---------------------------------------------------------------


def _signature(signer, subject, **kwargs) -> Signature:
    fields = {
        "signer": signer,
        "role": Signature.Role.CANDIDATE,
        "typed_name": signer.full_name,
        "document": Form.AK01,
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": subject.pk,
    }
    return Signature.objects.create(**{**fields, **kwargs})


def test_a_signer_signs_a_document_once_per_role(candidate, assessor):
    assessment = factories.AssessmentFactory(candidate=candidate)
    _signature(candidate, assessment)
    with refused("signature_once_per_signer_role_document"):
        _signature(candidate, assessment)
    # The same person may sign another document, or the same one in another role, or another
    # subject's copy of it.
    assert _signature(candidate, assessment, document=Form.APL01).pk
    assert _signature(candidate, assessment, role=Signature.Role.ASSESSOR).pk
    assert _signature(candidate, factories.AssessmentFactory()).pk
    assert _signature(assessor, assessment, role=Signature.Role.ASSESSOR).pk


def test_a_signature_needs_a_typed_name(candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    with refused("signature_typed_name_not_blank"):
        _signature(candidate, assessment, typed_name="")
    assert _signature(candidate, assessment, typed_name="Alice Asesi").pk


def test_a_notification_needs_a_title(candidate):
    with refused("notification_title_not_blank"):
        Notification.objects.create(recipient=candidate, title="")
    assert Notification.objects.create(recipient=candidate, title="Jadwal asesmen").pk


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/login",
        "http://evil.example/",
        "//evil.example/login",
        "/\\evil.example/login",
        "javascript:alert(1)",
        "assessments/1/",
    ],
)
def test_a_notification_link_must_stay_on_this_site(url, candidate):
    with refused("notification_url_local"):
        Notification.objects.create(recipient=candidate, title="Tautan", url=url)


@pytest.mark.parametrize("url", ["", "/", "/assessments/12/", "/assessments/12/?tab=apl02#u1"])
def test_a_notification_may_link_to_a_local_path_or_nowhere(url, candidate):
    assert Notification.objects.create(recipient=candidate, title="Tautan", url=url).pk


# --- cheap model behaviour ----------------------------------------------------------------------


def test_event_local_start_is_shown_in_the_tuk_time_zone():
    tuk = factories.TUKFactory(time_zone=TUK.Zone.WITA, city="Makassar")
    starts = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
    event = factories.AssessmentEventFactory(
        tuk=tuk, starts_at=starts, ends_at=starts + datetime.timedelta(hours=8)
    )
    event.refresh_from_db()
    local = event.local_starts_at
    assert local.utcoffset() == datetime.timedelta(hours=8)
    assert (local.hour, local.minute) == (9, 0)
    assert event.local_ends_at.hour == 17
    assert tuk.zone_label == "WITA"


@pytest.mark.parametrize(
    ("zone", "offset"),
    [
        (TUK.Zone.WIB, 7),
        (TUK.Zone.WITA, 8),
        (TUK.Zone.WIT, 9),
    ],
)
def test_each_indonesian_zone_has_its_utc_offset(zone, offset):
    event = factories.AssessmentEventFactory(tuk=factories.TUKFactory(time_zone=zone))
    assert event.local_starts_at.utcoffset() == datetime.timedelta(hours=offset)
    assert event.local_starts_at == event.starts_at


def test_licence_is_valid_through_its_last_day():
    profile = factories.AssessorProfileFactory(licence_valid_until=datetime.date(2026, 6, 30))
    assert profile.licence_valid_on(datetime.date(2026, 6, 30))
    assert not profile.licence_valid_on(datetime.date(2026, 7, 1))


def test_licence_expired_and_days_left_count_from_today():
    today = timezone.localdate()
    expired = factories.AssessorProfileFactory(
        licence_valid_until=today - datetime.timedelta(days=1)
    )
    current = factories.AssessorProfileFactory(licence_valid_until=today)
    assert expired.licence_expired
    assert not current.licence_expired
    assert current.licence_days_left == 0


@pytest.mark.parametrize("state", S.values)
def test_only_reported_and_decided_records_are_locked(state):
    assert Assessment(state=state).is_locked == (state in {S.REPORTED, S.DECIDED})


def test_open_queryset_leaves_out_closed_assessments(candidate):
    for state in S.values:
        Assessment.objects.bulk_create(
            [
                Assessment(
                    candidate=candidate,
                    scheme_version=factories.make_scheme_version(units=1),
                    state=state,
                    **_scheduled_fields(state),
                ),
            ]
        )
    open_states = set(Assessment.objects.open().values_list("state", flat=True))
    assert open_states == set(S.values) - CLOSED_STATES


def test_unread_notifications_are_those_without_a_read_date(candidate):
    unread = Notification.objects.create(recipient=candidate, title="Baru")
    Notification.objects.create(recipient=candidate, title="Lama", read_at=timezone.now())
    assert list(Notification.objects.unread()) == [unread]


def test_an_event_status_cannot_be_assigned_directly():
    event = factories.AssessmentEventFactory()
    with pytest.raises(AttributeError):
        event.status = AssessmentEvent.Status.DONE


# --- application records: documents, evidence, requests, APL.02 answers -------------------------


def test_one_current_document_per_kind(candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    first = factories.ApplicationDocumentFactory(assessment=assessment, kind="ktp")
    with refused("document_one_current_per_kind"):
        factories.ApplicationDocumentFactory(assessment=assessment, kind="ktp")
    # A replaced document stays beside its replacement; "other" documents may be many; another
    # application has its own.
    ApplicationDocument.objects.filter(pk=first.pk).update(replaced_at=timezone.now())
    assert factories.ApplicationDocumentFactory(assessment=assessment, kind="ktp").pk
    factories.ApplicationDocumentFactory(assessment=assessment, kind="lainnya")
    assert factories.ApplicationDocumentFactory(assessment=assessment, kind="lainnya").pk
    assert factories.ApplicationDocumentFactory(kind="ktp").pk


def test_a_checked_document_records_whether_it_is_present(admin_user):
    document = factories.ApplicationDocumentFactory()
    rows = ApplicationDocument.objects.filter(pk=document.pk)
    with refused("document_checked_has_result"):
        rows.update(checked_at=timezone.now(), checked_by=admin_user)
    rows.update(checked_at=timezone.now(), checked_by=admin_user, present=True, meets=False)
    assert rows.get().present is True


def test_a_document_cannot_be_empty():
    with refused("document_not_empty"):
        factories.ApplicationDocumentFactory(size=0)
    assert factories.ApplicationDocumentFactory(size=1).pk


def test_an_evidence_request_says_what_is_missing():
    with refused("evidence_request_what"):
        factories.EvidenceRequestFactory(what="")
    assert factories.EvidenceRequestFactory(what="Sertifikat pelatihan K3").pk


def test_evidence_needs_a_title():
    with refused("evidence_title_not_blank"):
        factories.EvidenceFactory(title="")
    assert factories.EvidenceFactory(title="Foto hasil kerja").pk


def test_evidence_cannot_be_empty():
    with refused("evidence_not_empty"):
        factories.EvidenceFactory(size=0)
    assert factories.EvidenceFactory(size=1).pk


def test_evidence_cannot_supersede_itself():
    older = factories.EvidenceFactory()
    rows = Evidence.objects.filter(pk=older.pk)
    with refused("evidence_not_superseded_by_itself"):
        rows.update(superseded_by=older.pk)
    newer = factories.EvidenceFactory(assessment=older.assessment)
    rows.update(superseded_by=newer.pk)
    assert rows.get().superseded_by == newer


def _first_element(assessment):
    from schemes.models import Element

    return Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ).first()


def test_an_element_is_answered_once_per_assessment(candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    element = _first_element(assessment)
    SelfAssessment.objects.create(assessment=assessment, element=element, answer="K")
    with refused("self_assessment_once_per_element"):
        SelfAssessment.objects.create(assessment=assessment, element=element, answer="BK")
    other = factories.AssessmentFactory(scheme_version=assessment.scheme_version)
    assert SelfAssessment.objects.create(assessment=other, element=element, answer="BK").pk


def test_a_self_assessment_answer_is_k_or_bk(candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    element = _first_element(assessment)
    for bad in ["", "X", "k"]:
        with refused("self_assessment_answer_valid"):
            SelfAssessment.objects.create(assessment=assessment, element=element, answer=bad)
    assert SelfAssessment.objects.create(assessment=assessment, element=element, answer="K").pk

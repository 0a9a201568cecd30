"""The candidate's application services (assessments/services/application.py): the profile,
starting and editing an application with an event place, documents, evidence, FR.APL.02 answers,
the submit checklist and submitting. Each: the happy path and every refusal."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from assessments import services
from assessments.models import (
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    CandidateProfile,
    DocumentKind,
    Evidence,
    SelfAssessment,
)
from assessments.services import transitions
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The messages are asserted in their source language (the site's default is Indonesian).
    with translation.override("en"):
        yield


S = Assessment.State
P = Assessment.Purpose


def _elements(assessment: Assessment) -> list[Element]:
    return list(
        Element.objects.filter(
            unit__scheme_units__group__version=assessment.scheme_version_id
        ).order_by("pk")
    )


def _open_event(scheme_version, **kwargs) -> AssessmentEvent:
    event = factories.AssessmentEventFactory(scheme_version=scheme_version, **kwargs)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=AssessmentEvent.Status.OPEN)
    event.refresh_from_db()
    return event


def _draft(candidate, scheme_version=None, **kwargs) -> Assessment:
    return services.application_start(
        candidate=candidate,
        scheme_version=scheme_version or factories.make_scheme_version(),
        purpose=kwargs.pop("purpose", P.CERTIFICATION),
        **kwargs,
    )


def _code(info) -> str:
    return info.value.code


# --- profile ------------------------------------------------------------------------------------

PROFILE = {
    "nik": "3171012345678901",
    "birth_place": "Bandung",
    "birth_date": datetime.date(1995, 3, 2),
    "sex": CandidateProfile.Sex.MALE,
    "nationality": "Indonesia",
    "address": "Jl. Asia Afrika 8, Bandung",
    "postal_code": "40111",
    "phone": "0812 1111 2222",
    "education": CandidateProfile.Education.S1,
    "institution": "PT Maju",
    "position": "Teknisi",
    "job_address": "",
    "job_phone": "",
    "job_email": "kantor@maju.test",
}


def test_saving_a_profile_creates_it_and_makes_the_user_a_candidate():
    user = factories.UserFactory()
    profile = services.candidate_profile_save(user=user, data=PROFILE)
    user.refresh_from_db()
    assert user.is_candidate
    assert profile.nik == PROFILE["nik"]
    assert CandidateProfile.objects.filter(user=user).count() == 1


def test_saving_again_updates_the_one_profile(candidate):
    services.candidate_profile_save(user=candidate, data={**PROFILE, "position": "Supervisor"})
    assert CandidateProfile.objects.filter(user=candidate).count() == 1
    assert CandidateProfile.objects.get(user=candidate).position == "Supervisor"


def test_profile_data_cannot_set_the_user(candidate, other_candidate):
    CandidateProfile.objects.filter(user=other_candidate).delete()
    profile = services.candidate_profile_save(
        user=candidate, data={**PROFILE, "user": other_candidate, "user_id": other_candidate.pk}
    )
    assert profile.user == candidate
    assert not CandidateProfile.objects.filter(user=other_candidate).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nik", "31710123456789"),
        ("nik", "3171O12345678901"),
        ("phone", "call me"),
        ("job_email", "not-an-email"),
        ("birth_date", "future"),
        ("birth_date", "too_young"),
        ("birth_date", "too_old"),
    ],
)
def test_profile_refuses_invalid_data_with_the_field_named(field, value):
    today = timezone.localdate()
    value = {
        "future": today + datetime.timedelta(days=1),
        "too_young": today.replace(year=today.year - 10),
        "too_old": today.replace(year=today.year - 120),
    }.get(value, value)
    user = factories.UserFactory()
    with pytest.raises(ValidationError) as info:
        services.candidate_profile_save(user=user, data={**PROFILE, field: value})
    assert field in info.value.message_dict
    assert not CandidateProfile.objects.filter(user=user).exists()


def test_profile_refuses_a_nik_registered_to_someone_else(candidate):
    taken = candidate.candidate_profile.nik
    with pytest.raises(ValidationError) as info:
        services.candidate_profile_save(
            user=factories.UserFactory(), data={**PROFILE, "nik": taken}
        )
    assert "nik" in info.value.message_dict


# --- starting an application --------------------------------------------------------------------


def test_start_opens_a_draft_with_an_audit_row(candidate, scheme_version):
    assessment = _draft(candidate, scheme_version)
    assert assessment.state == S.DRAFT
    assert assessment.candidate == candidate
    assert assessment.history.first().history_change_reason == "created"


def test_start_refuses_a_user_without_a_profile(scheme_version):
    with pytest.raises(ValidationError) as info:
        _draft(factories.CandidateUserFactory(), scheme_version)
    assert _code(info) == "no_profile"


def test_start_refuses_a_duplicate_application(candidate, scheme_version):
    _draft(candidate, scheme_version)
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version)
    assert _code(info) == "already_open"
    assert "already has an open application" in info.value.messages[0]
    assert Assessment.objects.filter(candidate=candidate).count() == 1


def test_start_refuses_an_unpublished_scheme(candidate):
    draft_version = factories.make_scheme_version(publish=False)
    with pytest.raises(ValidationError) as info:
        _draft(candidate, draft_version)
    assert _code(info) == "unpublished"


def test_start_refuses_an_unknown_purpose(candidate, scheme_version):
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version, purpose="jalan_jalan")
    assert "purpose" in info.value.message_dict


def test_lainnya_needs_its_purpose_named(candidate, scheme_version):
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version, purpose=P.OTHER, purpose_other="  ")
    assert "purpose_other" in info.value.message_dict
    assessment = _draft(candidate, scheme_version, purpose=P.OTHER, purpose_other="Promosi")
    assert assessment.purpose_other == "Promosi"


def test_recertification_names_the_candidates_own_decided_assessment(candidate, other_candidate):
    mine = factories.assessment_in_state(S.DECIDED, candidate=candidate)
    theirs = factories.assessment_in_state(S.DECIDED, candidate=other_candidate)
    version = factories.make_scheme_version()
    for previous_id in (None, theirs.pk):
        with pytest.raises(ValidationError) as info:
            _draft(candidate, version, purpose=P.RECERTIFICATION, previous_id=previous_id)
        assert _code(info) == "previous_required"
    renewal = _draft(candidate, version, purpose=P.RECERTIFICATION, previous_id=mine.pk)
    assert renewal.previous == mine


def test_start_takes_a_place_in_an_open_event(candidate, scheme_version):
    event = _open_event(scheme_version, quota=2)
    assessment = _draft(candidate, scheme_version, event_id=event.pk)
    assert assessment.event == event
    assert assessment.history.first().history_change_reason == "event chosen by candidate"


def test_start_refuses_an_event_of_another_scheme(candidate, scheme_version):
    event = _open_event(factories.make_scheme_version())
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version, event_id=event.pk)
    assert _code(info) == "wrong_scheme"
    assert not Assessment.objects.filter(candidate=candidate).exists()


@pytest.mark.parametrize("status", ["planned", "closed", "done", "cancelled"])
def test_start_refuses_an_event_that_is_not_open(status, candidate, scheme_version):
    event = factories.AssessmentEventFactory(scheme_version=scheme_version)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=status)
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version, event_id=event.pk)
    assert _code(info) == "event_closed"


def test_start_refuses_an_open_event_that_has_started(candidate, scheme_version):
    started = timezone.now() - datetime.timedelta(hours=1)
    event = _open_event(
        scheme_version, starts_at=started, ends_at=started + datetime.timedelta(hours=8)
    )
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version, event_id=event.pk)
    assert _code(info) == "event_closed"


def test_start_refuses_a_full_event_and_a_withdrawal_frees_the_place(
    candidate, other_candidate, scheme_version
):
    event = _open_event(scheme_version, quota=1)
    first = _draft(other_candidate, scheme_version, event_id=event.pk)
    with pytest.raises(ValidationError) as info:
        _draft(candidate, scheme_version, event_id=event.pk)
    assert _code(info) == "event_full"
    services.application_withdraw(assessment_id=first.pk, actor=other_candidate, reason="Sakit")
    assert _draft(candidate, scheme_version, event_id=event.pk).event == event


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_candidates_taking_the_last_place_at_once_never_overfill_it(monkeypatch):
    version = factories.make_scheme_version()
    event = _open_event(version, quota=1)
    contenders = [factories.CandidateProfileFactory().user for _ in range(2)]

    # Widen the window between counting the places and saving the application, so that
    # without the event row lock both threads would count one free place before either saves.
    real_create = transitions.assessment_create

    def slow_create(**kwargs):
        time.sleep(0.5)
        return real_create(**kwargs)

    monkeypatch.setattr(transitions, "assessment_create", slow_create)
    barrier = threading.Barrier(len(contenders))
    outcomes: dict[int, str] = {}

    def apply(user) -> None:
        try:
            barrier.wait(timeout=10)
            _draft(user, version, event_id=event.pk)
            outcomes[user.pk] = "placed"
        except ValidationError as exc:
            outcomes[user.pk] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(user,)) for user in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["event_full", "placed"]
    assert event.assessments.count() == 1


# --- editing an application ---------------------------------------------------------------------


def test_update_changes_purpose_and_event_with_an_audit_row(candidate, scheme_version):
    assessment = _draft(candidate, scheme_version)
    event = _open_event(scheme_version)
    services.application_update(
        assessment_id=assessment.pk, actor=candidate, purpose=P.RPL, event_id=event.pk
    )
    assessment.refresh_from_db()
    assert (assessment.purpose, assessment.event) == (P.RPL, event)
    assert assessment.history.first().history_change_reason == "application updated"
    assert assessment.history.first().history_user == candidate


def test_update_refuses_another_candidate(candidate, other_candidate):
    assessment = _draft(candidate)
    with pytest.raises(PermissionDenied):
        services.application_update(
            assessment_id=assessment.pk, actor=other_candidate, purpose=P.RPL
        )


@pytest.mark.parametrize("state", [S.SUBMITTED, S.ACCEPTED, S.WITHDRAWN])
def test_update_refuses_an_application_that_is_not_editable(state):
    assessment = factories.assessment_in_state(state)
    with pytest.raises(ValidationError) as info:
        services.application_update(
            assessment_id=assessment.pk, actor=assessment.candidate, purpose=P.RPL
        )
    assert _code(info) == "not_editable"
    assessment.refresh_from_db()
    assert assessment.purpose == P.CERTIFICATION


def test_a_returned_application_is_editable_again():
    assessment = factories.assessment_in_state(S.RETURNED)
    services.application_update(
        assessment_id=assessment.pk, actor=assessment.candidate, purpose=P.PKT
    )
    assessment.refresh_from_db()
    assert assessment.purpose == P.PKT


def test_update_keeps_the_current_event_even_when_it_is_now_full(
    candidate, other_candidate, scheme_version
):
    event = _open_event(scheme_version, quota=1)
    mine = _draft(candidate, scheme_version, event_id=event.pk)
    services.application_update(
        assessment_id=mine.pk, actor=candidate, purpose=P.RPL, event_id=event.pk
    )
    other = _draft(other_candidate, scheme_version)
    with pytest.raises(ValidationError) as info:
        services.application_update(
            assessment_id=other.pk, actor=other_candidate, purpose=P.RPL, event_id=event.pk
        )
    assert _code(info) == "event_full"


def test_leaving_recertification_forgets_the_earlier_certification(candidate):
    earlier = factories.assessment_in_state(S.DECIDED, candidate=candidate)
    renewal = _draft(candidate, purpose=P.RECERTIFICATION, previous_id=earlier.pk)
    services.application_update(assessment_id=renewal.pk, actor=candidate, purpose=P.PKT)
    renewal.refresh_from_db()
    assert renewal.previous is None


def test_update_refuses_lainnya_without_a_name_cleanly(candidate):
    assessment = _draft(candidate)
    with pytest.raises(ValidationError) as info:
        services.application_update(assessment_id=assessment.pk, actor=candidate, purpose=P.OTHER)
    assert "purpose_other" in info.value.message_dict


# --- documents ----------------------------------------------------------------------------------


def test_required_documents_come_from_the_scheme_plus_payment_when_it_has_a_fee(candidate):
    version = factories.make_scheme_version(
        required_documents=["ktp", "photo", "not-a-kind"], fee=500_000
    )
    assessment = _draft(candidate, version)
    assert services.required_document_kinds(assessment) == ["ktp", "photo", "bukti_bayar"]
    free = _draft(candidate, factories.make_scheme_version(required_documents=["ktp"]))
    assert services.required_document_kinds(free) == ["ktp"]


def test_document_upload_stores_what_the_content_says(candidate):
    assessment = _draft(candidate)
    document = services.document_upload(
        assessment_id=assessment.pk,
        actor=candidate,
        kind=DocumentKind.PHOTO,
        uploaded=factories.png_file("Foto Saya.PNG"),
    )
    assert document.content_type == "image/png"
    assert document.original_name == "Foto Saya.png"
    assert document.uploaded_by == candidate
    assert len(document.sha256) == 64
    assert document.file.storage.exists(document.file.name)


def test_uploading_again_replaces_the_current_document_and_keeps_the_old(candidate):
    assessment = _draft(candidate)
    first = services.document_upload(
        assessment_id=assessment.pk, actor=candidate, kind="ktp", uploaded=factories.pdf_file()
    )
    second = services.document_upload(
        assessment_id=assessment.pk, actor=candidate, kind="ktp", uploaded=factories.pdf_file()
    )
    first.refresh_from_db()
    assert first.replaced_at is not None
    assert list(ApplicationDocument.objects.filter(replaced_at__isnull=True)) == [second]


def test_other_documents_do_not_replace_each_other(candidate):
    assessment = _draft(candidate)
    for _ in range(2):
        services.document_upload(
            assessment_id=assessment.pk,
            actor=candidate,
            kind=DocumentKind.OTHER,
            uploaded=factories.pdf_file(),
        )
    assert assessment.documents.filter(replaced_at__isnull=True).count() == 2


def test_document_upload_refuses_another_candidate(candidate, other_candidate):
    assessment = _draft(candidate)
    with pytest.raises(PermissionDenied):
        services.document_upload(
            assessment_id=assessment.pk,
            actor=other_candidate,
            kind="ktp",
            uploaded=factories.pdf_file(),
        )
    assert not assessment.documents.exists()


def test_document_upload_refuses_a_submitted_application():
    assessment = factories.assessment_in_state(S.SUBMITTED)
    with pytest.raises(ValidationError) as info:
        services.document_upload(
            assessment_id=assessment.pk,
            actor=assessment.candidate,
            kind="ktp",
            uploaded=factories.pdf_file(),
        )
    assert _code(info) == "not_editable"


@pytest.mark.parametrize(
    ("kind", "name", "data", "code"),
    [
        ("passport", "ktp.pdf", factories.PDF_BYTES, "kind"),
        ("ktp", "ktp.pdf", b"<html><script>alert(1)</script></html>", "type_mismatch"),
        ("ktp", "ktp.docx", factories.PDF_BYTES, "extension"),
        ("ktp", "ktp.pdf", b"", "empty"),
    ],
)
def test_document_upload_refuses_bad_input_and_stores_nothing(candidate, kind, name, data, code):
    assessment = _draft(candidate)
    with pytest.raises(ValidationError) as info:
        services.document_upload(
            assessment_id=assessment.pk,
            actor=candidate,
            kind=kind,
            uploaded=factories.pdf_file(name, data),
        )
    assert _code(info) == code
    assert not assessment.documents.exists()


# --- evidence -----------------------------------------------------------------------------------


def _evidence(assessment: Assessment, title: str = "Laporan", **kwargs) -> Evidence:
    return services.evidence_upload(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        title=title,
        uploaded=kwargs.pop("uploaded", None) or factories.pdf_file(),
        **kwargs,
    )


def test_evidence_upload_keeps_title_description_and_file_facts(candidate):
    assessment = _draft(candidate)
    item = _evidence(assessment, "  Foto instalasi ", description=" Di PT Maju ")
    assert (item.title, item.description) == ("Foto instalasi", "Di PT Maju")
    assert (item.content_type, item.uploaded_by, item.size) == (
        "application/pdf",
        candidate,
        len(factories.PDF_BYTES),
    )


def test_evidence_may_be_a_video(candidate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assessment = _draft(candidate)
    video = SimpleUploadedFile("praktik.mp4", factories.MP4_BYTES, content_type="video/mp4")
    assert _evidence(assessment, uploaded=video).content_type == "video/mp4"


def test_evidence_upload_refuses_another_candidate(candidate, other_candidate):
    assessment = _draft(candidate)
    with pytest.raises(PermissionDenied):
        services.evidence_upload(
            assessment_id=assessment.pk,
            actor=other_candidate,
            title="X",
            uploaded=factories.pdf_file(),
        )


def test_evidence_upload_refuses_a_blank_title(candidate):
    assessment = _draft(candidate)
    with pytest.raises(ValidationError) as info:
        _evidence(assessment, "   ")
    assert "title" in info.value.message_dict


def test_evidence_upload_refuses_a_hostile_file(candidate):
    assessment = _draft(candidate)
    with pytest.raises(ValidationError) as info:
        _evidence(assessment, uploaded=factories.pdf_file("cv.pdf", b"<html></html>"))
    assert _code(info) == "type_mismatch"
    assert not assessment.evidence.exists()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SCHEDULED, S.CLEARED])
def test_without_a_request_evidence_is_added_only_while_editable(state):
    assessment = factories.assessment_in_state(state)
    with pytest.raises(ValidationError) as info:
        _evidence(assessment)
    assert _code(info) == "not_editable"


def test_an_open_request_can_be_answered_after_submission():
    assessment = factories.assessment_in_state(S.CLEARED)
    request = factories.EvidenceRequestFactory(
        assessment=assessment, requested_by=assessment.assessor
    )
    item = _evidence(assessment, "Sertifikat K3", request_id=request.pk)
    assert item.request == request


def test_answered_or_foreign_requests_cannot_be_used(candidate):
    assessment = factories.assessment_in_state(S.CLEARED)
    answered = factories.EvidenceRequestFactory(assessment=assessment, answered_at=timezone.now())
    foreign = factories.EvidenceRequestFactory()
    for request in (answered, foreign):
        with pytest.raises(ValidationError) as info:
            _evidence(assessment, request_id=request.pk)
        assert _code(info) == "request_closed"


@pytest.mark.parametrize("state", [S.RECOMMENDED, S.REPORTED, S.DECIDED])
def test_a_request_is_no_longer_answered_once_the_assessment_is_over(state):
    assessment = factories.assessment_in_state(state)
    request = factories.EvidenceRequestFactory(assessment=assessment)
    with pytest.raises(ValidationError) as info:
        _evidence(assessment, request_id=request.pk)
    assert _code(info) == "not_editable"


def test_superseding_keeps_both_and_moves_the_links(candidate):
    assessment = _draft(candidate)
    old = _evidence(assessment, "Versi lama")
    element = _elements(assessment)[0]
    services.self_assessment_save(
        assessment_id=assessment.pk,
        actor=candidate,
        element_id=element.pk,
        answer="K",
        evidence_ids=[old.pk],
    )
    Evidence.objects.filter(pk=old.pk).update(reviewed_at=timezone.now())
    new = _evidence(assessment, "Versi baru", supersedes_id=old.pk)
    old.refresh_from_db()
    assert old.superseded_by == new
    assert set(assessment.evidence.all()) == {old, new}
    answer = SelfAssessment.objects.get(assessment=assessment, element=element)
    assert set(answer.evidence.all()) == {old, new}


def test_only_a_current_own_item_can_be_superseded(candidate):
    assessment = _draft(candidate)
    old = _evidence(assessment)
    _evidence(assessment, supersedes_id=old.pk)
    foreign = factories.EvidenceFactory()
    for supersedes_id in (old.pk, foreign.pk):
        with pytest.raises(ValidationError) as info:
            _evidence(assessment, supersedes_id=supersedes_id)
        assert _code(info) == "supersede"


def test_deleting_unreviewed_evidence_removes_it_and_its_file_after_commit(
    candidate, django_capture_on_commit_callbacks
):
    assessment = _draft(candidate)
    item = _evidence(assessment)
    name, storage = item.file.name, item.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(evidence_id=item.pk, actor=candidate)
    assert not Evidence.objects.filter(pk=item.pk).exists()
    assert not storage.exists(name)


def test_reviewed_evidence_cannot_be_deleted(candidate):
    assessment = _draft(candidate)
    item = _evidence(assessment)
    Evidence.objects.filter(pk=item.pk).update(reviewed_at=timezone.now())
    with pytest.raises(ValidationError) as info:
        services.evidence_delete(evidence_id=item.pk, actor=candidate)
    assert _code(info) == "reviewed"
    assert Evidence.objects.filter(pk=item.pk).exists()


def test_neither_side_of_a_supersession_can_be_deleted(candidate):
    assessment = _draft(candidate)
    old = _evidence(assessment)
    new = _evidence(assessment, supersedes_id=old.pk)
    for item, code in ((old, "superseded"), (new, "supersedes")):
        with pytest.raises(ValidationError) as info:
            services.evidence_delete(evidence_id=item.pk, actor=candidate)
        assert _code(info) == code
    assert assessment.evidence.count() == 2


def test_evidence_delete_refuses_another_candidate_and_a_submitted_application(other_candidate):
    draft = factories.AssessmentFactory()
    item = factories.EvidenceFactory(assessment=draft)
    with pytest.raises(PermissionDenied):
        services.evidence_delete(evidence_id=item.pk, actor=other_candidate)
    submitted = factories.assessment_in_state(S.SUBMITTED)
    kept = factories.EvidenceFactory(assessment=submitted)
    with pytest.raises(ValidationError) as info:
        services.evidence_delete(evidence_id=kept.pk, actor=submitted.candidate)
    assert _code(info) == "not_editable"
    assert Evidence.objects.filter(pk__in=[item.pk, kept.pk]).count() == 2


def test_evidence_delete_of_a_missing_item_is_a_clear_refusal(candidate):
    with pytest.raises(ValidationError) as info:
        services.evidence_delete(evidence_id=987654, actor=candidate)
    assert _code(info) == "missing"


# --- FR.APL.02 answers --------------------------------------------------------------------------


def test_an_answer_is_saved_once_per_element_and_can_change(candidate):
    assessment = _draft(candidate)
    element = _elements(assessment)[0]
    item = _evidence(assessment)
    for answer, ids in (("K", [item.pk]), ("BK", [])):
        services.self_assessment_save(
            assessment_id=assessment.pk,
            actor=candidate,
            element_id=element.pk,
            answer=answer,
            evidence_ids=ids,
        )
    row = SelfAssessment.objects.get(assessment=assessment)
    assert (row.answer, list(row.evidence.all())) == ("BK", [])


def test_one_file_may_support_several_elements(candidate):
    assessment = _draft(candidate)
    item = _evidence(assessment)
    for element in _elements(assessment):
        services.self_assessment_save(
            assessment_id=assessment.pk,
            actor=candidate,
            element_id=element.pk,
            answer="K",
            evidence_ids=[item.pk],
        )
    assert item.self_assessments.count() == len(_elements(assessment))


def _answer(assessment, actor, **kwargs):
    defaults = {"element_id": _elements(assessment)[0].pk, "answer": "K", "evidence_ids": []}
    return services.self_assessment_save(
        assessment_id=assessment.pk, actor=actor, **{**defaults, **kwargs}
    )


def test_answer_refuses_another_candidate(candidate, other_candidate):
    assessment = _draft(candidate)
    with pytest.raises(PermissionDenied):
        _answer(assessment, other_candidate)


def test_answer_refuses_a_submitted_application():
    assessment = factories.assessment_in_state(S.SUBMITTED)
    with pytest.raises(ValidationError) as info:
        _answer(assessment, assessment.candidate)
    assert _code(info) == "not_editable"


def test_answer_refuses_an_element_of_another_scheme(candidate):
    assessment = _draft(candidate)
    foreign = _elements(factories.AssessmentFactory())[0]
    with pytest.raises(ValidationError) as info:
        _answer(assessment, candidate, element_id=foreign.pk)
    assert _code(info) == "element"


def test_answer_refuses_anything_but_k_or_bk(candidate):
    assessment = _draft(candidate)
    with pytest.raises(ValidationError) as info:
        _answer(assessment, candidate, answer="Y")
    assert "answer" in info.value.message_dict


def test_answer_refuses_foreign_or_superseded_evidence(candidate):
    assessment = _draft(candidate)
    old = _evidence(assessment)
    _evidence(assessment, supersedes_id=old.pk)
    foreign = factories.EvidenceFactory()
    for evidence_id in (foreign.pk, old.pk):
        with pytest.raises(ValidationError) as info:
            _answer(assessment, candidate, evidence_ids=[evidence_id])
        assert "evidence" in info.value.message_dict
    assert not SelfAssessment.objects.filter(assessment=assessment).exists()


def test_saving_again_keeps_the_link_to_a_superseded_item(candidate):
    assessment = _draft(candidate)
    old = _evidence(assessment)
    _answer(assessment, candidate, evidence_ids=[old.pk])
    new = _evidence(assessment, supersedes_id=old.pk)
    row = _answer(assessment, candidate, evidence_ids=[new.pk])
    assert set(row.evidence.all()) == {old, new}


# --- checklist and submit -----------------------------------------------------------------------


def test_the_checklist_names_every_missing_part_with_its_section():
    assessment = factories.AssessmentFactory(
        scheme_version=factories.make_scheme_version(required_documents=["ktp"], fee=100_000)
    )
    element = _elements(assessment)[0]
    SelfAssessment.objects.create(assessment=assessment, element=element, answer="K")
    sections = [section for section, _message in services.application_checklist(assessment)]
    # No profile (the factory's candidate has none), two documents, unanswered elements, one K
    # without evidence.
    assert sections == ["profile", "documents", "documents", "apl02", "apl02"]
    assert services.application_problems(assessment)[1] == "Upload the document: ID card (KTP)."


def test_the_checklist_is_empty_for_a_complete_application(candidate):
    assessment = factories.complete_application(
        _draft(candidate, factories.make_scheme_version(required_documents=["ktp", "photo"]))
    )
    assert services.application_checklist(assessment) == []


def test_the_checklist_asks_for_the_earlier_certification_of_a_renewal(candidate):
    assessment = _draft(candidate)
    Assessment.objects.filter(pk=assessment.pk).update(purpose=P.RECERTIFICATION)
    assessment.refresh_from_db()
    assert ("apl01", "Choose the earlier certification you are renewing.") in (
        services.application_checklist(assessment)
    )


def test_the_checklist_costs_the_same_queries_for_any_scheme_size(
    candidate, other_candidate, django_assert_num_queries
):
    small = factories.complete_application(
        _draft(candidate, factories.make_scheme_version(units=2, elements=2))
    )
    large = factories.complete_application(
        _draft(other_candidate, factories.make_scheme_version(units=10, elements=4))
    )
    small = Assessment.objects.select_related("scheme_version").get(pk=small.pk)
    large = Assessment.objects.select_related("scheme_version").get(pk=large.pk)
    with django_assert_num_queries(5):
        services.application_checklist(small)
    with django_assert_num_queries(5):
        services.application_checklist(large)


def test_submit_moves_a_complete_draft_to_submitted_with_an_audit_row(candidate):
    assessment = factories.complete_application(_draft(candidate))
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED
    assert assessment.submitted_at is not None
    assert assessment.history.first().history_change_reason == "submitted by candidate"


def test_submit_is_refused_while_a_k_has_no_evidence(candidate):
    assessment = factories.complete_application(_draft(candidate))
    element = _elements(assessment)[0]
    _answer(assessment, candidate, element_id=element.pk, answer="K", evidence_ids=[])
    with pytest.raises(ValidationError) as info:
        services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assert info.value.messages == ["1 element(s) claimed K have no evidence linked."]
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT


def test_bk_without_evidence_does_not_block_submit(candidate):
    assessment = factories.complete_application(_draft(candidate))
    _answer(assessment, candidate, answer="BK", evidence_ids=[])
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_submit_is_refused_while_documents_are_missing(candidate):
    version = factories.make_scheme_version(required_documents=["ktp", "ijazah"])
    assessment = factories.complete_application(_draft(candidate, version))
    assessment.documents.filter(kind="ijazah").delete()
    with pytest.raises(ValidationError) as info:
        services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assert info.value.messages == ["Upload the document: Diploma (ijazah)."]


def test_submit_is_refused_to_another_candidate(candidate, other_candidate):
    assessment = factories.complete_application(_draft(candidate))
    with pytest.raises(PermissionDenied):
        services.application_submit(assessment_id=assessment.pk, actor=other_candidate)
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT


def test_submit_is_refused_once_submitted(candidate):
    assessment = factories.complete_application(_draft(candidate))
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    with pytest.raises(ValidationError) as info:
        services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assert _code(info) == "not_editable"


def test_a_returned_application_is_submitted_again_and_the_sections_cleared(candidate, admin_user):
    assessment = factories.complete_application(_draft(candidate))
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    services.assessment_return(
        assessment_id=assessment.pk, actor=admin_user, note="KTP buram", sections=["documents"]
    )
    services.application_submit(assessment_id=assessment.pk, actor=candidate)
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED
    assert assessment.returned_sections == []

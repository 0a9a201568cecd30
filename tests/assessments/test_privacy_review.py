"""Erasure, review fixes: only applications that were once submitted keep the identity, the
outcome owns up to archived documents of drafts, and a file that cannot be deleted stops
neither the other deletions nor the mail."""

import logging

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from assessments import services
from assessments.models import (
    ApplicationDocument,
    ArchivedDocument,
    Assessment,
    CandidateProfile,
    Evidence,
)
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


def _carry_out(candidate, admin_user, capture) -> str:
    erasure = services.erasure_request_create(candidate=candidate)
    with capture(execute=True):
        services.erasure_carry_out(request_id=erasure.pk, actor=admin_user)
    erasure.refresh_from_db()
    return erasure.outcome


def _withdrawn_as_draft(candidate) -> Assessment:
    draft = factories.AssessmentFactory(candidate=candidate)
    return services.assessment_withdraw(assessment_id=draft.pk, actor=candidate, reason="batal")


def _archive(assessment) -> ArchivedDocument:
    archive = ArchivedDocument(
        document="apl01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        version=1,
        sha256="a" * 64,
        size=13,
    )
    archive.file.save("document.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    archive.save()
    return archive


# --- (a) only submitted applications count as a kept record ------------------------------------


def test_an_application_withdrawn_as_a_draft_does_not_keep_the_profile(
    candidate, admin_user, django_capture_on_commit_callbacks
):
    withdrawn = _withdrawn_as_draft(candidate)
    left_behind = factories.EvidenceFactory(assessment=withdrawn)
    factories.AssessmentFactory(candidate=candidate)

    outcome = _carry_out(candidate, admin_user, django_capture_on_commit_callbacks)

    assert not CandidateProfile.objects.filter(user=candidate).exists()
    # Its uploads were the candidate's working copy, like a draft's.
    assert not Evidence.objects.filter(pk=left_behind.pk).exists()
    assert "your personal data (FR.APL.01), including your NIK" in outcome
    assert "2 unsubmitted application(s)" in outcome
    assert "submitted application(s): assessment records" not in outcome


def test_an_application_withdrawn_after_submission_still_keeps_the_identity(
    candidate, admin_user, django_capture_on_commit_callbacks
):
    submitted = factories.assessment_in_state(S.SUBMITTED, candidate=candidate)
    services.assessment_withdraw(assessment_id=submitted.pk, actor=candidate, reason="pindah")
    kept_document = factories.ApplicationDocumentFactory(assessment=submitted)
    nik = candidate.candidate_profile.nik

    outcome = _carry_out(candidate, admin_user, django_capture_on_commit_callbacks)

    profile = CandidateProfile.objects.get(user=candidate)
    assert profile.nik == nik
    assert profile.phone == ""
    assert ApplicationDocument.objects.filter(pk=kept_document.pk).exists()
    assert "record of 1 submitted application(s)" in outcome


# --- (b) archived documents of drafts are kept, and the outcome says so --------------------------


def test_the_outcome_says_archived_documents_of_a_draft_are_kept(
    candidate, admin_user, django_capture_on_commit_callbacks
):
    draft = factories.AssessmentFactory(candidate=candidate)
    archive = _archive(draft)

    outcome = _carry_out(candidate, admin_user, django_capture_on_commit_callbacks)

    assert ArchivedDocument.objects.filter(pk=archive.pk).exists()
    assert default_storage.exists(archive.file.name)
    kept = outcome.split("Kept, and why:")[1]
    assert "1 document(s) generated from your unsubmitted application(s)" in kept
    assert "document archive" in mail.outbox[0].body


def test_the_outcome_is_silent_about_the_archive_when_a_draft_has_none(
    candidate, admin_user, django_capture_on_commit_callbacks
):
    factories.AssessmentFactory(candidate=candidate)
    # Another person's archived draft document is not this candidate's.
    _archive(factories.AssessmentFactory())

    outcome = _carry_out(candidate, admin_user, django_capture_on_commit_callbacks)

    assert "archive" not in outcome


# --- (c) one file that cannot be deleted ---------------------------------------------------------


def test_a_file_that_cannot_be_deleted_stops_neither_the_others_nor_the_mail(
    candidate, admin_user, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    draft = factories.AssessmentFactory(candidate=candidate)
    stuck = default_storage.save(f"assessments/{draft.pk}/a1/KTP Alice.pdf", ContentFile(b"x"))
    gone = default_storage.save(f"assessments/{draft.pk}/b2/ijazah.pdf", ContentFile(b"y"))
    factories.EvidenceFactory(assessment=draft, file=stuck)
    factories.ApplicationDocumentFactory(assessment=draft, file=gone)
    real_delete = FileSystemStorage.delete

    def delete(self, name):
        if name == stuck:
            raise PermissionError(13, "Permission denied")
        real_delete(self, name)

    monkeypatch.setattr(FileSystemStorage, "delete", delete)

    with caplog.at_level(logging.WARNING, logger="assessments.services.privacy"):
        _carry_out(candidate, admin_user, django_capture_on_commit_callbacks)

    assert default_storage.exists(stuck)
    assert not default_storage.exists(gone)
    assert [m.to for m in mail.outbox] == [["alice@example.test"]]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"assessments/{draft.pk}/a1/" in logged
    assert "Permission denied" in logged
    assert "KTP Alice" not in logged

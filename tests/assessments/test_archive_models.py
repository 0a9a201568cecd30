"""The archive is append-only: named constraints, no update or delete through the models or
querysets, a new unguessable file name per version, and the hash chain between versions."""

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from assessments.models import (
    ArchivedDocument,
    ArchiveImmutableError,
    Assessment,
    RenderRequest,
)
from tests import factories

pytestmark = pytest.mark.django_db

SHA_A = "a" * 64
SHA_B = "b" * 64

ARCHIVE_CONSTRAINTS = {
    "render_request_status_valid",
    "render_request_failure_explained",
    "archive_version_unique",
    "archive_version_positive",
    "archive_sha256_hex",
    "archive_chain_linked",
    "archive_not_empty",
}


@contextmanager
def refused(*constraints: str):
    """The write is refused, naming one of ``constraints`` where the backend names it."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        yield
    message = str(info.value)
    if connection.vendor == "postgresql" or "CHECK constraint" in message:
        assert any(constraint in message for constraint in constraints), message


def test_every_archive_constraint_has_a_test():
    names = {
        constraint.name
        for model in (
            apps.get_model("assessments", "ArchivedDocument"),
            apps.get_model("assessments", "RenderRequest"),
            apps.get_model("assessments", "RenderBatch"),
        )
        for constraint in model._meta.constraints
    }
    assert names == ARCHIVE_CONSTRAINTS


@pytest.fixture
def assessment():
    return factories.AssessmentFactory()


def _archive(
    assessment, *, version=1, sha=SHA_A, previous="", size=10, document="ak01", save=True, **extra
) -> ArchivedDocument:
    archive = ArchivedDocument(
        document=document,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        version=version,
        sha256=sha,
        size=size,
        previous_sha256=previous,
        **extra,
    )
    archive.file.save("document.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    if save:
        archive.save()
    return archive


def _request(assessment, **fields) -> RenderRequest:
    return RenderRequest.objects.create(
        document="ak01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=assessment.candidate,
        **fields,
    )


def test_a_version_exists_once_per_document_and_subject(assessment):
    _archive(assessment)
    with refused("archive_version_unique"):
        _archive(assessment)
    # Another document, or another subject, has its own version 1.
    assert _archive(assessment, document="ak02").pk
    assert _archive(factories.AssessmentFactory()).pk


def test_versions_start_at_one(assessment):
    # Version 0 breaks the chain rule too (neither the first nor a later version), and
    # PostgreSQL names whichever of the two constraints it checks first.
    with refused("archive_version_positive", "archive_chain_linked"):
        _archive(assessment, version=0)
    with refused("archive_version_positive", "archive_chain_linked"):
        _archive(assessment, version=0, previous=SHA_B)
    assert _archive(assessment, version=1).pk


def test_the_hash_is_64_hex_digits(assessment):
    with refused("archive_sha256_hex"):
        _archive(assessment, sha="not-a-hash")
    with refused("archive_sha256_hex"):
        _archive(assessment, sha="A" * 64)


def test_each_later_version_names_the_hash_of_the_one_before(assessment):
    with refused("archive_chain_linked"):
        _archive(assessment, version=2)  # no previous hash
    with refused("archive_chain_linked"):
        _archive(assessment, version=1, previous=SHA_B)  # the first has none
    _archive(assessment)
    assert _archive(assessment, version=2, sha=SHA_B, previous=SHA_A).pk


def test_an_archived_file_is_not_empty(assessment):
    with refused("archive_not_empty"):
        _archive(assessment, size=0)


def test_a_render_request_has_a_known_status_and_a_failure_has_its_reason(assessment):
    with refused("render_request_status_valid"):
        _request(assessment, status="lost")
    with refused("render_request_failure_explained"):
        _request(assessment, status=RenderRequest.Status.FAILED)
    assert _request(assessment, status=RenderRequest.Status.FAILED, error="Template error").pk


def test_one_archived_version_per_request(assessment):
    request = _request(assessment)
    _archive(assessment, request=request)
    with pytest.raises(IntegrityError), transaction.atomic():
        _archive(assessment, version=2, sha=SHA_B, previous=SHA_A, request=request)


def test_an_archived_document_cannot_be_changed_or_deleted(assessment):
    archive = _archive(assessment)
    archive.sha256 = SHA_B
    with pytest.raises(ArchiveImmutableError):
        archive.save()
    with pytest.raises(ArchiveImmutableError):
        archive.delete()
    with pytest.raises(ArchiveImmutableError):
        ArchivedDocument.objects.filter(pk=archive.pk).update(sha256=SHA_B)
    with pytest.raises(ArchiveImmutableError):
        ArchivedDocument.objects.filter(pk=archive.pk).delete()
    # Reloaded, saved again as it is: still refused (the row is evidence, not a draft).
    with pytest.raises(ArchiveImmutableError):
        ArchivedDocument.objects.get(pk=archive.pk).save()
    stored = ArchivedDocument.objects.get(pk=archive.pk)
    assert stored.sha256 == SHA_A
    assert archive.file.storage.exists(stored.file.name)


def test_every_version_gets_its_own_unguessable_file_name(assessment):
    first = _archive(assessment)
    second = _archive(assessment, version=2, sha=SHA_B, previous=SHA_A)
    assert first.file.name != second.file.name
    assert first.file.name.startswith("archive/ak01/")
    assert "/v1-" in first.file.name and "/v2-" in second.file.name
    assert len(first.file.name.rsplit("-", 1)[1]) == len("0123456789abcdef0123456789abcdef.pdf")

"""Downloads of documents and evidence: only for the people who may read the assessment, as an
attachment with the stored content type (inline only for PDF/JPEG/PNG on request), never cached
or sniffed; with S3 storage, a short-lived signed URL instead."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import ApplicationDocument, Assessment, Evidence
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


@pytest.fixture
def stored():
    """A draft with one document and one piece of evidence stored for real."""
    assessment = factories.AssessmentFactory(
        scheme_version=factories.make_scheme_version(required_documents=["ktp"])
    )
    candidate = assessment.candidate
    document = services.document_upload(
        assessment_id=assessment.pk,
        actor=candidate,
        kind="ktp",
        uploaded=factories.pdf_file("KTP Alice.pdf"),
    )
    docx = SimpleUploadedFile("cv.docx", _docx(), content_type="application/octet-stream")
    evidence = services.evidence_upload(
        assessment_id=assessment.pk, actor=candidate, title="CV", uploaded=docx
    )
    return assessment, document, evidence


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<x/>")
    return buffer.getvalue()


def _doc_url(document: ApplicationDocument) -> str:
    return reverse("assessments:document_file", args=[document.pk])


def _evidence_url(evidence: Evidence) -> str:
    return reverse("assessments:evidence_file", args=[evidence.pk])


def _assert_private(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_the_candidate_downloads_a_document_as_an_attachment(client, stored):
    assessment, document, _evidence = stored
    client.force_login(assessment.candidate)
    response = client.get(_doc_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="KTP Alice.pdf"'
    assert b"".join(response.streaming_content) == factories.PDF_BYTES
    _assert_private(response)


def test_a_pdf_is_shown_inline_only_when_asked(client, stored):
    assessment, document, _evidence = stored
    client.force_login(assessment.candidate)
    response = client.get(_doc_url(document) + "?inline=1")
    assert response["Content-Disposition"] == 'inline; filename="KTP Alice.pdf"'
    _assert_private(response)


def test_other_types_are_always_attachments(client, stored):
    assessment, _document, evidence = stored
    client.force_login(assessment.candidate)
    response = client.get(_evidence_url(evidence) + "?inline=1")
    assert response["Content-Disposition"] == 'attachment; filename="cv.docx"'
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    _assert_private(response)


def test_the_assigned_assessor_an_admin_and_a_decision_maker_may_download(
    client, stored, admin_user, decision_maker, assessor
):
    assessment, document, evidence = stored
    Assessment.objects.filter(pk=assessment.pk).update(assessor=assessor)
    for user in (assessor, admin_user, decision_maker):
        client.force_login(user)
        assert client.get(_doc_url(document)).status_code == 200
        assert client.get(_evidence_url(evidence)).status_code == 200


def test_everyone_else_gets_404(client, stored, other_candidate, other_assessor, assessor):
    assessment, document, evidence = stored
    Assessment.objects.filter(pk=assessment.pk).update(assessor=assessor)
    for user in (other_candidate, other_assessor):
        client.force_login(user)
        assert client.get(_doc_url(document)).status_code == 404
        assert client.get(_evidence_url(evidence)).status_code == 404
    client.force_login(assessment.candidate)
    assert client.get(reverse("assessments:document_file", args=[987654])).status_code == 404


def test_an_assessor_who_lost_the_role_cannot_download(client, stored, assessor):
    assessment, document, _evidence = stored
    Assessment.objects.filter(pk=assessment.pk).update(assessor=assessor)
    assessor.is_assessor = False
    assessor.save(update_fields=["is_assessor"])
    client.force_login(assessor)
    assert client.get(_doc_url(document)).status_code == 404


def test_anonymous_downloads_go_to_sign_in(client, stored):
    _assessment, document, _evidence = stored
    response = client.get(_doc_url(document))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_file_missing_from_storage_is_404_not_a_crash(client, stored):
    assessment, document, _evidence = stored
    document.file.storage.delete(document.file.name)
    client.force_login(assessment.candidate)
    assert client.get(_doc_url(document)).status_code == 404


def test_downloads_refuse_other_methods(client, stored):
    assessment, document, _evidence = stored
    client.force_login(assessment.candidate)
    assert client.post(_doc_url(document)).status_code == 405


def test_with_s3_storage_the_browser_gets_a_short_lived_signed_url(client, stored):
    assessment, document, _evidence = stored
    signed = "https://bucket.s3.example/assessments/x/KTP.pdf?X-Amz-Signature=abc"
    storage = mock.Mock(querystring_auth=True)
    storage.url.return_value = signed
    field = ApplicationDocument._meta.get_field("file")
    client.force_login(assessment.candidate)
    with mock.patch.object(field, "storage", storage):
        response = client.get(_doc_url(document) + "?inline=1")
    assert response.status_code == 302
    assert response["Location"] == signed
    _assert_private(response)
    storage.url.assert_called_once_with(
        document.file.name,
        parameters={
            "ResponseContentDisposition": 'inline; filename="KTP Alice.pdf"',
            "ResponseContentType": "application/pdf",
        },
        expire=60,
    )
    storage.open.assert_not_called()

"""The documents page of FR.APL.01: one upload row per required document, replacing a file, and
every kind of bad upload refused next to its field with nothing stored."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import ApplicationDocument, Assessment
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def assessment(candidate):
    version = factories.make_scheme_version(required_documents=["photo", "ktp"], fee=250_000)
    return factories.AssessmentFactory(candidate=candidate, scheme_version=version)


def _url(assessment) -> str:
    return reverse("assessments:documents", args=[assessment.pk])


def _post(client, assessment, kind: str, upload, **extra):
    return client.post(_url(assessment), {"kind": kind, "file": upload}, **extra)


def test_the_page_has_one_row_per_required_document_and_the_payment(en, candidate, assessment):
    en.force_login(candidate)
    response = en.get(_url(assessment))
    assert [row["kind"] for row in response.context["rows"]] == ["photo", "ktp", "bukti_bayar"]
    body = response.content.decode()
    assert 'id="doc-photo"' in body and 'id="doc-bukti_bayar"' in body
    assert "250,000" in body or "250.000" in body


def test_uploading_a_document_stores_it_and_returns_to_its_row(en, candidate, assessment):
    en.force_login(candidate)
    response = _post(en, assessment, "ktp", factories.pdf_file("KTP saya.pdf"))
    assert response.status_code == 302
    assert response["Location"] == _url(assessment) + "#doc-ktp"
    document = ApplicationDocument.objects.get(assessment=assessment)
    assert (document.kind, document.original_name) == ("ktp", "KTP saya.pdf")
    page = en.get(_url(assessment)).content.decode()
    assert "KTP saya.pdf" in page
    assert reverse("assessments:document_file", args=[document.pk]) in page
    assert "uploaded" in page


def test_uploading_again_replaces_the_file_and_keeps_the_old_one(en, candidate, assessment):
    en.force_login(candidate)
    _post(en, assessment, "photo", factories.png_file("lama.png"))
    _post(en, assessment, "photo", factories.png_file("baru.png"))
    current = ApplicationDocument.objects.get(assessment=assessment, replaced_at__isnull=True)
    assert current.original_name == "baru.png"
    assert ApplicationDocument.objects.filter(assessment=assessment).count() == 2
    row = en.get(_url(assessment)).context["rows"][0]
    assert row["document"] == current


def test_optional_and_other_documents_can_be_added(en, candidate, assessment):
    en.force_login(candidate)
    _post(en, assessment, "sertifikat_pelatihan", factories.pdf_file("pelatihan.pdf"))
    _post(en, assessment, "lainnya", factories.pdf_file("a.pdf"))
    _post(en, assessment, "lainnya", factories.pdf_file("b.pdf"))
    response = en.get(_url(assessment))
    assert len(response.context["others"]) == 2
    optional = {row["kind"]: row["document"] for row in response.context["optional_rows"]}
    assert optional["sertifikat_pelatihan"].original_name == "pelatihan.pdf"


def _refused(response, assessment, message: str) -> None:
    assert response.status_code == 200
    form = next(row["form"] for row in response.context["rows"] if row["form"].is_bound)
    assert message in " ".join(form.errors["file"])
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ApplicationDocument.objects.filter(assessment=assessment).exists()


def test_html_renamed_as_pdf_is_refused_next_to_the_field(en, candidate, assessment):
    en.force_login(candidate)
    html = SimpleUploadedFile(
        "ktp.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    _refused(_post(en, assessment, "ktp", html), assessment, "does not match its name")


def test_an_empty_file_is_refused(en, candidate, assessment):
    en.force_login(candidate)
    empty = SimpleUploadedFile("ktp.pdf", b"", content_type="application/pdf")
    _refused(_post(en, assessment, "ktp", empty), assessment, "empty")


def test_a_missing_file_is_asked_for(en, candidate, assessment):
    en.force_login(candidate)
    response = en.post(_url(assessment), {"kind": "ktp"})
    _refused(response, assessment, "Choose a file to upload.")


def test_a_file_over_the_limit_is_refused(en, candidate, assessment, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 100
    en.force_login(candidate)
    big = factories.pdf_file("ktp.pdf", factories.PDF_BYTES + b"%" * 500)
    _refused(_post(en, assessment, "ktp", big), assessment, "larger than")


def test_a_file_over_every_limit_is_refused_while_it_streams(en, candidate, assessment, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 100
    settings.KOMPETEN_VIDEO_MAX_BYTES = 200
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64
    en.force_login(candidate)
    big = factories.pdf_file("ktp.pdf", factories.PDF_BYTES + b"%" * 5000)
    response = _post(en, assessment, "ktp", big)
    _refused(response, assessment, "The file is larger than")
    assert response.wsgi_request.refused_uploads == {"file"}


def test_a_request_far_over_every_limit_is_not_read_at_all(en, candidate, assessment, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 100
    settings.KOMPETEN_VIDEO_MAX_BYTES = 100
    en.force_login(candidate)
    huge = factories.pdf_file("ktp.pdf", factories.PDF_BYTES + b"%" * (3 * 1024 * 1024))
    response = _post(en, assessment, "ktp", huge, follow=True)
    assert "far too large" in response.content.decode()
    assert not ApplicationDocument.objects.exists()


def test_a_path_traversal_name_is_sanitised(en, candidate, assessment):
    """Sent raw: the test client itself would strip the directories from the name."""
    en.force_login(candidate)
    boundary = "kompetenboundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="kind"\r\n\r\nktp\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="../../../etc/ktp.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + factories.PDF_BYTES
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = en.generic(
        "POST", _url(assessment), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 302
    document = ApplicationDocument.objects.get(assessment=assessment)
    assert document.original_name == "ktp.pdf"
    assert ".." not in document.file.name
    assert document.file.name.startswith(f"assessments/{assessment.pk}/")


@pytest.mark.parametrize("state", [S.SUBMITTED, S.ACCEPTED])
def test_a_submitted_application_hides_the_forms_and_refuses_a_post(en, state):
    assessment = factories.assessment_in_state(
        state, scheme_version=factories.make_scheme_version(required_documents=["ktp"])
    )
    en.force_login(assessment.candidate)
    page = en.get(_url(assessment)).content.decode()
    assert 'enctype="multipart/form-data"' not in page
    assert "it can no longer be changed here" in page
    response = _post(en, assessment, "ktp", factories.pdf_file(), follow=True)
    assert "The application can no longer be changed" in response.content.decode()
    assert not ApplicationDocument.objects.filter(assessment=assessment).exists()


def test_a_returned_application_accepts_a_replacement(en):
    assessment = factories.assessment_in_state(S.RETURNED)
    en.force_login(assessment.candidate)
    response = _post(en, assessment, "ktp", factories.pdf_file())
    assert response.status_code == 302
    assert assessment.documents.count() == 1


def test_the_admins_check_result_is_shown(en, candidate, assessment, admin_user):
    from django.utils import timezone

    document = factories.ApplicationDocumentFactory(assessment=assessment, kind="ktp")
    ApplicationDocument.objects.filter(pk=document.pk).update(
        present=True, meets=False, checked_at=timezone.now(), checked_by=admin_user
    )
    en.force_login(candidate)
    assert "does not meet the requirement" in en.get(_url(assessment)).content.decode()


def test_an_unknown_document_kind_is_refused_with_a_message(en, candidate, assessment):
    en.force_login(candidate)
    response = _post(en, assessment, "paspor", factories.pdf_file())
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ApplicationDocument.objects.exists()


def test_the_page_costs_the_same_queries_with_one_or_all_documents(
    en, candidate, django_assert_num_queries
):
    kinds = ["photo", "ktp", "ijazah", "cv", "sertifikat_pelatihan"]
    few = factories.AssessmentFactory(
        candidate=candidate, scheme_version=factories.make_scheme_version(required_documents=kinds)
    )
    many = factories.AssessmentFactory(
        candidate=candidate, scheme_version=factories.make_scheme_version(required_documents=kinds)
    )
    factories.ApplicationDocumentFactory(assessment=few, kind="ktp")
    for kind in [*kinds, "surat_keterangan_kerja", "lainnya", "lainnya"]:
        factories.ApplicationDocumentFactory(assessment=many, kind=kind)
    en.force_login(candidate)
    for assessment in (few, many):
        en.get(_url(assessment))  # warm the per-site caches
        # session, user, assessment, current documents (the session is not saved again within
        # KOMPETEN_SESSION_REFRESH_SECONDS of the sign-in)
        with django_assert_num_queries(4):
            en.get(_url(assessment))


def test_an_incomplete_post_to_a_submitted_application_is_refused_at_the_top(en):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    en.force_login(assessment.candidate)
    response = en.post(_url(assessment), {"kind": "ktp"}, follow=True)
    assert "The application can no longer be changed" in response.content.decode()

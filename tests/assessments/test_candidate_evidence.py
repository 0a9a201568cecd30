"""The evidence page: the current items with what they support, uploading (video with its larger
limit), deleting unreviewed items, superseding reviewed ones, and answering the assessor's
requests; bad uploads are refused next to the field with the rest of the form kept."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Evidence, EvidenceRequest, SelfAssessment
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def assessment(candidate):
    return factories.AssessmentFactory(candidate=candidate)


def _url(assessment, name="evidence", *args) -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk, *args])


def _upload(client, assessment, upload, title="Laporan proyek", **extra):
    return client.post(
        _url(assessment), {"title": title, "description": "Proyek 2025", "file": upload}, **extra
    )


def test_uploading_evidence_adds_it_and_returns_to_it(en, candidate, assessment):
    en.force_login(candidate)
    response = _upload(en, assessment, factories.pdf_file("laporan.pdf"))
    item = Evidence.objects.get(assessment=assessment)
    assert response["Location"] == _url(assessment) + f"#evidence-{item.pk}"
    assert (item.title, item.description) == ("Laporan proyek", "Proyek 2025")


def test_the_list_shows_file_facts_supported_elements_and_the_reviewed_badge(
    en, candidate, assessment
):
    item = factories.EvidenceFactory(
        assessment=assessment, title="Foto kerja", original_name="foto.pdf"
    )
    element = Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ).first()
    SelfAssessment.objects.create(assessment=assessment, element=element, answer="K").evidence.add(
        item
    )
    Evidence.objects.filter(pk=item.pk).update(reviewed_at=timezone.now())
    en.force_login(candidate)
    body = en.get(_url(assessment)).content.decode()
    assert "Foto kerja" in body and "foto.pdf" in body
    assert "2.0\xa0KB" in body
    assert f"{element.unit.code} · {element.number}." in body
    assert "data-reviewed" in body
    assert reverse("assessments:evidence_file", args=[item.pk]) in body


def test_a_video_may_use_the_larger_video_limit(en, candidate, assessment, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 100
    settings.KOMPETEN_VIDEO_MAX_BYTES = 10_000
    en.force_login(candidate)
    video = SimpleUploadedFile(
        "praktik.mp4", factories.MP4_BYTES + b"\x00" * 400, content_type="video/mp4"
    )
    assert _upload(en, assessment, video).status_code == 302
    too_big_pdf = factories.pdf_file("laporan.pdf", factories.PDF_BYTES + b"%" * 400)
    response = _upload(en, assessment, too_big_pdf, title="Dokumen besar")
    form = response.context["upload_form"]
    assert "larger than" in " ".join(form.errors["file"])
    assert form["title"].value() == "Dokumen besar"
    assert assessment.evidence.count() == 1


def test_an_upload_refused_while_streaming_keeps_the_title_and_description(
    en, candidate, assessment, settings
):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 100
    settings.KOMPETEN_VIDEO_MAX_BYTES = 200
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64
    en.force_login(candidate)
    big = factories.pdf_file("laporan.pdf", factories.PDF_BYTES + b"%" * 5000)
    response = _upload(en, assessment, big, title="Laporan tahunan")
    assert response.status_code == 200
    form = response.context["upload_form"]
    assert "larger than" in " ".join(form.errors["file"])
    assert form["title"].value() == "Laporan tahunan"
    assert form["description"].value() == "Proyek 2025"
    assert 'value="Laporan tahunan"' in response.content.decode()
    assert not assessment.evidence.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("laporan.pdf", b"<!doctype html><script>alert(1)</script>", "does not match its name"),
        ("laporan.pdf", b"", "empty"),
        ("laporan.html", b"<html></html>", "not accepted"),
    ],
)
def test_bad_files_are_refused_next_to_the_field(en, candidate, assessment, name, data, message):
    en.force_login(candidate)
    response = _upload(en, assessment, SimpleUploadedFile(name, data))
    form = response.context["upload_form"]
    assert message in " ".join(form.errors["file"])
    assert form["title"].value() == "Laporan proyek"
    assert not assessment.evidence.exists()


def test_a_blank_title_is_asked_for(en, candidate, assessment):
    en.force_login(candidate)
    response = _upload(en, assessment, factories.pdf_file(), title="")
    assert response.context["upload_form"].errors["title"]


def test_unreviewed_evidence_can_be_deleted(en, candidate, assessment):
    item = services.evidence_upload(
        assessment_id=assessment.pk, actor=candidate, title="Hapus", uploaded=factories.pdf_file()
    )
    en.force_login(candidate)
    response = en.post(_url(assessment, "evidence_delete", item.pk))
    assert response["Location"] == _url(assessment)
    assert not Evidence.objects.filter(pk=item.pk).exists()


def test_reviewed_evidence_cannot_be_deleted_and_offers_a_newer_version(en, candidate, assessment):
    item = factories.EvidenceFactory(assessment=assessment, reviewed_at=timezone.now())
    en.force_login(candidate)
    page = en.get(_url(assessment)).content.decode()
    assert _url(assessment, "evidence_delete", item.pk) not in page
    assert _url(assessment, "evidence_supersede", item.pk) in page
    response = en.post(_url(assessment, "evidence_delete", item.pk), follow=True)
    assert "it can be superseded, not deleted" in response.content.decode()
    assert Evidence.objects.filter(pk=item.pk).exists()


def test_superseding_adds_the_newer_version_and_keeps_both(en, candidate, assessment):
    old = factories.EvidenceFactory(assessment=assessment, reviewed_at=timezone.now())
    en.force_login(candidate)
    prefix = f"s{old.pk}"
    response = en.post(
        _url(assessment, "evidence_supersede", old.pk),
        {f"{prefix}-title": "Versi 2", f"{prefix}-file": factories.pdf_file("v2.pdf")},
    )
    new = Evidence.objects.get(title="Versi 2")
    assert response["Location"] == _url(assessment) + f"#evidence-{new.pk}"
    old.refresh_from_db()
    assert old.superseded_by == new
    page = en.get(_url(assessment))
    assert [i.pk for i in page.context["items"]] == [new.pk]
    assert [i.pk for i in page.context["superseded"]] == [old.pk]


def test_a_refused_supersede_reopens_its_form_with_the_error(en, candidate, assessment):
    old = factories.EvidenceFactory(assessment=assessment, reviewed_at=timezone.now())
    en.force_login(candidate)
    prefix = f"s{old.pk}"
    response = en.post(
        _url(assessment, "evidence_supersede", old.pk),
        {f"{prefix}-title": "Versi 2", f"{prefix}-file": SimpleUploadedFile("v2.pdf", b"x")},
    )
    assert response.status_code == 200
    assert response.context["open_supersede"] == old.pk
    (item,) = response.context["items"]
    assert item.supersede_form.errors["file"]
    assert assessment.evidence.count() == 1


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SCHEDULED])
def test_a_submitted_application_hides_the_upload_and_refuses_a_post(en, state):
    assessment = factories.assessment_in_state(state)
    en.force_login(assessment.candidate)
    page = en.get(_url(assessment)).content.decode()
    assert 'id="upload"' not in page
    response = _upload(en, assessment, factories.pdf_file())
    assert "only in answer to the assessor" in response.content.decode()
    assert not assessment.evidence.exists()


# --- the assessor's requests --------------------------------------------------------------------


@pytest.fixture
def cleared():
    assessment = factories.assessor_may_act(factories.assessment_in_state(S.CLEARED))
    request = services.evidence_request_create(
        assessment_id=assessment.pk,
        actor=assessment.assessor,
        what="Sertifikat pelatihan K3",
        due_date=timezone.localdate() + datetime.timedelta(days=5),
    )
    return assessment, request


def test_an_open_request_is_shown_with_its_forms(en, cleared):
    assessment, request = cleared
    en.force_login(assessment.candidate)
    body = en.get(_url(assessment)).content.decode()
    assert "Sertifikat pelatihan K3" in body
    assert _url(assessment, "evidence_request_upload", request.pk) in body
    assert _url(assessment, "evidence_request_answer", request.pk) in body
    assert 'id="upload"' not in body  # free uploads are closed after submission


def test_a_request_is_answered_with_an_upload_then_marked_answered(en, cleared):
    assessment, request = cleared
    en.force_login(assessment.candidate)
    refused = en.post(_url(assessment, "evidence_request_answer", request.pk), {})
    assert "Upload at least one file" in refused.content.decode()
    prefix = f"r{request.pk}"
    response = en.post(
        _url(assessment, "evidence_request_upload", request.pk),
        {f"{prefix}-title": "Sertifikat K3", f"{prefix}-file": factories.pdf_file()},
    )
    assert response["Location"] == _url(assessment) + f"#request-{request.pk}"
    assert Evidence.objects.get(request=request).title == "Sertifikat K3"
    en.post(
        _url(assessment, "evidence_request_answer", request.pk), {f"a{request.pk}-note": "Sudah"}
    )
    request.refresh_from_db()
    assert (request.answer_note, request.is_open) == ("Sudah", False)
    page = en.get(_url(assessment))
    assert page.context["open_requests"] == []
    assert [r.pk for r in page.context["answered_requests"]] == [request.pk]


def test_a_bad_file_for_a_request_is_refused_in_its_own_form(en, cleared):
    assessment, request = cleared
    en.force_login(assessment.candidate)
    prefix = f"r{request.pk}"
    response = en.post(
        _url(assessment, "evidence_request_upload", request.pk),
        {f"{prefix}-title": "K3", f"{prefix}-file": SimpleUploadedFile("k3.pdf", b"<html>")},
    )
    (shown,) = response.context["open_requests"]
    assert shown.upload_form.errors["file"]
    assert shown.upload_form["title"].value() == "K3"
    assert not EvidenceRequest.objects.get(pk=request.pk).evidence.exists()


def test_a_request_of_another_application_is_404(en, cleared, candidate, assessment):
    _other, request = cleared
    en.force_login(candidate)
    response = en.post(_url(assessment, "evidence_request_answer", request.pk), {})
    assert response.status_code == 404


def test_the_page_costs_the_same_queries_with_one_or_many_items(
    en, candidate, django_assert_num_queries
):
    def build(items: int) -> Assessment:
        assessment = factories.AssessmentFactory(
            candidate=candidate, scheme_version=factories.make_scheme_version(units=2)
        )
        elements = list(
            Element.objects.filter(unit__scheme_units__group__version=assessment.scheme_version_id)
        )
        request = factories.EvidenceRequestFactory(assessment=assessment)
        pieces = [
            factories.EvidenceFactory(assessment=assessment, request=request) for _ in range(items)
        ]
        for element in elements[:items]:
            answer = SelfAssessment.objects.create(
                assessment=assessment, element=element, answer="K"
            )
            answer.evidence.set(pieces)
        newer = factories.EvidenceFactory(assessment=assessment)
        Evidence.objects.filter(pk=pieces[0].pk).update(superseded_by=newer)
        return assessment

    en.force_login(candidate)
    for assessment in (build(1), build(4)):
        en.get(_url(assessment))  # warm the per-site caches
        # session, user, assessment, items + their answers + what they supersede, superseded,
        # requests + their evidence
        with django_assert_num_queries(9):
            en.get(_url(assessment))

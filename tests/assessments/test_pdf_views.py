"""The document pages: ask for a PDF (POST), watch it (a status partial that polls itself while
queued or rendering), download archived versions (same rules as the record), the documents
panel other pages include, and batches for a whole event."""

import hashlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from assessments.models import ArchivedDocument, Assessment, RenderRequest
from assessments.tasks_pdf import render_document
from tests import factories

pytestmark = pytest.mark.django_db

Status = RenderRequest.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def assessment(candidate, assessor):
    return factories.assessment_in_state(
        Assessment.State.SCHEDULED, candidate=candidate, assessor=assessor
    )


@pytest.fixture
def no_worker(monkeypatch):
    """Requests stay queued: nothing renders them."""
    monkeypatch.setattr(render_document, "delay", lambda *args: None)


def _request_url(assessment, document="ak01", subject_type="assessment"):
    return reverse("assessments:document_request", args=[document, subject_type, assessment.pk])


def _ready(assessment, document="ak01") -> ArchivedDocument:
    request = RenderRequest.objects.create(
        document=document,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=assessment.candidate,
    )
    render_document.apply(args=[str(request.request_id)])
    return ArchivedDocument.objects.get(request=request)


def test_asking_for_a_document_renders_it_and_shows_where_it_stands(
    client, candidate, assessment, django_capture_on_commit_callbacks
):
    client.force_login(candidate)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_request_url(assessment))
    request = RenderRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:document_status", args=[request.request_id])
    assert request.requested_by == candidate and request.status == Status.READY
    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    body = page.content.decode()
    assert "<html" in body and 'data-status="ready"' in body
    assert reverse("assessments:archive_download", args=[request.archived.pk]) in body
    assert 'hx-trigger="every' not in body  # nothing left to poll


def test_the_htmx_partial_polls_itself_while_queued(client, candidate, assessment, no_worker):
    client.force_login(candidate)
    response = client.post(_request_url(assessment), **HTMX)
    request = RenderRequest.objects.get()
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'data-status="queued"' in body
    assert 'hx-trigger="every 2s"' in body
    assert f'hx-get="{reverse("assessments:document_status", args=[request.request_id])}"' in body
    RenderRequest.objects.filter(pk=request.pk).update(status=Status.RENDERING)
    again = client.get(reverse("assessments:document_status", args=[request.request_id]), **HTMX)
    assert 'data-status="rendering"' in again.content.decode()
    assert 'hx-trigger="every 2s"' in again.content.decode()


def test_the_partial_stops_polling_once_ready(client, candidate, assessment):
    archive = _ready(assessment)
    client.force_login(candidate)
    response = client.get(
        reverse("assessments:document_status", args=[archive.request.request_id]), **HTMX
    )
    body = response.content.decode()
    assert 'data-status="ready"' in body and "hx-trigger" not in body
    assert reverse("assessments:archive_download", args=[archive.pk]) in body


def test_a_failed_render_shows_the_reason_and_a_retry_button(client, candidate, assessment):
    request = RenderRequest.objects.create(
        document="ak01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=candidate,
        status=Status.FAILED,
        error="TemplateSyntaxError: unclosed tag",
    )
    client.force_login(candidate)
    response = client.get(reverse("assessments:document_status", args=[request.request_id]), **HTMX)
    body = response.content.decode()
    assert 'data-status="failed"' in body and "hx-trigger" not in body
    assert "TemplateSyntaxError: unclosed tag" in body
    assert f'hx-post="{_request_url(assessment)}"' in body


def test_retrying_a_failed_document_creates_a_new_request(client, candidate, assessment, no_worker):
    RenderRequest.objects.create(
        document="ak01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=candidate,
        status=Status.FAILED,
        error="OSError: disk full",
    )
    client.force_login(candidate)
    response = client.post(_request_url(assessment), **HTMX)
    assert 'data-status="queued"' in response.content.decode()
    assert list(RenderRequest.objects.order_by("pk").values_list("status", flat=True)) == [
        Status.FAILED,
        Status.QUEUED,
    ]


def test_a_document_of_someone_elses_record_is_a_404(
    client, other_candidate, other_assessor, assessment
):
    for user in (other_candidate, other_assessor):
        client.force_login(user)
        assert client.post(_request_url(assessment)).status_code == 404
    assert not RenderRequest.objects.exists()


def test_unknown_documents_and_wrong_methods_are_refused(client, candidate, assessment):
    client.force_login(candidate)
    assert client.post(_request_url(assessment, document="nope")).status_code == 404
    assert client.post(_request_url(assessment, subject_type="event")).status_code == 404
    assert client.get(_request_url(assessment)).status_code == 405
    anonymous = client.__class__()
    response = anonymous.post(_request_url(assessment))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not RenderRequest.objects.exists()


def test_the_status_of_someone_elses_request_is_a_404(
    client, other_candidate, assessment, no_worker
):
    archive = _ready(assessment)
    client.force_login(other_candidate)
    url = reverse("assessments:document_status", args=[archive.request.request_id])
    assert client.get(url).status_code == 404


def test_an_archived_version_downloads_as_an_attachment(client, candidate, assessment):
    archive = _ready(assessment)
    client.force_login(candidate)
    response = client.get(reverse("assessments:archive_download", args=[archive.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == archive.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="FR.AK.01_assessment-{assessment.pk}_v1.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_downloads_follow_the_rules_of_the_record(
    client,
    candidate,
    other_candidate,
    assessor,
    other_assessor,
    admin_user,
    decision_maker,
    assessment,
):
    archive = _ready(assessment)
    url = reverse("assessments:archive_download", args=[archive.pk])
    expected = {
        candidate: 200,
        assessor: 200,
        admin_user: 200,
        decision_maker: 200,
        other_candidate: 404,
        other_assessor: 404,
    }
    for user, status in expected.items():
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.logout()
    assert client.get(url).status_code == 302


def test_a_vanished_archive_file_is_a_404_not_a_server_error(client, candidate, assessment):
    archive = _ready(assessment)
    archive.file.storage.delete(archive.file.name)
    client.force_login(candidate)
    assert client.get(reverse("assessments:archive_download", args=[archive.pk])).status_code == 404


def test_the_panel_lists_latest_versions_and_renders_in_progress(
    client, candidate, assessment, no_worker, django_assert_max_num_queries
):
    _ready(assessment, "ak01")
    latest = _ready(assessment, "ak01")
    RenderRequest.objects.create(
        document="apl01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=candidate,
    )
    client.force_login(candidate)
    url = reverse("assessments:documents_panel", args=["assessment", assessment.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"documents": "ak01,apl01,ak03,bogus,ak01"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert body.count("data-document=") == 3 and 'data-document="bogus"' not in body
    assert reverse("assessments:archive_download", args=[latest.pk]) in body
    assert 'data-status="queued"' in body  # apl01 is being generated
    assert f'hx-post="{_request_url(assessment, "ak03")}"' in body  # ak03: generate button


def test_the_panel_of_someone_elses_record_is_a_404(client, other_candidate, assessment):
    client.force_login(other_candidate)
    url = reverse("assessments:documents_panel", args=["assessment", assessment.pk])
    assert client.get(url, {"documents": "ak01"}).status_code == 404


def test_the_panel_include_loads_itself_with_htmx():
    from django.template.loader import render_to_string

    html = render_to_string(
        "assessments/documents/panel.html",
        {"subject_type": "assessment", "subject_id": 7, "documents": "apl01,ak01"},
    )
    assert 'hx-get="/assessments/documents/panel/assessment/7/?documents=apl01%2Cak01"' in html
    assert 'hx-trigger="load"' in html


def test_an_admin_generates_a_document_for_every_candidate_of_an_event(
    client, admin_user, assessor, django_capture_on_commit_callbacks
):
    event, assessments = factories.event_with_candidates(
        assessor=assessor, states=["scheduled", "scheduled"]
    )
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:document_batch", args=["ak01", event.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'data-done="2" data-total="2"' in page.content.decode()
    partial = client.get(response["Location"], **HTMX).content.decode()
    assert "<html" not in partial and "hx-trigger" not in partial  # all done: no polling
    assert ArchivedDocument.objects.count() == 2


def test_a_batch_in_progress_polls_and_only_admins_start_one(
    client, admin_user, assessor, no_worker
):
    event, _ = factories.event_with_candidates(assessor=assessor, states=["scheduled"])
    url = reverse("assessments:document_batch", args=["ak01", event.pk])
    client.force_login(assessor)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    response = client.post(url)
    partial = client.get(response["Location"], **HTMX).content.decode()
    assert 'data-done="0" data-total="1"' in partial and 'hx-trigger="every 2s"' in partial


def test_a_refused_batch_goes_back_to_our_page_never_elsewhere(client, admin_user):
    event = factories.AssessmentEventFactory()  # nobody placed in it yet
    url = reverse("assessments:document_batch", args=["ak01", event.pk])
    client.force_login(admin_user)
    response = client.post(url, HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    local = "http://testserver" + reverse("assessments:archive_check")
    response = client.post(url, HTTP_REFERER=local)
    assert response["Location"] == local
    assert not RenderRequest.objects.exists()

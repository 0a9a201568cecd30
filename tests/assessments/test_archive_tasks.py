"""Render requests and the render task: one archived version per request however often the task
runs (five deliveries at once on PostgreSQL too), regeneration chains versions, transient errors
are retried, permanent ones fail with their reason, and batches count their progress."""

import dataclasses
import hashlib
import io
import os
import threading
import time

import pytest
from celery.exceptions import Retry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection
from pypdf import PdfReader

from assessments.models import ArchivedDocument, Assessment, RenderRequest
from assessments.pdf import registry, services
from assessments.tasks_pdf import render_document
from tests import factories

pytestmark = pytest.mark.django_db

Status = RenderRequest.Status


@pytest.fixture
def assessment():
    return factories.assessment_in_state(Assessment.State.SCHEDULED)


def _request(assessment, document: str = "ak01") -> RenderRequest:
    """A queued request written directly (no task queued on commit)."""
    return RenderRequest.objects.create(
        document=document,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=assessment.candidate,
    )


def _run(request: RenderRequest) -> str:
    outcome = render_document.apply(args=[str(request.request_id)]).get()
    request.refresh_from_db()
    return outcome


def _archived_files() -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(os.path.join(default_storage.location, "archive")):
        found.update(os.path.join(root, name) for name in files)
    return found


@pytest.fixture
def swap_document():
    """Replace a registered document for one test (and put the original back)."""
    originals = {}

    def swap(key: str, **changes):
        spec = registry.get_document(key)
        originals.setdefault(key, spec)
        registry._documents[key] = dataclasses.replace(spec, **changes)

    yield swap
    registry._documents.update(originals)


def test_a_request_is_rendered_after_commit_and_archived(
    assessment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.render_request_create(
            document="ak01", subject=assessment, actor=assessment.candidate
        )
    request.refresh_from_db()
    assert request.status == Status.READY and request.attempts == 1 and request.error == ""
    archive = request.archived
    assert archive.version == 1 and archive.previous_sha256 == ""
    assert archive.generated_by == assessment.candidate
    data = archive.file.read()
    assert hashlib.sha256(data).hexdigest() == archive.sha256 and len(data) == archive.size
    assert assessment.candidate.full_name in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_nothing_is_queued_when_the_transaction_rolls_back(assessment, monkeypatch):
    queued = []
    monkeypatch.setattr(render_document, "delay", lambda *args: queued.append(args))
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.render_request_create(
            document="ak01", subject=assessment, actor=assessment.candidate
        )
        raise RuntimeError("rolled back")
    assert queued == [] and not RenderRequest.objects.exists()


def test_running_the_task_twice_archives_one_version(assessment):
    request = _request(assessment)
    assert _run(request) == services.RenderOutcome.READY
    assert _run(request) == services.RenderOutcome.ALREADY_READY
    assert ArchivedDocument.objects.count() == 1
    assert request.status == Status.READY and request.attempts == 1


def test_regenerating_adds_a_version_chained_to_the_previous_one(assessment):
    first = _request(assessment)
    _run(first)
    v1 = first.archived
    v1_bytes = v1.file.read()
    second = _request(assessment)
    _run(second)
    v2 = second.archived
    assert (v1.version, v2.version) == (1, 2)
    assert v2.previous_sha256 == v1.sha256
    assert v2.file.name != v1.file.name
    v1.refresh_from_db()
    assert v1.file.open("rb").read() == v1_bytes  # the first version is untouched


def test_another_document_of_the_same_subject_has_its_own_versions(assessment):
    _run(_request(assessment, "ak01"))
    other = _request(assessment, "apl01")
    _run(other)
    assert other.archived.version == 1 and other.archived.previous_sha256 == ""


def test_a_permanent_error_fails_the_request_with_its_reason(assessment, swap_document, caplog):
    swap_document("ak01", template="pdf/no-such-form.html")
    request = _request(assessment)
    before = _archived_files()
    assert _run(request) == "failed"
    assert request.status == Status.FAILED
    assert "TemplateDoesNotExist" in request.error and "no-such-form" in request.error
    assert not ArchivedDocument.objects.exists() and _archived_files() == before
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)  # not swallowed


def test_a_data_error_in_a_builder_fails_with_its_reason(assessment, swap_document):
    def broken(subject):
        raise ValueError("the scheme version has no units")

    swap_document("ak01", builder=broken)
    request = _request(assessment)
    _run(request)
    assert request.status == Status.FAILED
    assert request.error == "ValueError: the scheme version has no units"


def _as_worker(request: RenderRequest, *, retries: int = 0):
    """Run the task the way a worker does (not eagerly), ``retries`` deliveries after the
    first; a retry it asks for is applied here at once (tests run tasks eagerly)."""
    render_document.push_request(
        retries=retries,
        is_eager=False,
        called_directly=False,
        id="test-delivery",
        args=[str(request.request_id)],
        kwargs={},
    )
    try:
        return render_document.run(str(request.request_id))
    finally:
        render_document.pop_request()
        request.refresh_from_db()


def test_a_transient_error_is_retried_and_then_archived(assessment, monkeypatch):
    real = services.render_pdf
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("storage not reachable")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_pdf", flaky)
    request = _request(assessment)
    with pytest.raises(Retry):  # the worker is told to retry; the retry ran here
        _as_worker(request)
    assert request.status == Status.READY and request.attempts == 2
    assert ArchivedDocument.objects.count() == 1


def test_a_transient_error_on_the_last_retry_fails_with_its_reason(assessment, monkeypatch):
    def down(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "render_pdf", down)
    request = _request(assessment)
    assert _as_worker(request, retries=render_document.max_retries) == "failed"
    assert request.status == Status.FAILED and request.error == "OSError: disk full"


def test_run_eagerly_a_transient_error_fails_at_once_instead_of_raising(assessment, monkeypatch):
    """Development without a broker: no worker will retry, and the web request must not 500."""

    def down(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "render_pdf", down)
    request = _request(assessment)
    assert _run(request) == "failed"
    assert request.status == Status.FAILED and request.error == "OSError: disk full"
    assert request.attempts == 1


def test_a_refused_archive_row_leaves_no_file_behind(assessment, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(ArchivedDocument, "save", refuse)
    before = _archived_files()
    request = _request(assessment)
    _run(request)
    assert request.status == Status.FAILED and "IntegrityError" in request.error
    assert _archived_files() == before


def test_a_broker_that_refuses_the_message_fails_the_request_visibly(
    assessment, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerDown

    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to redis")

    monkeypatch.setattr(render_document, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.render_request_create(
            document="ak01", subject=assessment, actor=assessment.candidate
        )
    request.refresh_from_db()
    assert request.status == Status.FAILED and "OperationalError" in request.error


def test_a_second_click_reuses_the_pending_request(assessment, monkeypatch):
    monkeypatch.setattr(render_document, "delay", lambda *args: None)
    first = services.render_request_create(
        document="ak01", subject=assessment, actor=assessment.candidate
    )
    again = services.render_request_create(
        document="ak01", subject=assessment, actor=assessment.candidate
    )
    assert again.pk == first.pk and RenderRequest.objects.count() == 1


def test_someone_who_may_not_read_the_record_cannot_request_its_documents(
    assessment, other_candidate
):
    with pytest.raises(PermissionDenied):
        services.render_request_create(document="ak01", subject=assessment, actor=other_candidate)
    assert not RenderRequest.objects.exists()


def test_a_batch_renders_every_candidate_of_an_event_and_counts_progress(
    assessor, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    event, assessments = factories.event_with_candidates(
        assessor=assessor, states=["scheduled", "cleared", "scheduled"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.render_batch_create(event=event, document="ak01", actor=admin_user)
    progress = batch.progress()
    assert progress["total"] == 3 and progress["ready"] == 3 and progress["done"] == 3
    assert progress["percent"] == 100
    subjects = set(ArchivedDocument.objects.values_list("subject_id", flat=True))
    assert subjects == {a.pk for a in assessments}


def test_a_batch_is_for_lsp_admins(assessor):
    event, _ = factories.event_with_candidates(assessor=assessor, states=["scheduled"])
    with pytest.raises(PermissionDenied):
        services.render_batch_create(event=event, document="ak01", actor=assessor)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_deliveries_at_once_archive_exactly_one_version(monkeypatch):
    assessment = factories.assessment_in_state(Assessment.State.SCHEDULED)
    request = _request(assessment)
    real = services.render_pdf

    def slow(*args, **kwargs):
        time.sleep(0.5)  # every delivery is inside the render at the same time
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_pdf", slow)
    barrier = threading.Barrier(5)
    outcomes, errors = [], []

    def deliver():
        try:
            barrier.wait()
            outcomes.append(render_document.apply(args=[str(request.request_id)]).get())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert outcomes.count(services.RenderOutcome.READY) == 1, outcomes
    assert ArchivedDocument.objects.filter(request=request).count() == 1
    assert ArchivedDocument.objects.count() == 1
    request.refresh_from_db()
    assert request.status == Status.READY


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_get_versions_one_and_two():
    assessment = factories.assessment_in_state(Assessment.State.SCHEDULED)
    requests = [_request(assessment), _request(assessment)]
    barrier = threading.Barrier(2)
    errors = []

    def deliver(request):
        try:
            barrier.wait()
            render_document.apply(args=[str(request.request_id)]).get()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=[r]) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    versions = list(ArchivedDocument.objects.order_by("version").values_list("version", flat=True))
    assert versions == [1, 2]
    first, second = ArchivedDocument.objects.order_by("version")
    assert second.previous_sha256 == first.sha256
    assert set(RenderRequest.objects.values_list("status", flat=True)) == {Status.READY}

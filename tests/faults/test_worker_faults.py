"""Real Celery workers on the test's own Redis: a render whose worker process is killed with
SIGKILL is run again (acks_late, reject_on_worker_lost) and one render delivered five times at
once to two processes both archive exactly one version."""

import os
import signal

import pytest
from django.contrib.contenttypes.models import ContentType

from assessments.models import ArchivedDocument, Assessment, RenderRequest
from assessments.tasks_pdf import render_document
from tests import factories
from tests.worker_utils import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]


def _request() -> RenderRequest:
    assessment = factories.assessment_in_state(Assessment.State.SCHEDULED)
    return RenderRequest.objects.create(
        document="ak01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        requested_by=assessment.candidate,
    )


def _ready(request: RenderRequest) -> bool:
    request.refresh_from_db()
    return request.status == RenderRequest.Status.READY


def _renders_finished(worker) -> int:
    # Only the render task's lines: setting up the assessment queued notification emails too.
    return sum(
        "render_document[" in line and "succeeded in" in line for line in worker.log().splitlines()
    )


def test_a_render_whose_worker_process_is_killed_is_run_again_and_archived_once(start_worker):
    worker = start_worker(concurrency=1, render_delay=10)
    request = _request()

    render_document.delay(str(request.request_id))
    wait_for(
        lambda: worker.render_pids(),
        timeout=60,
        message=f"the render did not start; the worker's log:\n{worker.log()}",
    )
    [killed] = worker.render_pids()
    os.kill(killed, signal.SIGKILL)

    wait_for(
        lambda: _ready(request),
        timeout=120,
        message=f"the render was not redone; the worker's log:\n{worker.log()}",
    )
    assert "WorkerLostError" in worker.log()
    # A second process rendered it: the message went back to the queue, not lost with the first.
    assert killed in worker.render_pids() and len(worker.render_pids()) == 2
    assert ArchivedDocument.objects.filter(request=request).count() == 1
    assert ArchivedDocument.objects.get().version == 1


def test_one_render_delivered_five_times_at_once_archives_one_version(start_worker):
    worker = start_worker(concurrency=2, render_delay=3)
    request = _request()

    for _ in range(5):
        render_document.delay(str(request.request_id))

    wait_for(
        lambda: _renders_finished(worker) == 5,
        timeout=120,
        message=f"five deliveries did not finish; the worker's log:\n{worker.log()}",
    )
    assert _ready(request), worker.log()
    # Both processes took deliveries; only one rendered, the others skipped the locked or ready row.
    processes = {
        line.split("/", 1)[1].split("]", 1)[0]
        for line in worker.log().splitlines()
        if "render_document[" in line and "succeeded in" in line
    }
    assert processes == {"ForkPoolWorker-1", "ForkPoolWorker-2"}
    assert len(worker.render_pids()) == 1
    assert ArchivedDocument.objects.count() == 1
    assert ArchivedDocument.objects.get().request_id == request.pk

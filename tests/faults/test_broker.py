"""Redis stopped or hung (SIGSTOP): pages answer within seconds, the tasks they queue wait in the
outbox, and once Redis is back they are sent and a real worker runs them: no mail or PDF lost."""

import email
import email.policy
import time

import pytest
from django.test import Client
from django.urls import reverse

from assessments import outbox
from assessments.models import ArchivedDocument, Assessment, OutboxMessage, RenderRequest
from assessments.outbox import flush_outbox
from certification.models import User
from tests import factories
from tests.worker_utils import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "tenun-ikat-Flores-2026"
# A refused connection fails at once; a hung Redis costs the socket timeouts (2 s, one retry).
DOWN_BOUND_SECONDS = 3
HUNG_BOUND_SECONDS = 10


def _register(email_address: str) -> tuple[float, object]:
    client = Client()
    client.cookies["django_language"] = "en"
    started = time.monotonic()
    response = client.post(
        reverse("register"),
        {
            "email": email_address,
            "full_name": "Rina Asesi",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "consent": "on",
        },
    )
    return time.monotonic() - started, response


def _mail_to(mail_dir, address: str) -> list[email.message.EmailMessage]:
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in mail_dir.glob("*.eml")
    ]
    return [message for message in messages if message["To"] == address]


def test_registration_answers_while_redis_is_stopped_and_its_mail_goes_out_when_it_is_back(
    broker, start_worker, monkeypatch
):
    worker = start_worker()
    # The first request of a process is slow (imports, URLconf, templates): not what is timed.
    _, warm_up = _register("ana@example.test")
    assert warm_up.status_code == 302
    wait_for(lambda: _mail_to(worker.mail_dir, "ana@example.test"), timeout=30)
    broker.stop()

    elapsed, response = _register("rina@example.test")

    assert response.status_code == 302 and response.url == reverse("home")
    assert elapsed < DOWN_BOUND_SECONDS, f"the page took {elapsed:.1f}s"
    user = User.objects.get(email="rina@example.test")
    [waiting] = OutboxMessage.objects.all()
    assert waiting.task == "certification.tasks.send_verification_email"
    assert waiting.args == [user.pk] and waiting.attempts == 1
    assert "Connection refused" in waiting.last_error or "111" in waiting.last_error

    broker.start()
    # BROKER_PAUSE_SECONDS later, the next page that queues something finds the broker back and
    # has the outbox flushed.
    monkeypatch.setattr(outbox, "_broker_paused_until", 0.0)
    _, response = _register("sari@example.test")
    assert response.status_code == 302

    for address in ("rina@example.test", "sari@example.test"):
        wait_for(
            lambda address=address: _mail_to(worker.mail_dir, address),
            timeout=60,
            message=f"no mail to {address} within 60s; the worker's log:\n{worker.log()}",
        )
    assert not OutboxMessage.objects.exists()
    [message] = _mail_to(worker.mail_dir, "rina@example.test")
    assert "/verify/" in message.get_content()


def test_a_document_request_answers_while_redis_hangs_and_renders_once_it_resumes(
    broker, start_worker
):
    worker = start_worker()
    assessment = factories.assessment_in_state(Assessment.State.SCHEDULED)
    client = Client()
    client.force_login(assessment.candidate)
    url = reverse("assessments:document_request", args=["ak01", "assessment", assessment.pk])
    # The first request of a process is slow (imports, URLconf, templates): not what is timed.
    assert client.post(url.replace("ak01", "ak02")).status_code == 302
    wait_for(lambda: ArchivedDocument.objects.exists(), timeout=60, message=worker.log())
    broker.pause()
    try:
        started = time.monotonic()
        response = client.post(url)
        elapsed = time.monotonic() - started
        # A second page in the same process does not wait for the hung broker again.
        started = time.monotonic()
        again = Client()
        again.force_login(assessment.assessor)
        second = again.post(url.replace("ak01", "apl02"))
        second_elapsed = time.monotonic() - started
    finally:
        broker.resume()

    assert response.status_code == 302 and second.status_code == 302
    assert elapsed < HUNG_BOUND_SECONDS, f"the page took {elapsed:.1f}s"
    assert second_elapsed < DOWN_BOUND_SECONDS, f"the second page took {second_elapsed:.1f}s"
    requests = {r.document: r for r in RenderRequest.objects.exclude(document="ak02")}
    assert {r.status for r in requests.values()} == {RenderRequest.Status.QUEUED}
    waiting = list(OutboxMessage.objects.values_list("task", "args", "last_error"))
    assert [(task, args) for task, args, _ in waiting] == [
        ("assessments.tasks_pdf.render_document", [str(requests["ak01"].request_id)]),
        ("assessments.tasks_pdf.render_document", [str(requests["apl02"].request_id)]),
    ]
    assert "Timeout" in waiting[0][2]

    # What beat sends every minute.
    flush_outbox.delay()

    wait_for(
        lambda: ArchivedDocument.objects.count() == 3,
        timeout=90,
        message=f"the documents were not archived within 90s; the worker's log:\n{worker.log()}",
    )
    assert not OutboxMessage.objects.exists()
    for request in RenderRequest.objects.all():
        assert request.status == RenderRequest.Status.READY
        assert request.archived.version == 1

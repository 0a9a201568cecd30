"""A notification's email goes through Redis to a real Celery worker (PostgreSQL + Redis only).

Every other test runs tasks in-process (settings_test); these switch the Celery app to the broker.
They share one worker per module, so pytest-xdist must keep them on one process
(``--dist loadgroup``, as ``make test`` runs it): two workers on one queue would take each other's
tasks and look for the notification in the other process's test database.
"""

import email
import email.policy
import uuid

import pytest
from celery.signals import after_task_publish
from django.db import connection, transaction
from django.urls import reverse

from assessments.models import Notification
from assessments.services import notify
from certification.celery import app as celery_app
from tests import factories
from tests.worker_utils import CeleryWorker, database_url, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("celery-worker")]


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("worker-mail")


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory, mail_dir):
    from django.conf import settings

    worker = CeleryWorker(
        # The test database's name only exists once django_db_setup has created it.
        database_url=database_url(connection.settings_dict),
        redis_url=settings.REDIS_URL,
        mail_dir=mail_dir,
        log_path=tmp_path_factory.mktemp("worker-log") / "celery.log",
    )
    try:
        worker.start()
        yield worker
    finally:
        # Before django_db_setup's teardown: PostgreSQL will not drop a database in use.
        worker.stop()


@pytest.fixture
def through_broker():
    """Publish tasks to Redis for the test's duration and collect the ids published."""
    published: list[str] = []

    def record(sender=None, headers=None, **kwargs):
        published.append(headers["id"])

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    after_task_publish.connect(record, weak=False)
    try:
        yield published
    finally:
        after_task_publish.disconnect(record)
        celery_app.conf.task_always_eager = previous


def _messages_titled(mail_dir, title: str) -> list[email.message.EmailMessage]:
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in mail_dir.glob("*.eml")
    ]
    return [message for message in messages if message["Subject"] == title]


@pytest.mark.django_db(transaction=True)
def test_worker_emails_a_notification_received_through_redis(worker, mail_dir, through_broker):
    recipient = factories.CandidateUserFactory(email="worker-test@example.test")
    title = f"Jadwal asesmen {uuid.uuid4().hex[:8]}"

    with transaction.atomic():
        notification = notify(recipient=recipient, title=title, body="Lihat jadwal Anda.")
        assert through_broker == [], "the task must wait for the commit"

    assert len(through_broker) == 1
    task_id = through_broker[0]
    wait_for(
        lambda: _messages_titled(mail_dir, title),
        timeout=20,
        message=f"no email from the worker within 20s; its log:\n{worker.log()}",
    )
    [message] = _messages_titled(mail_dir, title)
    assert message["To"] == "worker-test@example.test"
    assert "Lihat jadwal Anda." in message.get_content()
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    # The worker's own log names the id the test published: the task went through Redis.
    wait_for(lambda: f"[{task_id}] succeeded" in worker.log(), timeout=5)
    assert f"send_notification_email[{task_id}] received" in worker.log()


@pytest.mark.django_db(transaction=True)
def test_rolled_back_notification_is_never_queued(worker, through_broker):
    recipient = factories.CandidateUserFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=recipient, title="Never sent")
        raise RuntimeError("the request failed after notifying")

    assert through_broker == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_healthz_counts_the_running_worker(worker, client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "ok"
    assert checks["database"]["vendor"] == "postgresql"
    # At least ours: workers of any other test run on this Redis database answer too.
    assert checks["celery"]["workers"] >= 1

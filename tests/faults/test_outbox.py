"""``assessments.outbox`` without a broker: what is kept, what is sent, what is retried (the
same code runs against a real Redis in test_broker.py)."""

import pytest
from kombu.exceptions import OperationalError as BrokerDown

from assessments import outbox
from assessments.models import OutboxMessage
from assessments.tasks import send_notification_email
from certification.celery import app as celery_app

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("faults")]

TASK = "assessments.tasks.send_notification_email"


@pytest.fixture
def published(monkeypatch):
    """Tasks go to a broker (not run eagerly); the broker is a list."""
    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(outbox, "_broker_paused_until", 0.0)
    monkeypatch.setattr(outbox, "_flush_queued_at", float("-inf"))
    for task in (send_notification_email, outbox.flush_outbox):
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args=(), name=task.name, **kwargs: sent.append((name, list(args))),
        )
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args=(), **kwargs: sent.append((name, list(args)))
    )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield sent
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture
def broker_down(monkeypatch, published):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_notification_email, "apply_async", refuse)
    monkeypatch.setattr(celery_app, "send_task", refuse)
    return published


def test_run_eagerly_it_is_delay_as_before(monkeypatch):
    ran = []
    monkeypatch.setattr(send_notification_email, "delay", lambda *args: ran.append(args))

    assert outbox.enqueue(send_notification_email, 7) is True

    assert ran == [(7,)] and not OutboxMessage.objects.exists()


def test_a_published_task_leaves_no_row(published):
    assert outbox.enqueue(send_notification_email, 7) is True

    assert published == [(TASK, [7])] and not OutboxMessage.objects.exists()


def test_a_task_the_broker_refuses_is_kept_with_the_reason(broker_down):
    assert outbox.enqueue(send_notification_email, 7) is False

    [message] = OutboxMessage.objects.all()
    assert (message.task, message.args, message.attempts) == (TASK, [7], 1)
    assert message.last_error.startswith("OperationalError: Error 111")


def test_after_a_failure_the_process_does_not_wait_for_the_broker_again(broker_down, monkeypatch):
    outbox.enqueue(send_notification_email, 1)
    tried = []
    monkeypatch.setattr(send_notification_email, "apply_async", lambda *a, **k: tried.append(a))

    assert outbox.enqueue(send_notification_email, 2) is False

    assert tried == []
    second = OutboxMessage.objects.get(args=[2])
    assert second.attempts == 0 and "not tried" in second.last_error


def test_the_first_publish_after_an_outage_queues_a_flush(published):
    OutboxMessage.objects.create(task=TASK, args=[1], attempts=1)

    outbox.enqueue(send_notification_email, 2)
    outbox.enqueue(send_notification_email, 3)

    flushes = [name for name, _ in published if name == "assessments.outbox.flush_outbox"]
    assert len(flushes) == 1  # not one per page while the rows wait


def test_a_flush_sends_the_waiting_tasks_oldest_first_and_deletes_them(published):
    for user_id in (1, 2, 3):
        OutboxMessage.objects.create(task=TASK, args=[user_id], attempts=1)

    assert outbox.flush_outbox.apply().get() == 3

    assert published == [(TASK, [1]), (TASK, [2]), (TASK, [3])]
    assert not OutboxMessage.objects.exists()


def test_a_flush_while_the_broker_is_still_down_keeps_the_rows_and_counts_the_attempt(
    broker_down,
):
    for user_id in (1, 2):
        OutboxMessage.objects.create(task=TASK, args=[user_id], attempts=1)

    assert outbox.outbox_flush() == 0

    first, second = OutboxMessage.objects.order_by("pk")
    assert first.attempts == 2 and "Connection refused" in first.last_error
    assert second.attempts == 1  # not tried: the broker had just failed


def test_beat_flushes_the_outbox_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["flush-outbox"]

    assert entry == {"task": "assessments.outbox.flush_outbox", "schedule": 60.0}
    assert entry["task"] in celery_app.tasks

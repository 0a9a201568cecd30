"""Queue Celery tasks so that a broker outage never loses one and never hangs a page.

Every service queues its side effects (emails, renders) with ``enqueue(task, *args)`` inside
``transaction.on_commit``. Publishing is bounded by the broker timeouts in settings (connect and
socket timeouts of 2 s, one publish retry: about 6 s at worst against a hung Redis). When it
fails, the task is written to ``OutboxMessage`` and the page answers as usual; ``flush_outbox``
(Celery beat every minute, and queued after the next successful publish) sends the rows again.
Every task is safe to run twice, so a row sent twice (two flushes at once, a crash between
publishing and deleting) does no harm.

Run eagerly (development without Redis, tests), ``enqueue`` is ``task.delay``: the task runs in
the request and its errors propagate, as before.
"""

import logging
import time

from celery import current_app, shared_task
from django.db import transaction

from assessments.models import OutboxMessage

logger = logging.getLogger(__name__)

# After a failed publish this process stops trying the broker for a while: a request queuing
# many tasks (a batch of invitations) waits for one timeout, not one per task.
BROKER_PAUSE_SECONDS = 30.0
# At most one flush queued per process per this many seconds while rows are waiting.
FLUSH_INTERVAL_SECONDS = 30.0
FLUSH_BATCH = 200
ERROR_MAX_LENGTH = 1000

_broker_paused_until = 0.0
_flush_queued_at = float("-inf")


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]


def enqueue(task, *args) -> bool:
    """Publish ``task`` with ``args`` (ids and strings: they are stored as JSON when the broker
    cannot take them). Returns True when the broker took it, False when it went to the outbox.
    Call it after commit: the worker must see what the request wrote."""
    global _broker_paused_until
    if task.app.conf.task_always_eager:
        task.delay(*args)
        return True
    attempts, error = 0, "broker unavailable a moment ago; not tried"
    if time.monotonic() >= _broker_paused_until:
        attempts = 1
        try:
            task.apply_async(args=args)
        except Exception as exc:  # noqa: BLE001 - whatever the broker raised, keep the task
            _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
            error = _describe(exc)
            logger.warning("Could not queue %s%r, kept in the outbox: %s", task.name, args, error)
        else:
            _flush_if_waiting()
            return True
    OutboxMessage.objects.create(
        task=task.name, args=list(args), attempts=attempts, last_error=error
    )
    return False


def _flush_if_waiting() -> None:
    """The broker is back: have a worker send what waited, without waiting for beat."""
    global _flush_queued_at
    now = time.monotonic()
    if now - _flush_queued_at < FLUSH_INTERVAL_SECONDS or not OutboxMessage.objects.exists():
        return
    _flush_queued_at = now
    try:
        flush_outbox.apply_async()
    except Exception:  # noqa: BLE001 - beat sends it within the minute anyway
        logger.warning("Could not queue the outbox flush", exc_info=True)


def outbox_flush(*, batch: int = FLUSH_BATCH) -> int:
    """Publish waiting outbox messages, oldest first, deleting each one the broker took; stop at
    the first failure (the broker is still away: the rest would fail too). Rows another flush
    holds are skipped. Returns how many were sent."""
    sent = 0
    with transaction.atomic():
        messages = OutboxMessage.objects.select_for_update(skip_locked=True).order_by("pk")
        for message in messages[:batch]:
            try:
                current_app.send_task(message.task, args=message.args)
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried by beat
                message.attempts += 1
                message.last_error = _describe(exc)
                message.save(update_fields=["attempts", "last_error"])
                logger.warning("Outbox: %s still not sent: %s", message, message.last_error)
                break
            message.delete()
            sent += 1
    if sent:
        logger.info("Outbox: sent %s waiting task(s)", sent)
    return sent


@shared_task(ignore_result=True)
def flush_outbox() -> int:
    """Beat (every minute) and the first successful publish after an outage: send the tasks
    that waited in the outbox."""
    return outbox_flush()

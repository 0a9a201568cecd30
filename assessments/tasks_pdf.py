"""Celery task rendering generated documents (imported by assessments/tasks.py so that workers
register it). The status lives on the RenderRequest row, never in a result backend."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from assessments.pdf import services

logger = logging.getLogger(__name__)

# Worth another try: storage and network hiccups, a lost or busy database connection.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def render_document(self, request_id: str) -> str:
    """Render and archive the document of one RenderRequest; safe to run twice (a request
    already ready is a no-op, a request another delivery is rendering is skipped).

    A transient error puts the request back to queued and retries with backoff (failed after
    the last retry); any other error is permanent: the request is failed with the reason, and
    the traceback is logged. Run eagerly (development without a broker) there is no worker to
    come back later, so a transient error fails the request at once: the page offers a retry."""
    try:
        return services.render_request_run(request_id=request_id)
    except TRANSIENT_ERRORS as exc:
        final = bool(self.request.is_eager) or self.request.retries >= self.max_retries
        logger.warning(
            "Render %s: transient error (attempt %s): %s",
            request_id,
            self.request.retries + 1,
            services.describe_error(exc),
        )
        services.render_request_fail(
            request_id=request_id, error=services.describe_error(exc), final=final
        )
        if final:
            logger.exception(
                "Render %s failed after %s attempts", request_id, self.request.retries + 1
            )
            return "failed"
        raise
    except Exception as exc:
        logger.exception("Render %s failed", request_id)
        services.render_request_fail(
            request_id=request_id, error=services.describe_error(exc), final=True
        )
        return "failed"

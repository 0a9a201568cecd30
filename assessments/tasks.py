from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from assessments.models import Notification


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(self, notification_id: int) -> None:
    """Email the copy of an in-app notification once (safe to run twice)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return
        recipient = notification.recipient
        with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
            body = notification.body
            if notification.url:
                base = getattr(settings, "KOMPETEN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
                body = f"{body}\n\n{base}{notification.url}".strip()
            send_mail(notification.title, body, None, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])


# Generated documents: the render task lives in its own module; importing it here registers it
# with workers, which discover assessments.tasks. So does the outbox's flush (sent by beat).
from assessments.outbox import flush_outbox  # noqa: E402, F401
from assessments.tasks_pdf import render_document  # noqa: E402, F401

# --- admin console (issue 6): licence expiry warnings ------------------------------------------


@shared_task
def warn_expiring_licences() -> int:
    """Daily: warn assessors and LSP admins 90, 30 and 7 days before a licence ends (the
    service marks each warning as sent, so a second run the same day sends nothing)."""
    from assessments.services.admin import licence_warnings_send

    return licence_warnings_send()


# --- personal data (issue 8): access log retention ---------------------------------------------


@shared_task
def purge_record_access() -> int:
    """Daily: delete access log rows past KOMPETEN_ACCESS_LOG_RETENTION_DAYS (docs/privacy.md)."""
    from assessments.services.privacy import record_access_purge

    return record_access_purge()

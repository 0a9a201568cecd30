"""Celery tasks of the accounts layer. Tasks take ids, reload, and are safe to run twice."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from certification.models import LSP, User
from certification.tokens import make_email_verification_token


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_verification_email(user_id: int) -> None:
    """Mail a fresh verification link to an unverified user, in the user's language.

    Running it twice sends a second, equally valid link, which is harmless; once the address is
    verified (or the account is gone or disabled) it sends nothing.
    """
    user = User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=True).first()
    if user is None:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        token = make_email_verification_token(user)
        base_url = settings.KOMPETEN_BASE_URL.rstrip("/")
        context = {
            "user": user,
            "lsp": LSP.load(),
            "url": f"{base_url}{reverse('verify_email', args=[token])}",
            "days": settings.KOMPETEN_EMAIL_VERIFICATION_DAYS,
        }
        subject = render_to_string("registration/verification_email_subject.txt", context)
        body = render_to_string("registration/verification_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


# --- certification (issue 6): certificate expiry, recertification reminders, complaint answers --


@shared_task(acks_late=True)
def expire_certificates() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): expire every certificate past its valid-until date.
    Each certificate is expired under its own lock and only once, so reruns change nothing."""
    from certification.services_certification import certificates_expire_due

    return certificates_expire_due()


@shared_task(acks_late=True)
def send_recertification_reminders() -> int:
    """Daily: remind holders whose certificates end within
    KOMPETEN_RECERTIFICATION_REMINDER_MONTHS; each certificate is reminded once."""
    from certification.services_certification import recertification_reminders_send

    return recertification_reminders_send()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_complaint_answer(complaint_id: int) -> None:
    """Mail the LSP's answer to the person who complained (in their account's language, else the
    LSP's). Running it twice sends the same answer twice, which is harmless."""
    from certification.models import Complaint

    complaint = (
        Complaint.objects.select_related("filed_by")
        .filter(pk=complaint_id, status=Complaint.Status.ANSWERED)
        .first()
    )
    if complaint is None:
        return
    language = getattr(complaint.filed_by, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"complaint": complaint, "lsp": LSP.load()}
        subject = render_to_string("certification/complaints/answer_email_subject.txt", context)
        body = render_to_string("certification/complaints/answer_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [complaint.email])


# --- admin console (issue 6): the batch invitation lives with its service; importing it here
# registers it with the worker (autodiscovery reads only tasks modules).
from certification.services_batch import (  # noqa: E402, F401
    send_batch_invitation,
    send_batch_messages,
)

# --- two-factor authentication: tell the account's owner -----------------------------------------


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_two_factor_notice(user_id: int, turned_on: bool, at: str) -> None:
    """Mail the account's address that two-factor authentication was turned on or off at ``at``
    (ISO time). Whoever holds only the password can enrol an authenticator on an account that
    has none yet, or remove one after typing a code: this mail is how the owner learns of it."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "lsp": LSP.load(),
            "turned_on": turned_on,
            "at": datetime.datetime.fromisoformat(at),
            "url": f"{settings.KOMPETEN_BASE_URL.rstrip('/')}{reverse('two_factor')}",
        }
        subject = render_to_string("registration/two_factor_notice_subject.txt", context)
        body = render_to_string("registration/two_factor_notice_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])

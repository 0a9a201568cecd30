"""Writes to the accounts layer: self-registration and email verification."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import LSP, User
from certification.tokens import email_digest, read_email_verification_token

# One verification mail per user per minute: enough for "I did not get it", too slow for a
# script to use us to flood someone's inbox.
VERIFICATION_RESEND_SECONDS = 60


class EmailVerificationError(ValidationError):
    """The verification link is expired (code "expired") or not one of ours (code "invalid")."""


def _queue_verification_email(user: User) -> None:
    from assessments.outbox import enqueue
    from certification.tasks import send_verification_email

    transaction.on_commit(lambda: enqueue(send_verification_email, user.pk))


def _resend_cache_key(user_id: int) -> str:
    return f"kompeten:verify-resend:{user_id}"


@transaction.atomic
def user_register(*, email: str, full_name: str, password: str, language: str) -> User:
    """Create a candidate account from the public registration form.

    The account is active at once (the candidate may sign in and look around) but
    ``email_verified_at`` stays empty until the link in the verification mail is opened; the mail
    is queued after commit. Raises ValidationError for a taken address (case-insensitive) or a
    password the validators reject.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    full_name = " ".join(full_name.split())
    if not email or not full_name:
        raise ValidationError(_("Enter your full name and email address."), code="required")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _("An account with this email address already exists."), code="duplicate_email"
        )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    user = User(
        email=email,
        full_name=full_name,
        language=language,
        is_candidate=True,
        is_active=True,
        email_verified_at=None,
    )
    validate_password(password, user)
    user.set_password(password)
    try:
        # A savepoint, so that losing a race to the unique index leaves the outer transaction
        # usable and the caller gets the same error as the check above.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("An account with this email address already exists."), code="duplicate_email"
        ) from exc
    cache.add(_resend_cache_key(user.pk), 1, VERIFICATION_RESEND_SECONDS)
    _queue_verification_email(user)
    return user


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address in a verification token as verified and return its user.

    Opening the same link twice is harmless (the first time is kept). Raises
    EmailVerificationError when the token has expired, was tampered with, or names an address the
    user no longer has.
    """
    try:
        user_id, digest = read_email_verification_token(token)
    except signing.SignatureExpired as exc:
        raise EmailVerificationError(
            _("This verification link has expired. Request a new one below."), code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise EmailVerificationError(
            _("This verification link is not valid. Request a new one below."), code="invalid"
        ) from exc
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or email_digest(user.email) != digest:
        raise EmailVerificationError(
            _("This verification link is not valid. Request a new one below."), code="invalid"
        )
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def user_request_verification_email(*, user: User) -> bool:
    """Queue a fresh verification mail unless the address is verified already or one was sent
    in the last minute. Returns whether a mail was queued.

    No transaction: the only write is the rate-limit key, and cache.add is atomic.
    """
    if user.email_verified_at is not None or not user.is_active:
        return False
    if not cache.add(_resend_cache_key(user.pk), 1, VERIFICATION_RESEND_SECONDS):
        return False
    _queue_verification_email(user)
    return True


@transaction.atomic
def lsp_update(*, actor, form) -> LSP:
    """Save the LSP record from a valid form (LSP admins only)."""
    if not actor.is_lsp_admin:
        raise PermissionDenied(_("Only an LSP admin can edit the LSP record."))
    lsp = form.save(commit=False)
    lsp.form_labels = form.form_labels()
    logo = form.cleaned_data.get("logo_upload")
    if logo:
        lsp.logo.save(f"logo.{logo.name.rsplit('.', 1)[-1].lower()}", logo, save=False)
    lsp.save()
    return lsp

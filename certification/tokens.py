"""Signed, expiring tokens for the email-verification link.

The token carries the user's id and a digest of the address it was sent to, so that a link sent
before the address changed cannot verify the new one; the address itself stays out of the URL
(and so out of access logs). No database row is needed: the signature (SECRET_KEY and a salt of
its own) is the proof, the timestamp bounds its life.
"""

import datetime
import hashlib

from django.conf import settings
from django.core import signing

_SALT = "kompeten.email-verification"


def email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def make_email_verification_token(user) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"u": user.pk, "e": email_digest(user.email)}
    )


def read_email_verification_token(token: str) -> tuple[int, str]:
    """Return (user id, email digest) or raise signing.SignatureExpired / signing.BadSignature."""
    max_age = datetime.timedelta(days=settings.KOMPETEN_EMAIL_VERIFICATION_DAYS)
    data = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or "e" not in data:
        raise signing.BadSignature("Malformed verification token.")
    return data["u"], str(data["e"])

"""Two-factor authentication: TOTP codes from an authenticator app (django-otp), with single-use
backup codes for a lost phone.

Anyone may turn it on. LSP admins, decision makers and Django-admin staff must: they verify
applications, decide certifications and read every candidate's national ID number, so a stolen
password alone must not open their account (issue 8). ``TwoFactorRequiredMiddleware`` keeps them
on the setup page (or the code step) until their session is verified.

A session is verified when django-otp's ``OTPMiddleware`` finds the device that accepted the
code in it (``request.user.is_verified()``). Wrong codes are throttled per device by django-otp
(an exponential back-off after each failure), on top of django-axes' password lockout.
"""

import base64
import io
import logging
import math
import re
import time
from binascii import unhexlify
from collections.abc import Callable
from urllib.parse import quote, urlencode

import qrcode
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from assessments.redirects import local_url
from certification.models import LSP

logger = logging.getLogger(__name__)

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
# The code step must follow the password within this many seconds.
PENDING_SECONDS = 300
PENDING_SESSION_KEY = "two_factor_pending"
# A TOTP code is six digits; anything else typed at the code step is tried as a backup code.
_TOTP_CODE = re.compile(r"^\d{6}$")


class TwoFactorError(Exception):
    """A code was refused; ``message`` says why in words for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def two_factor_required(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_lsp_admin
            or user.is_decision_maker
            or user.is_lsp_head
            or user.is_staff
            or user.is_superuser
        )
    )


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalize_code(code: str) -> str:
    # People copy codes with spaces ("123 456") or type backup codes in capitals.
    return re.sub(r"[\s-]", "", code or "").lower()


# --- setting up -----------------------------------------------------------------------------------


def new_totp_key() -> str:
    """A fresh secret (hex, as TOTPDevice stores it). It lives in the session until confirmed, so
    that opening the setup page writes nothing and a reload shows the same QR code."""
    return random_hex(20)


def totp_key_base32(key: str) -> str:
    """The secret as authenticator apps accept it typed in, in groups of four."""
    text = base64.b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_config_url(*, user, key: str) -> str:
    """The otpauth:// address in the QR code; the app lists the account under the LSP's name."""
    issuer = LSP.load().name.replace(":", "")
    params = {
        "secret": base64.b32encode(unhexlify(key)).decode(),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": 6,
        "period": 30,
    }
    label = quote(f"{issuer}:{user.email}")
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


def qr_data_uri(text: str) -> str:
    """A PNG QR code as a data: URI (the CSP allows data: images; the secret never reaches a URL
    or a log)."""
    code = qrcode.QRCode(box_size=6, border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def two_factor_enable(*, user, key: str, code: str) -> list[str]:
    """Turn on two-factor authentication with the secret shown on the setup page, once the person
    proves their app has it by typing its current code.

    Replaces any earlier devices of the user, creates BACKUP_CODE_COUNT backup codes and returns
    them (shown once, never stored in clear anywhere else). Raises TwoFactorError for a wrong code.
    """
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6)
    totp.time = time.time()
    code = normalize_code(code)
    if not _TOTP_CODE.match(code) or not totp.verify(int(code), tolerance=1):
        raise TwoFactorError(
            _(
                "That code is not correct. Check that the clock of your phone is right and type "
                "the code your app shows now."
            )
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code just typed cannot be used again to sign in.
        TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=totp.t()
        )
        codes = _replace_backup_codes(user)
        _notify_owner(user, turned_on=True)
    logger.info("two-factor authentication enabled for user %s", user.pk)
    return codes


def _notify_owner(user, *, turned_on: bool) -> None:
    """Mail the account's owner after commit (certification.tasks.send_two_factor_notice)."""
    from assessments.outbox import enqueue
    from certification.tasks import send_two_factor_notice

    at = timezone.now().isoformat()
    transaction.on_commit(lambda: enqueue(send_two_factor_notice, user.pk, turned_on, at))


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    """New backup codes for a user with two-factor authentication; the old ones stop working."""
    if totp_device(user) is None:
        raise TwoFactorError(_("Two-factor authentication is not turned on."))
    codes = _replace_backup_codes(user)
    logger.info("backup codes regenerated for user %s", user.pk)
    return codes


def _replace_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_disable(*, user) -> None:
    """Remove the user's authenticator and backup codes. The caller checked the password and a
    code (certification.views.twofactor.two_factor_disable)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _notify_owner(user, turned_on=False)
    logger.info("two-factor authentication disabled for user %s", user.pk)


# --- checking codes -------------------------------------------------------------------------------


def two_factor_verify(*, user, code: str) -> Device:
    """The device that accepts ``code`` (a TOTP code or a backup code, which is then used up).

    Raises TwoFactorError when the code is wrong or the device is throttled after earlier wrong
    codes. A failure is counted on the device even though the error is raised: the counter is
    committed before the raise.
    """
    code = normalize_code(code)
    model = TOTPDevice if _TOTP_CODE.match(code) else StaticDevice
    error = None
    with transaction.atomic():
        # Locked: two requests racing with the same code cannot both pass (TOTP's last_t, a
        # backup code's deletion) and each failure counts.
        device = model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        if device is None:
            error = _("That code is not correct.")
        else:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                error = _throttled_message(details)
            elif not device.verify_token(code):
                error = _("That code is not correct.")
    if error is not None:
        raise TwoFactorError(error)
    return device


def _throttled_message(details: dict | None) -> str:
    locked_until = (details or {}).get("locked_until")
    seconds = (
        max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    )
    return _("Too many wrong codes. Wait %(seconds)s seconds before you try again.") % {
        "seconds": seconds
    }


# --- enforcing ------------------------------------------------------------------------------------

# Pages a signed-in person who still owes the second factor may open: signing in and out, the
# two-factor pages themselves, password reset, and what the public sees anyway.
EXEMPT_VIEWS = frozenset(
    {
        "login",
        "logout",
        "two_factor_login",
        "two_factor_setup",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "healthz",
        "set_language",
        "lsp_logo",
        "verify_email",
        "verify_email_resend",
        "certificate_search",
        "certificate_verify",
        "certificate_qr",
        "complaint_new",
        "complaint_thanks",
    }
)


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    return local_url(request, url) or None


class TwoFactorRequiredMiddleware:
    """Send a signed-in admin, decision maker or staff member whose session has not passed the
    second factor to the code step (they have an authenticator) or to the setup page (they have
    none yet), whatever page they ask for; the Django admin included.

    Must come after OTPMiddleware and MessageMiddleware. Costs no query for anyone else: the
    role flags are on the user row the session already loaded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not two_factor_required(user) or user.is_verified():
            return None
        if request.resolver_match.view_name in EXEMPT_VIEWS:
            return None
        has_device = totp_device(user) is not None
        target = reverse("two_factor_login" if has_device else "two_factor_setup")
        if request.headers.get("HX-Request") == "true":
            # The navbar's htmx fragments also load on the setup page: answering them with a
            # redirect to the page already shown would reload it for ever.
            current = request.headers.get("HX-Current-URL", "")
            if re.sub(r"^https?://[^/]+", "", current).split("?")[0] == target:
                return HttpResponse(status=204)
            return HttpResponseClientRedirect(target)
        if not has_device:
            messages.warning(
                request,
                _(
                    "Your role (LSP admin, decision maker, LSP head or administrator) requires "
                    "two-factor authentication. Set it up now to continue."
                ),
            )
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

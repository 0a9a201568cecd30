"""Sliding session expiry without a database write on every request.

Sessions expire ``SESSION_COOKIE_AGE`` after the last activity (an idle timeout). Django's
``SESSION_SAVE_EVERY_REQUEST`` gives that by writing the session row back on every request: a
transaction, an UPDATE and a row lock on each page an assessor opens, which was the largest fixed
cost of a signed-in page in the benchmark (docs/performance.md). Here a session is saved again
only when its last save is at least ``KOMPETEN_SESSION_REFRESH_SECONDS`` old (default 60), so the
idle timeout keeps working to within that many seconds and a busy session costs one write a
minute instead of one per request. Anything that changes the session (sign-in, messages, a form
kept between steps) still saves it at once, as Django always does.
"""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.dispatch import receiver

REFRESHED_AT = "_kompeten_refreshed_at"


def refresh_seconds() -> int:
    return int(getattr(settings, "KOMPETEN_SESSION_REFRESH_SECONDS", 60))


class SessionRefreshMiddleware:
    """After ``SessionMiddleware``: mark a non-empty session modified once its refresh is due, so
    that ``SessionMiddleware`` saves it and sends the cookie with a new expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # is_empty(): no cookie and nothing stored, so nothing to load and nothing to slide. A
        # cookie naming an unknown or expired session loads as empty and is left alone too.
        if session is None or session.is_empty() or not session.keys():
            return response
        now = int(time.time())
        if now - int(session.get(REFRESHED_AT, 0)) >= refresh_seconds():
            session[REFRESHED_AT] = now
        return response


@receiver(user_logged_in, dispatch_uid="kompeten_session_refreshed_at_login")
def stamp_session_at_login(sender, request, user, **kwargs):
    """Signing in saves the session anyway: record that as its first refresh."""
    if request is not None and hasattr(request, "session"):
        request.session[REFRESHED_AT] = int(time.time())


@checks.register(checks.Tags.security)
def check_refresh_interval(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A refresh interval as long as the session itself would sign active people out."""
    refresh, age = refresh_seconds(), settings.SESSION_COOKIE_AGE
    if 0 <= refresh < age:
        return []
    return [
        checks.Error(
            f"KOMPETEN_SESSION_REFRESH_SECONDS ({refresh}) must be at least 0 and less than "
            f"SESSION_COOKIE_AGE ({age}): sessions would end while people are working.",
            id="kompeten.E001",
        )
    ]

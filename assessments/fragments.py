"""Template fragment caching, with keys that cannot go stale and no CSRF token inside.

Django's template engine is most of a page's time here (docs/performance.md): the FR.IA.01
checklist prints 120 KUK rows with a form each, the event matrix a row per candidate, the
decision page a section per unit, and every page the navigation bar. Those parts are cached
with ``{% cache ... using="fragments" %}`` under a key that is a digest of everything the part
prints (``digest`` in the view, or the tag's own vary-on values): a changed answer, name, text,
role or language gives another key, so there is nothing to invalidate and no way to serve an old
part. Entries live in each process's memory (the ``fragments`` cache, size-bounded), so a
deploy, which restarts the processes, also drops parts rendered by older templates.

A cached part must not carry a CSRF token, which belongs to one browser. Templates therefore
print a marker where the token goes (``csrf_marker``, a context processor that overrides
Django's ``csrf_token``), and ``CsrfMarkerMiddleware`` replaces the marker by the request's own
token in every finished HTML response. The marker is derived from SECRET_KEY, so nobody can type
it into a note to have a token printed there; a response it was not replaced in (not HTML, or
streamed) has no valid token and its forms are refused, never another browser's token accepted.
"""

import hashlib

from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject

CACHE_ALIAS = "fragments"


def digest(*parts) -> str:
    """A short stable key for ``parts`` (strings, numbers, dates, None and tuples of them) in
    the active language and time zone, which every rendered part depends on."""
    context = (translation.get_language(), timezone.get_current_timezone_name())
    return hashlib.sha256(repr((context, parts)).encode()).hexdigest()[:40]


def _csrf_marker() -> str:
    return "csrf-" + salted_hmac("kompeten.fragments.csrf-marker", "").hexdigest()


CSRF_MARKER = SimpleLazyObject(_csrf_marker)


def csrf_marker(request) -> dict:
    """Context processor, after Django's built-in one: ``{{ csrf_token }}`` and
    ``{% csrf_token %}`` print the marker, which CsrfMarkerMiddleware replaces."""
    return {"csrf_token": str(CSRF_MARKER)}


class CsrfMarkerMiddleware:
    """Puts the request's CSRF token where templates printed the marker. Listed after
    CsrfViewMiddleware, so that the token it asks for also gets its cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "streaming", False) or "html" not in response.get("Content-Type", ""):
            return response
        marker = str(CSRF_MARKER).encode()
        if marker in response.content:
            response.content = response.content.replace(marker, get_token(request).encode())
        return response

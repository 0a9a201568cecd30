"""Security middleware: no caching of anything a signed-in user receives, and the one place where
the Content-Security-Policy is relaxed (same-origin framing of evidence previews)."""

from collections.abc import Callable

from csp.constants import SELF
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreForAuthenticatedMiddleware:
    """Send ``Cache-Control: no-store`` with every response to a signed-in user.

    Candidate records carry national ID numbers and evidence: neither a shared computer's browser
    cache nor a proxy may keep a copy after the user signs out. Static files are served before
    this middleware runs (WhiteNoise), so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # Views that already chose no-store (document downloads) keep their exact header.
        already = "no-store" in response.get("Cache-Control", "")
        if user is not None and user.is_authenticated and not already:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class SameOriginFramingMiddleware:
    """Let a view that opted into same-origin framing (``@xframe_options_sameorigin``, e.g. the
    evidence file an assessor previews in an <object>) be framed by our own pages.

    The project's policy says ``frame-ancestors 'none'``, and browsers obey CSP over
    X-Frame-Options, so the decorator alone would not be enough. Must sit *after*
    csp.middleware.CSPMiddleware in MIDDLEWARE so that it sees the response first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            replace = dict(getattr(response, "_csp_replace", None) or {})
            replace["frame-ancestors"] = [SELF]
            response._csp_replace = replace
        return response

"""Public certificate verification: by the unguessable token printed as a QR code on the
certificate, or by certificate number AND holder's name. No login. The pages show the holder's
name, the scheme, the dates and the live state, and nothing else about the person (they get a
selectors.PublicCertificate, never the model). Every lookup counts against a per-address limit, so
that nobody can enumerate numbers or guess tokens."""

import time
from functools import wraps

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certification import selectors

VERIFY_PERIOD = 60  # seconds: KOMPETEN_VERIFY_RATE_LIMIT lookups per minute and address


def rate_limited(request: HttpRequest, *, scope: str, limit: int, period: int) -> bool:
    """Count this request against ``limit`` per ``period`` seconds for the client's address
    (a fixed window in the cache, shared by every web process when the cache is Redis).
    True when the limit is exceeded."""
    address = get_client_ip_address(request) or "unknown"
    key = f"kompeten:ratelimit:{scope}:{address}:{int(time.time() // period)}"
    if cache.add(key, 1, timeout=period + 5):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count > limit


def too_many(request: HttpRequest, *, period: int) -> HttpResponse:
    response = render(
        request,
        "certification/verify/rate_limited.html",
        {"seconds": period},
        status=429,
    )
    response["Retry-After"] = str(period)
    return response


def public_page(view):
    """Rate-limited, never cached (the state is live), not indexed, and no Referer leaving the
    page with the token in it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if rate_limited(
            request,
            scope="verify",
            limit=settings.KOMPETEN_VERIFY_RATE_LIMIT,
            period=VERIFY_PERIOD,
        ):
            response = too_many(request, period=VERIFY_PERIOD)
        else:
            response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return require_GET(never_cache(wrapper))


class SearchForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Certificate number"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=gettext_lazy("Holder's full name"),
        max_length=150,
        help_text=gettext_lazy("As printed on the certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def certificate_search(request: HttpRequest) -> HttpResponse:
    """/verify/: search by certificate number and holder's name (both must match)."""
    searched = "number" in request.GET or "name" in request.GET
    form = SearchForm(request.GET if searched else None)
    result = None
    if searched and form.is_valid():
        result = selectors.public_certificate_search(
            form.cleaned_data["number"], form.cleaned_data["name"]
        )
    return render(
        request,
        "certification/verify/search.html",
        {"form": form, "searched": searched and form.is_valid(), "certificate": result},
    )


def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """/verify/c/<token>/: the certificate behind the QR code, or 404."""
    certificate = selectors.public_certificate(token)
    return render(request, "certification/verify/certificate.html", {"certificate": certificate})


def certificate_qr(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code image of a certificate's verification address (404 for unknown tokens)."""
    selectors.public_certificate(token)
    return HttpResponse(selectors.verification_qr_png(token), content_type="image/png")


certificate_search = public_page(certificate_search)
certificate_verify = public_page(certificate_verify)
certificate_qr = public_page(certificate_qr)

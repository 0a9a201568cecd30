"""The client's address, the key of every per-address limit (login lockout by django-axes,
certificate verification, public complaints) and of the consent record's address.

Axes calls ``client_ip`` through ``AXES_CLIENT_IP_CALLABLE``; the other callers reach it through
``axes.helpers.get_client_ip_address``, so the assessments app needs no import from here."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """``REMOTE_ADDR``, or behind ``KOMPETEN_TRUSTED_PROXY_COUNT`` reverse proxies, the address
    the outermost trusted proxy received the request from.

    Each proxy appends the address it received from to ``X-Forwarded-For``, so with N trusted
    proxies the client is the N-th entry from the right. Everything to the left of it was written
    by the client and is never read: a forged header cannot pick another address to be counted
    against. With 0 proxies (the default) the header is ignored altogether. A header with fewer
    entries than trusted proxies, or an entry that is not an IP address, falls back to
    ``REMOTE_ADDR``."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.KOMPETEN_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote

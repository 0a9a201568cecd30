"""Template fragment caching for the assessor's big pages, with keys that cannot go stale.

The FR.IA.01 checklist prints 120 KUK rows for a 10-unit scheme, each with its own small form,
and rendering them through Django's template engine was most of the page's time
(docs/performance.md). The rows rarely change between two loads of the page, so each unit's block
is cached, under a key that is a digest of everything the block prints (``digest``): a changed
answer, note, name, text or language gives another key, so there is nothing to invalidate and no
way to serve an old block. Entries live in the process's own memory (the ``fragments`` cache,
size-bounded), so a deploy, which restarts the processes, also drops blocks rendered by older
templates.

A cached block must not carry the CSRF token, which belongs to one browser: pages that use these
fragments are rendered with a marker in place of the token (``render_with_fragments``), and the
marker is replaced by the request's real token in the finished response.
"""

import hashlib

from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject

CACHE_ALIAS = "fragments"


def digest(*parts) -> str:
    """A short stable key for ``parts`` (strings, numbers, dates, None and tuples of them)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def _csrf_marker() -> str:
    # Derived from SECRET_KEY: nobody can type it into a note to have the token printed there.
    return "csrf-" + salted_hmac("kompeten.fragments.csrf-marker", "").hexdigest()


CSRF_MARKER = SimpleLazyObject(_csrf_marker)


def render_with_fragments(request, template_name: str, context: dict, status: int | None = None):
    """``render`` for a page whose template caches fragments that contain forms: every CSRF
    token in the page is rendered as a marker, then replaced by this request's token."""
    marker = str(CSRF_MARKER)
    response = render(request, template_name, {**context, "csrf_token": marker}, status=status)
    response.content = response.content.replace(marker.encode(), get_token(request).encode())
    return response

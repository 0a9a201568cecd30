"""Where a redirect taken from the request may go: this site only, never an open redirect.

Used for ``?next=`` after a form, the page a form was posted from (Referer) and a notification's
link, in assessments and in certification (which imports downwards)."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_url(request: HttpRequest, url: str | None, *, path_only: bool = False) -> str:
    """``url`` when it leads to this site (same host, and https when the request is), else "".

    ``path_only`` also refuses absolute URLs of this site: for a ``next`` parameter, where
    redirect() would take a bare word for a URL name, only ``/a/path`` is expected."""
    if not url or (path_only and not url.startswith("/")):
        return ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""

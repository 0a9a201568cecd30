"""Error handlers (wired in certification/urls.py)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Services raise PermissionDenied with a translated sentence meant for the person ("Only the
    # assigned assessor can do this."): show it. Anything else stays generic.
    reason = ""
    if isinstance(exception, PermissionDenied) and exception.args:
        reason = str(exception.args[0])
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception text may name internals (a model, a URL pattern): never shown.
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: no context processors, no database, no session. The
    # database may be the failure.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())

"""The baseline: one indexed query and a small template through the project's middleware and
server. Every page's throughput is reported as a ratio to it.

The signed-in floor is the same lookup on an empty page of the site's layout (base.html: the
navigation, the footer) for a signed-in assessor: what any signed-in page costs before its own
work (the session, the user and the two-factor device, the layout)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from schemes.models import Scheme


def _scheme(request: HttpRequest) -> Scheme:
    # Scheme.number is unique, so this is one index lookup.
    scheme = Scheme.objects.filter(number=request.GET.get("number", "")).first()
    if scheme is None:
        raise Http404
    return scheme


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/baseline.html", {"scheme": _scheme(request)})


@login_required
@require_GET
def signed_in_floor(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/floor.html", {"scheme": _scheme(request)})

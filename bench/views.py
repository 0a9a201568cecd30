"""The baseline: one indexed query and a small template through the project's middleware and
server. Every page's throughput is reported as a ratio to it."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from schemes.models import Scheme


@require_GET
def baseline(request: HttpRequest) -> HttpResponse:
    # Scheme.number is unique, so this is one index lookup.
    scheme = Scheme.objects.filter(number=request.GET.get("number", "")).first()
    if scheme is None:
        raise Http404
    return render(request, "bench/baseline.html", {"scheme": scheme})

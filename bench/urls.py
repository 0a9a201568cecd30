"""The project's URLs plus the baseline view, served only under bench.settings."""

from django.urls import include, path

from bench.views import baseline

urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("", include("certification.urls")),
]

handler403 = "certification.views.errors.permission_denied"
handler404 = "certification.views.errors.page_not_found"
handler500 = "certification.views.errors.server_error"

"""The project's URLs plus the baseline views, served only under bench.settings."""

from django.urls import include, path

from bench.views import baseline, signed_in_floor

urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("bench/signed-in-floor/", signed_in_floor, name="bench_signed_in_floor"),
    path("", include("certification.urls")),
]

handler403 = "certification.views.errors.permission_denied"
handler404 = "certification.views.errors.page_not_found"
handler500 = "certification.views.errors.server_error"

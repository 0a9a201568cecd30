from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("certification.web_urls")),
    path("schemes/", include("schemes.urls")),
    path("assessments/", include("assessments.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

handler403 = "certification.views.errors.permission_denied"
handler404 = "certification.views.errors.page_not_found"
handler500 = "certification.views.errors.server_error"

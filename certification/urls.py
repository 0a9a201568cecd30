from django.contrib import admin
from django.urls import include, path

from certification.views.accounts import set_language

urlpatterns = [
    path("", include("certification.web_urls")),
    path("schemes/", include("schemes.urls")),
    path("assessments/", include("assessments.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("django-admin/", admin.site.urls),
]

handler403 = "certification.views.errors.permission_denied"
handler404 = "certification.views.errors.page_not_found"
handler500 = "certification.views.errors.server_error"

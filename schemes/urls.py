from django.urls import path

from schemes import views

app_name = "schemes"
urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("import/", views.scheme_import, name="import"),
    path("<int:pk>/", views.version_detail, name="detail"),
    path("<int:pk>/publish/", views.version_publish, name="publish"),
    path("<int:pk>/new-draft/", views.version_new_draft, name="new_draft"),
]

from assessments.views import candidate, progress, verification

app_name = "assessments"
urlpatterns = [*candidate.urlpatterns, *progress.urlpatterns, *verification.urlpatterns]

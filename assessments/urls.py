from assessments.views import (
    admin_console,
    assessor_decide,
    assessor_home,
    assessor_observe,
    assessor_prepare,
    candidate,
    documents,
    privacy,
    progress,
    verification,
)

app_name = "assessments"
urlpatterns = [
    *candidate.urlpatterns,
    *progress.urlpatterns,
    *verification.urlpatterns,
    *assessor_home.urlpatterns,
    *assessor_prepare.urlpatterns,
    *assessor_observe.urlpatterns,
    *assessor_decide.urlpatterns,
    *documents.urlpatterns,
    *admin_console.urlpatterns,
    *privacy.urlpatterns,
]

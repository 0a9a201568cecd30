from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import (
    TUK,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    CandidateProfile,
    EventAssessor,
    Notification,
    Signature,
)


@admin.register(AssessorProfile)
class AssessorProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "met_number", "licence_valid_until", "status"]
    search_fields = ["user__full_name", "user__email", "met_number"]
    list_filter = ["status"]
    filter_horizontal = ["scope"]


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "birth_place", "birth_date", "education", "institution"]
    search_fields = ["user__full_name", "user__email"]


@admin.register(TUK)
class TUKAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "tuk_type", "city", "time_zone", "verification_status"]
    list_filter = ["tuk_type", "verification_status", "time_zone"]
    search_fields = ["code", "name", "city"]


class EventAssessorInline(admin.TabularInline):
    model = EventAssessor
    fk_name = "event"
    extra = 0


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "scheme_version", "tuk", "starts_at", "quota", "status"]
    list_filter = ["status", "tuk"]
    search_fields = ["code", "name"]
    readonly_fields = ["status"]
    inlines = [EventAssessorInline]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["candidate", "scheme_version", "event", "assessor", "state", "state_changed_at"]
    list_filter = ["state"]
    search_fields = ["candidate__full_name", "candidate__email"]
    readonly_fields = ["state", "state_changed_at", "submitted_at", "reported_at"]
    raw_id_fields = ["candidate", "assessor", "event", "previous", "scheme_version"]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["typed_name", "role", "document", "subject_type", "subject_id", "signed_at"]
    list_filter = ["document", "role"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at", "emailed_at"]

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from certification.models import LSP, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "is_candidate",
        "is_assessor",
        "is_lsp_admin",
        "is_decision_maker",
        "is_lsp_head",
        "is_active",
    ]
    list_filter = [
        "is_candidate",
        "is_assessor",
        "is_lsp_admin",
        "is_decision_maker",
        "is_lsp_head",
        "is_active",
        "is_staff",
    ]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language", "email_verified_at"]}),
        (
            _("Roles"),
            {
                "fields": [
                    "is_candidate",
                    "is_assessor",
                    "is_lsp_admin",
                    "is_decision_maker",
                    "is_lsp_head",
                ]
            },
        ),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]


@admin.register(LSP)
class LSPAdmin(admin.ModelAdmin):
    list_display = ["name", "licence_number", "city"]

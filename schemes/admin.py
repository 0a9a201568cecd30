from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from schemes.models import Criterion, Element, Scheme, SchemeUnit, SchemeVersion, Unit, UnitGroup


class ElementInline(admin.TabularInline):
    model = Element
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "revision", "title", "standard_type", "frozen_at"]
    search_fields = ["code", "title"]
    list_filter = ["standard_type"]
    inlines = [ElementInline]


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    list_display = ["unit", "number", "title"]
    search_fields = ["title", "unit__code"]
    inlines = [CriterionInline]


class SchemeVersionInline(admin.TabularInline):
    model = SchemeVersion
    extra = 0
    fields = ["version", "title", "status", "published_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["number", "created_at"]
    search_fields = ["number", "versions__title"]
    inlines = [SchemeVersionInline]


class UnitGroupInline(admin.TabularInline):
    model = UnitGroup
    extra = 0


@admin.register(SchemeVersion)
class SchemeVersionAdmin(SimpleHistoryAdmin):
    list_display = ["scheme", "version", "title", "scheme_type", "status", "published_at"]
    list_filter = ["status", "scheme_type"]
    search_fields = ["scheme__number", "title"]
    readonly_fields = ["status", "published_at", "retired_at", "source_hash"]
    inlines = [UnitGroupInline]


@admin.register(SchemeUnit)
class SchemeUnitAdmin(admin.ModelAdmin):
    list_display = ["group", "unit", "position"]

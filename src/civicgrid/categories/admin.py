"""Admin of the categories app: classes and the editable case standard."""

from django.contrib import admin

from civicgrid.categories.models import Category, FilingCondition


class FilingConditionInline(admin.TabularInline):
    model = FilingCondition
    extra = 0
    fields = ("position", "text", "closing_condition", "limit_amount", "limit_unit", "active")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "major_name", "is_extension", "active")
    list_filter = ("kind", "major_name", "is_extension", "active")
    search_fields = ("code", "name", "legacy_code")
    inlines = [FilingConditionInline]


@admin.register(FilingCondition)
class FilingConditionAdmin(admin.ModelAdmin):
    list_display = ("category", "position", "text", "limit_amount", "limit_unit", "active")
    list_filter = ("limit_unit", "category__kind", "active")
    search_fields = ("text", "category__name", "category__code")
    list_select_related = ("category",)

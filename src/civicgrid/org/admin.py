"""Admin of the org app."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import ApiKey, Department, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "district", "department", "is_active")
    list_filter = ("groups", "district", "is_active")
    search_fields = ("username", "display_name", "phone")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("CivicGrid"), {"fields": ("display_name", "phone", "district", "department")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "is_district_default", "active")
    list_filter = ("district", "is_district_default", "active")
    search_fields = ("code", "name", "short_name")
    filter_horizontal = ("categories",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked",
    )
    list_filter = ("revoked",)
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("name", "prefix", "user", "created_at", "expires_at", "last_used_at", "revoked")

    def has_add_permission(self, request):
        # Secrets are shown once at creation: use ``civicgrid apikey create``.
        return False

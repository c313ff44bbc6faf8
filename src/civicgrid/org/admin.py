"""Admin of the org app."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import ApiKey, Department, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "role_names",
        "district",
        "department",
        "is_active",
        "last_login",
    )
    list_filter = ("groups", "district", "is_active")
    list_select_related = ("district", "department")
    search_fields = ("username", "display_name", "phone")
    # Roles (groups), district and department right after the password: what
    # decides what a user sees, not buried under Django's permission fields.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("CivicGrid"),
            {"fields": ("display_name", "phone", "groups", "district", "department")},
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("CivicGrid"),
            {"fields": ("display_name", "phone", "groups", "district", "department")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Roles"))
    def role_names(self, obj):
        return ", ".join(sorted(g.name for g in obj.groups.all()))


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

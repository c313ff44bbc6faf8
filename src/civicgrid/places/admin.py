"""Admin of the places app."""

from django.contrib import admin

from civicgrid.places.models import (
    Community,
    District,
    GridCell,
    PatrolZone,
    ResponsibilityZone,
    Street,
)


class OutlinedAdmin(admin.ModelAdmin):
    """Shared list layout for coded places."""

    list_display = ("code", "name", "area_m2")
    search_fields = ("code", "name")
    readonly_fields = ("min_lon", "min_lat", "max_lon", "max_lat", "updated_at")


@admin.register(District)
class DistrictAdmin(OutlinedAdmin):
    pass


@admin.register(Street)
class StreetAdmin(OutlinedAdmin):
    list_display = ("code", "name", "district", "area_m2")
    list_filter = ("district",)
    list_select_related = ("district",)


@admin.register(Community)
class CommunityAdmin(OutlinedAdmin):
    list_display = ("code", "name", "street", "area_m2")
    list_filter = ("street__district",)
    list_select_related = ("street",)


@admin.register(GridCell)
class GridCellAdmin(OutlinedAdmin):
    list_display = ("code", "name", "community", "street", "district", "area_m2")
    list_filter = ("district", "street")
    list_select_related = ("community", "street", "district")
    raw_id_fields = ("community", "street", "district")


@admin.register(ResponsibilityZone)
class ResponsibilityZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department")
    search_fields = ("code", "name")
    raw_id_fields = ("cells",)


@admin.register(PatrolZone)
class PatrolZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "inspector")
    search_fields = ("code", "name")
    raw_id_fields = ("cells",)

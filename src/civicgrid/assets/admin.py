"""Admin of the assets app."""

from django.contrib import admin

from civicgrid.assets.models import Asset


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "state", "owner", "grid_cell")
    list_filter = ("state", "category__major_name", "owner")
    search_fields = ("code", "name")
    list_select_related = ("category", "owner", "grid_cell")
    raw_id_fields = ("grid_cell", "category")

"""Values every page template needs."""

from django.conf import settings

from civicgrid.web.access import navigation
from civicgrid.web.tiles import tile_config


def civicgrid(request):
    """Add the navigation for the user, the city name and the map tile settings."""
    return {
        "nav_items": navigation(getattr(request, "user", None)),
        "city_name": settings.CIVICGRID["CITY_NAME"],
        "tiles": tile_config(),
    }

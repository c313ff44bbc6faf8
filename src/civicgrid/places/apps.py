from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    """Districts, streets, communities and the unit grid (单元网格)."""

    name = "civicgrid.places"
    verbose_name = _("Places")

    def ready(self):
        from civicgrid.places import signals  # noqa: F401  (connects cache invalidation)

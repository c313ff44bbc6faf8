from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    """The asset census (部件普查)."""

    name = "civicgrid.assets"
    verbose_name = _("Assets")

    def ready(self):
        from civicgrid.assets import signals  # noqa: F401  (connects cache invalidation)

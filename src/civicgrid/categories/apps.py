from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CategoriesConfig(AppConfig):
    """Asset and incident classes (GB/T 30428.2 / GB/T 47678.5) and the case standard."""

    name = "civicgrid.categories"
    verbose_name = _("Categories")

    def ready(self):
        from civicgrid.categories import signals  # noqa: F401  (connects cache invalidation)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """Server-rendered pages: home, health, login."""

    name = "civicgrid.web"
    verbose_name = _("Web")

    def ready(self):
        from civicgrid.web import checks  # noqa: F401  (registers the production checks)
        from civicgrid.web.adminsite import brand_admin

        brand_admin()

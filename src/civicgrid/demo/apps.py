from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The synthetic demo city that ``civicgrid demo`` loads."""

    name = "civicgrid.demo"
    verbose_name = _("Demo city")

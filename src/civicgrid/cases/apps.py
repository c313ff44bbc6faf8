from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Reports, cases and the guarded case loop."""

    name = "civicgrid.cases"
    verbose_name = _("Cases")

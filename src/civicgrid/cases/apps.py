from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Reports, cases and the guarded case loop."""

    name = "civicgrid.cases"
    verbose_name = _("Cases")

    def ready(self):
        from django.db.models.signals import post_migrate

        from civicgrid.cases import (
            checks,  # noqa: F401  (registers the system check)
            signals,  # noqa: F401  (keeps the calendar current)
        )

        post_migrate.connect(seed_calendar, sender=self)


def seed_calendar(sender=None, **kwargs):
    """Fill the holiday table from chinese-calendar for years it lacks (idempotent)."""
    from civicgrid.cases.services.calendar import seed_calendar_from_package

    seed_calendar_from_package()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """The notification outbox: every notice goes through it."""

    name = "civicgrid.notify"
    verbose_name = _("Notifications")

"""Choices of the org app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleName(models.TextChoices):
    """Staff roles from the glossary; each is a Django group of the same name."""

    INSPECTOR = "inspector", _("Inspector")
    OPERATOR = "operator", _("Operator")
    SHIFT_LEAD = "shift_lead", _("Shift lead")
    DISPATCHER = "dispatcher", _("Dispatcher")
    HANDLER = "handler", _("Department handler")
    COORDINATOR = "coordinator", _("Coordinator")
    EXPERT = "expert", _("Expert")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")

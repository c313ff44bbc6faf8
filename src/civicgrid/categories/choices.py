"""Choices of the categories app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryKind(models.TextChoices):
    """部件 (an asset problem) or 事件 (an incident)."""

    ASSET = "asset", _("Asset (部件)")
    INCIDENT = "incident", _("Incident (事件)")


class LimitUnit(models.TextChoices):
    """Units of a time limit; values match ``core.timelimits.Unit``."""

    URGENT_MINUTES = "urgent_minutes", _("urgent minutes (continuous)")
    URGENT_HOURS = "urgent_hours", _("urgent working hours (continuous)")
    URGENT_DAYS = "urgent_days", _("urgent working days (continuous)")
    WORKING_MINUTES = "working_minutes", _("working minutes")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    NATURAL_DAYS = "natural_days", _("natural days")

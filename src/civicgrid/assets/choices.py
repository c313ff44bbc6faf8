"""Choices of the assets app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetState(models.TextChoices):
    """管理部件状态 of GB/T 47678.5-2026 Table 2."""

    INTACT = "intact", _("Intact (完好)")
    DAMAGED = "damaged", _("Damaged (破损)")
    LOST = "lost", _("Lost (丢失)")
    DISUSED = "disused", _("Disused (废弃)")
    REMOVED = "removed", _("Removed (移除)")


# The Chinese words found in census files, mapped to our values.
STATE_WORDS = {
    "完好": AssetState.INTACT,
    "破损": AssetState.DAMAGED,
    "丢失": AssetState.LOST,
    "废弃": AssetState.DISUSED,
    "移除": AssetState.REMOVED,
}

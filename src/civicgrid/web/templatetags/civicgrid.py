"""Template filters that show workflow names in the reader's language."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases.choices import CaseState
from civicgrid.org.choices import RoleName
from civicgrid.web.actions import ACTION_LABELS, EVENT_LABELS

register = template.Library()


@register.filter
def action_label(name: str) -> str:
    """Return the label of an event's action (report, merge, dispatch…)."""
    return str(EVENT_LABELS.get(name) or ACTION_LABELS.get(name) or name)


@register.filter
def role_label(name: str) -> str:
    """Return the label of a role."""
    try:
        return str(RoleName(name).label)
    except ValueError:
        return name


@register.filter
def state_label(name: str) -> str:
    """Return the label of a case state."""
    try:
        return str(CaseState(name).label)
    except ValueError:
        return name or "—"


@register.filter
def duration(seconds) -> str:
    """Return a time span as days, hours and minutes ("1天3小时" in Chinese)."""
    try:
        total = max(int(seconds), 0)
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)d min") % {"n": minutes})
    return " ".join(parts)


STAGE_LABELS = {
    "accept": gettext_lazy("Accept"),
    "verify": gettext_lazy("Verify"),
    "file": gettext_lazy("File"),
    "dispatch": gettext_lazy("Dispatch"),
    "handle": gettext_lazy("Handle"),
    "check": gettext_lazy("Check"),
    "close": gettext_lazy("Close"),
}
OUTCOME_LABELS = {
    "met": gettext_lazy("on time"),
    "missed": gettext_lazy("late"),
    "running": gettext_lazy("running"),
    "overdue": gettext_lazy("overdue"),
    "interrupted": gettext_lazy("interrupted"),
    "no_limit": gettext_lazy("no time limit"),
}


@register.filter
def stage_label(name: str) -> str:
    """Return the label of a deadline stage (核实, 处置…)."""
    return str(STAGE_LABELS.get(name, name))


@register.filter
def outcome_label(name: str) -> str:
    """Return the label of a stage's verdict (按期, 超期…)."""
    return str(OUTCOME_LABELS.get(str(name), name))

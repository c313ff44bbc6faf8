"""Template filters that show workflow names in the reader's language."""

from django import template

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

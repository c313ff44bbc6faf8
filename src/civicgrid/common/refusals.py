"""Say a refusal in the reader's language: one place for every refused request.

``core`` is pure Python and speaks English to developers: a ``WorkflowError`` or a
``CoordinateError`` carries a machine ``code`` and its values. Every refusal that reaches a
person (the API's ``message`` and ``fields``, the consoles' flash messages) goes through
:func:`refusal` so that the API and the web say the same thing, in Chinese first. The
services' own ``CaseError`` messages are translated where they are raised (they are Django
code) and pass through unchanged.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicgrid.core import workflow
from civicgrid.core.coords import CoordinateError
from civicgrid.core.timelimits import TimeLimitError

# The names people see for the fields of actions and reports.
FIELD_NAMES = {
    "inspector": _("Inspector"),
    "category": _("Category"),
    "filing_condition": _("Filing condition"),
    "department": _("Department"),
    "passed": _("Check result"),
    "extension": _("Extension"),
    "close_type": _("Close type"),
    "photos": _("Photos"),
    "reason": _("Reason"),
    "note": _("Note"),
    "report": _("Report"),
    "case": _("Case"),
    "description": _("Description"),
    "lon": _("Longitude"),
    "lat": _("Latitude"),
    "crs": _("Coordinate system"),
    "channel": _("Channel"),
    "asset_code": _("Asset code"),
    "reported_at": _("Reported at"),
    "address": _("Address"),
    "idempotency_key": _("Idempotency key"),
}

# Why a named guard of ``core.workflow.GUARDS`` does not hold.
GUARD_REASONS = {
    "no_pending_extension": _("an extension request is already pending"),
    "extension_pending": _("there is no pending extension request"),
    "check_passed_after_last_resolve": _(
        "the case has no passing check after its last resolution"
    ),
    "reported_by_inspector": _("only cases reported by an inspector can be self-resolved"),
    "not_already_overdue": _("the case is already marked overdue"),
}

# What a value that fails a ``core.workflow.FIELD_CHECKS`` check should have been.
FIELD_CHECK_TEXT = {
    "boolean": _("Choose yes or no."),
    "close_type": _("Choose one of the offered close types."),
    "reference_list": _("Choose at least one item from the list."),
}
REQUIRED = _("This field is required.")
NOT_A_CHOICE = _("Choose one of the offered values.")

COORDINATE_TEXT = {
    "unknown_crs": _("“%(crs)s” is not a coordinate system; use wgs84, gcj02, bd09 or cgcs2000."),
    "not_numbers": _("Longitude and latitude must be numbers."),
    "shapes_differ": _("There must be as many longitudes as latitudes."),
    "not_finite": _("Longitude and latitude must be finite numbers."),
    "lon_range": _(
        "The longitude must lie between -180 and 180; were longitude and latitude swapped?"
    ),
    "lat_range": _(
        "The latitude must lie between -90 and 90; were longitude and latitude swapped?"
    ),
}


def field_name(name: str) -> str:
    """Return the name people see for the field ``name``."""
    label = FIELD_NAMES.get(name)
    return str(label) if label is not None else name


def _action_name(action) -> str:
    try:
        return workflow.get_transition(action).label_zh
    except workflow.WorkflowError:
        return str(getattr(action, "value", action))


def _state_name(state) -> str:
    from civicgrid.cases.choices import CaseState

    value = getattr(state, "value", state)
    try:
        return str(CaseState(value).label)
    except ValueError:
        return str(value)


def _role_names(roles) -> str:
    from civicgrid.org.choices import RoleName

    names = []
    for role in roles:
        value = getattr(role, "value", role)
        try:
            names.append(str(RoleName(value).label))
        except ValueError:
            names.append(gettext("System") if value == "system" else str(value))
    return "、".join(names) or gettext("none")


def _field_check_text(message: str) -> str:
    if message == "this field is required":
        return str(REQUIRED)
    for name, check in workflow.FIELD_CHECKS.items():
        if message == check.message and name in FIELD_CHECK_TEXT:
            return str(FIELD_CHECK_TEXT[name])
    return str(NOT_A_CHOICE)


def workflow_fields(exc: workflow.WorkflowError) -> dict:
    """Return the refused fields of ``exc`` with their reasons in the reader's language."""
    fields = getattr(exc, "fields", None) or {}
    return {name: _field_check_text(str(message)) for name, message in fields.items()}


def workflow_message(exc: workflow.WorkflowError) -> str:
    """Return why ``exc`` refused the action, in the reader's language."""
    code = exc.code
    action = getattr(exc, "action", None)
    if code == "unknown_action":
        return gettext("“%(action)s” is not an action.") % {"action": action}
    if code == "invalid_state":
        return gettext(
            "“%(action)s” is not possible while the case is “%(state)s”; "
            "the case may have moved on since the page was loaded."
        ) % {"action": _action_name(action), "state": _state_name(exc.state)}
    if code == "forbidden":
        return gettext("Your role may not “%(action)s”; it is for: %(roles)s.") % {
            "action": _action_name(action),
            "roles": _role_names(exc.allowed),
        }
    if code == "missing_fields":
        return gettext("Please fill in: %(fields)s.") % {
            "fields": "、".join(field_name(name) for name in exc.fields)
        }
    if code == "invalid_field":
        fields = workflow_fields(exc)
        return gettext("Please correct: %(fields)s.") % {
            "fields": "；".join(f"{field_name(name)}：{text}" for name, text in fields.items())
        }
    if code == "guard_failed":
        reason = GUARD_REASONS.get(exc.guard)
        return gettext("“%(action)s” cannot be done now: %(reason)s.") % {
            "action": _action_name(action),
            "reason": reason if reason is not None else gettext("a condition does not hold"),
        }
    if code == "invalid_facts":
        return gettext("The case's records do not fit together; please tell an administrator.")
    return gettext("The action was refused.")


def coordinate_message(exc: CoordinateError) -> str:
    """Return why ``exc`` refused a longitude/latitude, in the reader's language."""
    text = COORDINATE_TEXT.get(getattr(exc, "code", ""))
    if text is None:
        return gettext("The longitude and latitude cannot be used.")
    return str(text) % (getattr(exc, "params", None) or {})


def refusal(exc: Exception) -> tuple[str, dict]:
    """Return ``(message, fields)`` of a refused request, in the reader's language.

    ``WorkflowError``, ``CoordinateError`` and ``TimeLimitError`` are said by their code;
    a ``CaseError`` (or anything else with a ``message``) was translated where it was
    raised.
    """
    if isinstance(exc, workflow.WorkflowError):
        return workflow_message(exc), workflow_fields(exc)
    if isinstance(exc, CoordinateError):
        return coordinate_message(exc), {}
    if isinstance(exc, TimeLimitError):
        from civicgrid.common.timelimit_text import describe

        return describe(exc), {}
    message = getattr(exc, "message", None) or str(exc)
    return str(message), dict(getattr(exc, "fields", None) or {})

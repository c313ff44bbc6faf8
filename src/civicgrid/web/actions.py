"""Forms for workflow actions, derived from the rules in ``core.workflow``.

Every console offers the actions the viewer may take *now* (the same
``allowed_actions_for`` the API reports) and asks for the fields the table
requires; the submitted form goes through ``cases.services.act`` like an API
call. No console decides on its own what is allowed.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import Satisfaction
from civicgrid.cases.services import staffing, suggest_inspectors
from civicgrid.cases.services.access import dispatch_targets
from civicgrid.cases.services.errors import CaseInvalid
from civicgrid.categories.models import Category
from civicgrid.core import workflow

# Fields each action asks for beyond the table's required ones (all optional).
OPTIONAL_FIELDS = {
    workflow.Action.check: ("photos", "note"),
    workflow.Action.close: ("close_type", "note"),
    workflow.Action.self_resolve: ("photos",),
    workflow.Action.grant_extension: ("note",),
    # Shown only beside a department without an active handler (``staffing``).
    workflow.Action.dispatch: ("confirm_no_handler",),
    workflow.Action.rule_ownership: ("confirm_no_handler",),
    workflow.Action.call_back: ("note",),
}
FIELD_ORDER = (
    "inspector", "category", "filing_condition", "department", "passed", "extension", "close_type",
    "satisfaction", "confirm_no_handler", "photos", "reason", "note",
)  # fmt: skip
LABELS = {
    "inspector": _("Inspector"),
    "category": _("Category"),
    "filing_condition": _("Filing condition"),
    "department": _("Department"),
    "passed": _("Check result"),
    "extension": _("Extension (e.g. 2天, 4工作时)"),
    "close_type": _("Close type"),
    "satisfaction": _("Caller's satisfaction"),
    "photos": _("Photos"),
    "reason": _("Reason"),
    "note": _("Note"),
    "confirm_no_handler": _("Dispatch even though the department has no active handler"),
}
ACTION_LABELS = {
    "verify": _("Verify"),
    "request_verification": _("Ask an inspector to verify"),
    "file": _("File"),
    "void": _("Void"),
    "dispatch": _("Dispatch"),
    "return": _("Return"),
    "request_extension": _("Request extension"),
    "grant_extension": _("Grant extension"),
    "deny_extension": _("Deny extension"),
    "suspend": _("Suspend"),
    "resume": _("Resume"),
    "resolve": _("Report handling done"),
    "check": _("Check on site"),
    "close": _("Close"),
    "urge": _("Urge"),
    "refer_to_experts": _("Refer to experts"),
    "rule_ownership": _("Rule ownership"),
    "self_resolve": _("Approve self-resolution"),
    "mark_overdue": _("Mark overdue"),
    "call_back": _("Call back the caller"),
}

# Events that are not workflow actions.
EVENT_LABELS = {
    "report": _("Reported"),
    "merge": _("Duplicate report merged"),
    "confirm_not_duplicate": _("Confirmed not a duplicate"),
}


@dataclass(frozen=True)
class ActionForm:
    """One action the viewer may take, with the fields it asks for."""

    action: str
    label: str
    fields: tuple[str, ...]
    required: frozenset[str]

    @property
    def has_files(self) -> bool:
        return "photos" in self.fields


def action_forms(allowed: list[str]) -> list[ActionForm]:
    """Return a form per allowed action (system-only actions are left out)."""
    forms = []
    for name in allowed:
        transition = workflow.get_transition(name)
        if workflow.Role.system in transition.roles and len(transition.roles) == 1:
            continue
        required = frozenset(transition.required)
        wanted = set(required) | set(OPTIONAL_FIELDS.get(transition.action, ()))
        if not wanted:
            wanted = {"note"}
        ordered = tuple(f for f in FIELD_ORDER if f in wanted)
        forms.append(ActionForm(name, ACTION_LABELS.get(name, name), ordered, required))
    return forms


def choices_for(case) -> dict:
    """Return the option lists the action forms of ``case`` need."""
    kind = case.category.kind if case.category_id else None
    categories = Category.objects.filter(active=True)
    if kind:
        categories = categories.filter(kind=kind)
    return {
        "categories": categories.order_by("kind", "code").only("id", "kind", "code", "name"),
        # Only where the service would accept it: the case's district or the city.
        # With their active handlers, so a department nobody would answer for is marked.
        "departments": staffing.with_handlers(dispatch_targets(case)).order_by(
            "district_id", "code"
        ),
        # A callable, so the look-up runs only when a form renders the list.
        "inspectors": lambda: suggest_inspectors(case),
        "satisfaction": Satisfaction.choices,
        "close_types": (
            ("", _("Automatic (normal or overdue)")),
            ("normal", _("Normal")),
            ("overdue", _("Overdue")),
            ("special", _("Special")),
        ),
    }


# Fields whose value is a row id: digits that fit a database integer, or the form is refused.
ID_FIELDS = ("inspector", "filing_condition", "department")


def fields_from_post(form: ActionForm, post) -> dict:
    """Turn submitted form values into ``act`` fields (photos are added by the view).

    Raises ``CaseInvalid`` for an id that is not a number a database can hold.
    """
    fields = {}
    for name in form.fields:
        if name == "photos":
            continue
        value = post.get(name, "").strip()
        if name in ID_FIELDS and value and not (value.isdigit() and len(value) <= 18):
            message = _("Choose one of the offered values.")
            raise CaseInvalid(
                _("Please correct: %(fields)s.") % {"fields": LABELS[name]},
                {name: message},
                "invalid_field",
            )
        if name == "confirm_no_handler":
            if value:
                fields[name] = value in ("1", "on", "true")
        elif name == "passed":
            fields[name] = {"pass": True, "fail": False}.get(value, value or None)
        elif value:
            fields[name] = value
    return fields

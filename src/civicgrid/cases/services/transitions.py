"""The one door for every case transition: ``act``.

``act`` checks the rule in ``core.workflow``, locks the case row, applies the
action's effects, moves the state, recomputes deadlines, appends a hash-
chained ``CaseEvent`` and writes the outbox notices, all in one transaction.
Nothing else writes ``Case.state``.
"""

from datetime import datetime
from decimal import InvalidOperation

from django.core.exceptions import ObjectDoesNotExist
from django.db import OperationalError, transaction
from django.utils import timezone

from civicgrid.cases.models import Case, Photo
from civicgrid.cases.services import access
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.services.deadlines import stage_limit
from civicgrid.cases.services.errors import (
    CaseConflict,
    CaseForbidden,
    CaseInvalid,
    CaseNotFound,
)
from civicgrid.cases.services.events import append_event
from civicgrid.cases.services.photos import check_attachable
from civicgrid.categories.models import Category, FilingCondition
from civicgrid.categories.services import UnknownCategory, resolve_category
from civicgrid.core import deadlines as core_deadlines
from civicgrid.core import workflow
from civicgrid.core.timelimits import TimeLimit, TimeLimitError
from civicgrid.core.workflow import Action, CaseFacts, Role, State
from civicgrid.org.models import Department

SYSTEM = None  # the actor of scheduled actions


def now() -> datetime:
    """Return the current time (patched in tests that need a fixed clock)."""
    return timezone.now()


def facts_of(case: Case) -> CaseFacts:
    """Return what the workflow rules need to know about ``case``."""
    return CaseFacts(
        state=State(case.state),
        previous_state=State(case.previous_state) if case.previous_state else None,
        pending_extension=case.pending_extension is not None,
        last_check_passed_after_last_resolve=(
            case.last_check_passed and case.last_resolved_at is not None
        ),
        reported_by_inspector=case.reported_by_inspector,
        overdue=case.current_due is not None and case.overdue_marked_due == case.current_due,
    )


def allowed_actions_for(case: Case, user) -> list[str]:
    """Return the actions ``user`` may take on ``case`` now (for UIs and the API)."""
    facts = facts_of(case)
    actions = set()
    for role_name in user.roles:
        role = Role(role_name)
        for action in workflow.allowed_actions(facts, role):
            if access.in_department_scope(user, case, role):
                actions.add(action.value)
    return sorted(actions)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _pauses(case) -> list[tuple[datetime, datetime | None]]:
    return [(_parse_iso(a), _parse_iso(b)) for a, b in case.pauses]


def _time_limit(value, field: str) -> TimeLimit:
    """Parse a limit given as text ("2天") or as {"amount": …, "unit": …}."""
    try:
        if isinstance(value, str):
            return TimeLimit.parse(value)
        if isinstance(value, dict):
            return TimeLimit.from_dict(value)
    except (TimeLimitError, ValueError, InvalidOperation, TypeError, KeyError) as exc:
        raise CaseInvalid(f"{field}: {exc}", {field: str(exc)}) from exc
    raise CaseInvalid(f"{field} must be text like 2天 or an amount and unit", {field: "invalid"})


def _department(value, field="department") -> Department:
    try:
        return Department.objects.get(pk=int(value), active=True)
    except (Department.DoesNotExist, TypeError, ValueError):
        raise CaseInvalid(f"unknown department {value!r}", {field: "unknown department"}) from None


def _category(value) -> Category:
    try:
        return resolve_category(value)
    except UnknownCategory as exc:
        raise CaseInvalid(str(exc), {"category": "unknown category"}) from None


def _inspector(value, case):
    """Return the active inspector named by ``value`` who may see ``case``."""
    from django.contrib.auth import get_user_model

    from civicgrid.cases.services.access import visible_cases

    try:
        user = get_user_model().objects.get(pk=int(value), is_active=True)
    except (ObjectDoesNotExist, TypeError, ValueError, OverflowError):
        raise CaseInvalid(f"unknown inspector {value!r}", {"inspector": "unknown"}) from None
    if "inspector" not in user.roles or not visible_cases(user).filter(pk=case.pk).exists():
        raise CaseInvalid(
            "that user is not an inspector of this case's district",
            {"inspector": "not an inspector here"},
        )
    return user


def _photos(case, ids, actor) -> list[Photo]:
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise CaseInvalid("photos must be photo ids", {"photos": "invalid ids"}) from None
    photos = list(Photo.objects.filter(pk__in=ids, event__isnull=True))
    found = {p.pk for p in photos}
    bad = [i for i in ids if i not in found]
    foreign = [p.pk for p in photos if p.case_id not in (None, case.pk)]
    if bad or foreign:
        raise CaseInvalid(
            f"photos not available for this case: {', '.join(map(str, bad + foreign))}",
            {"photos": "unknown, already used, or of another case"},
        )
    check_attachable(photos, actor)
    return photos


class _Step:
    """What an action's effects produce for the event."""

    def __init__(self):
        self.note = ""
        self.data: dict = {}
        self.department_id = None
        self.photos: list[Photo] = []


def _apply_effects(case, action, fields, actor, at, step, calendar) -> None:
    """Change the case's fields for ``action`` (the rule was already checked)."""
    note = str(fields.get("note") or fields.get("reason") or "").strip()
    step.note = note[:2000]
    if action is Action.request_verification:
        inspector = _inspector(fields["inspector"], case)
        case.verifier = inspector
        step.data = {"inspector": inspector.pk}
    elif action is Action.file:
        category = _category(fields["category"])
        try:
            condition = FilingCondition.objects.get(
                pk=int(fields["filing_condition"]), category=category, active=True
            )
        except (FilingCondition.DoesNotExist, TypeError, ValueError):
            raise CaseInvalid(
                "the filing condition does not belong to the category",
                {"filing_condition": "not a condition of this category"},
            ) from None
        case.category = category
        case.filing_condition = condition
        case.handling_limit = condition.time_limit.to_dict()
        from civicgrid.cases.services.routing import suggest_department

        suggestion = suggest_department(case)
        case.suggested_department = suggestion.department
        case.routing_reason = suggestion.reason
        step.data = {
            "category": category.pk,
            "filing_condition": condition.pk,
            "handling_limit": case.handling_limit,
            "suggested_department": suggestion.department.pk if suggestion.department else None,
        }
    elif action in (Action.dispatch, Action.rule_ownership):
        department = _department(fields["department"])
        if case.handling_limit is None:
            raise CaseInvalid("file the case before dispatching it", {"department": "not filed"})
        case.department = department
        step.department_id = department.pk
        step.data = {
            "suggested_department": case.suggested_department_id,
            "override": case.suggested_department_id not in (None, department.pk),
        }
        if case.handling_started_at is None:
            case.handling_started_at = at
            limit = TimeLimit.from_dict(case.handling_limit)
            case.handling_due = core_deadlines.due(calendar, at, limit)
    elif action is Action.return_:
        step.department_id = case.department_id
        step.data = {"department": case.department_id}
        case.department = None
        case.pending_extension = None
    elif action is Action.request_extension:
        extension = _time_limit(fields["extension"], "extension")
        case.pending_extension = {
            **extension.to_dict(),
            "requested_by": getattr(actor, "pk", None),
        }
        step.data = {"extension": extension.to_dict()}
    elif action is Action.grant_extension:
        requested = TimeLimit.from_dict(case.pending_extension)
        granted = (
            _time_limit(fields["extension"], "extension") if fields.get("extension") else requested
        )
        if case.handling_due is not None:
            case.handling_due = core_deadlines.extend(calendar, case.handling_due, granted)
        case.pending_extension = None
        step.data = {"extension": granted.to_dict()}
    elif action is Action.deny_extension:
        step.data = {
            "extension": {k: v for k, v in case.pending_extension.items() if k != "requested_by"}
        }
        case.pending_extension = None
    elif action is Action.suspend:
        case.previous_state = case.state
        case.pauses = [*case.pauses, [_iso(at), None]]
    elif action is Action.resume:
        started = _parse_iso(case.pauses[-1][0])
        case.pauses = [*case.pauses[:-1], [case.pauses[-1][0], _iso(at)]]
        case.previous_state = ""
        if case.handling_due is not None and started < case.handling_due:
            limit = TimeLimit.from_dict(case.handling_limit)
            if limit.continuous:
                case.handling_due = case.handling_due + (at - started)
            else:
                paused = calendar.working_seconds_between(started, at)
                case.handling_due = calendar.add_working_seconds(case.handling_due, paused)
        step.data = {"suspended_at": _iso(started)}
    elif action is Action.resolve:
        step.photos = _photos(case, fields["photos"], actor)
        case.last_resolved_at = at
        case.last_check_passed = False
        late = case.handling_due is not None and at > case.handling_due
        case.handling_overdue = case.handling_overdue or late
        step.department_id = case.department_id
        step.data = {"photos": [p.pk for p in step.photos], "on_time": not late}
    elif action is Action.check:
        passed = fields["passed"]
        step.photos = _photos(case, fields.get("photos") or [], actor)
        case.last_check_passed = passed
        step.department_id = case.department_id
        step.data = {"passed": passed, "photos": [p.pk for p in step.photos]}
    elif action is Action.close:
        close_type = fields.get("close_type") or ("overdue" if case.handling_overdue else "normal")
        case.close_type = close_type
        case.closed_at = at
        step.data = {"close_type": close_type, "handling_overdue": case.handling_overdue}
    elif action is Action.self_resolve:
        case.close_type = "self_resolved"
        case.closed_at = at
        step.photos = _photos(case, fields.get("photos") or [], actor)
        step.data = {"close_type": "self_resolved"}
    elif action is Action.urge:
        case.urge_count += 1
        step.department_id = case.department_id
    elif action is Action.mark_overdue:
        case.overdue_marked_due = case.current_due
        if case.stage == "handle":
            case.handling_overdue = True
        step.department_id = case.department_id
        step.data = {"stage": case.stage, "due": _iso(case.current_due)}
    elif action is Action.refer_to_experts:
        step.department_id = case.department_id


def refresh_deadlines(case: Case, at: datetime, calendar, entered: bool) -> dict:
    """Set the stage deadline for the case's state; return the snapshot for the event."""
    state = State(case.state)
    if entered:
        case.stage = core_deadlines.stage_for(state, case.reported_by_inspector) or ""
        case.stage_started_at = at if case.stage else None
        limit = stage_limit(case.stage, case.handling_limit) if case.stage else None
        if case.stage == "handle":
            case.stage_started_at = case.handling_started_at
            case.stage_due = case.handling_due
        else:
            case.stage_due = core_deadlines.due(calendar, at, limit) if limit else None
    elif case.stage == "handle":
        case.stage_due = case.handling_due
    case.current_due = case.stage_due if state in workflow.OPEN_STATES else None
    return {
        "stage": case.stage,
        "stage_due": _iso(case.stage_due),
        "handling_due": _iso(case.handling_due),
        "handling_limit": case.handling_limit,
        "calendar_covered": _covered(calendar, at, case.stage_due, case.handling_due),
    }


def _covered(calendar, at: datetime, *dues: datetime | None) -> bool:
    """Return whether the holiday table covers every year from ``at`` to the latest due time.

    A deadline that runs into a year without holiday data was counted on weekends only.
    """
    last = max([at, *(d for d in dues if d is not None)])
    years = range(at.astimezone(calendar.tz).year, last.astimezone(calendar.tz).year + 1)
    return all(calendar.is_covered(year) for year in years)


def _lock(case_id: int) -> Case:
    try:
        # ``of=("self",)``: PostgreSQL cannot lock the nullable side of the outer joins.
        return (
            Case.objects.select_for_update(of=("self",))
            .select_related("asset", "department", "category")
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise CaseNotFound("no such case") from None
    except OperationalError as exc:  # lock not granted in time
        raise CaseConflict("the case is being changed by someone else; retry") from exc


def act(case: Case | int, action: str, actor, *, role: str | None = None,
        expected_version: int | None = None, **fields):  # fmt: skip
    """Take ``action`` on a case as ``actor`` (None = the system); return the new event.

    Raises ``CaseError`` subclasses (404/403/409/422) and ``WorkflowError``
    for refused actions; a refused action changes nothing.
    """
    case_id = case.pk if isinstance(case, Case) else int(case)
    try:
        transition = workflow.get_transition(action)
    except workflow.UnknownAction:
        raise
    if actor is SYSTEM:
        acting = Role.system
    else:
        acting = Role(role) if role else access.acting_role(actor, transition)
        if acting is None or acting.value not in actor.roles:
            held = role or ", ".join(sorted(actor.roles)) or "no role"
            raise workflow.RoleNotAllowed(transition.action, held, transition.roles)
    with transaction.atomic():
        if actor is not SYSTEM and not access.visible_cases(actor).filter(pk=case_id).exists():
            raise CaseNotFound("no such case")
        locked = _lock(case_id)
        if expected_version is not None and expected_version != locked.version:
            raise CaseConflict(
                f"the case is at version {locked.version}, not {expected_version}; reload it"
            )
        decision = workflow.decide(facts_of(locked), transition.action, acting, fields)
        if actor is not SYSTEM and not access.in_department_scope(actor, locked, acting):
            raise CaseForbidden("only the department the case is dispatched to may do this")
        at = now()
        calendar = work_calendar()
        step = _Step()
        from_state = locked.state
        _apply_effects(locked, transition.action, fields, actor, at, step, calendar)
        locked.state = decision.target_state.value
        entered = decision.changes_state
        snapshot = refresh_deadlines(locked, at, calendar, entered)
        locked.updated_at = at
        event = append_event(
            locked,
            action=transition.action.value,
            actor=actor,
            role=acting.value,
            from_state=from_state,
            to_state=locked.state,
            at=at,
            note=step.note,
            data=step.data,
            department_id=step.department_id,
            deadlines=snapshot,
        )
        locked.save()
        for photo in step.photos:
            photo.case = locked
            photo.event = event
            photo.save(update_fields=["case", "event"])
        from civicgrid.notify.services import queue_for_event

        queue_for_event(locked, event)
    return event

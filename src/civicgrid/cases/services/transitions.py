"""The one door for every case transition: ``act``.

``act`` checks the rule in ``core.workflow``, locks the case row (and any
other case the action touches, in ascending id order), applies the action's
effect from the registry in ``effects``, moves the state, recomputes
deadlines, appends a keyed, hash-chained ``CaseEvent`` and writes the outbox
notices, all in one transaction. Nothing else writes ``Case.state``.
"""

from datetime import datetime
from decimal import InvalidOperation

from django.core.exceptions import ObjectDoesNotExist
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.choices import CALLBACK_CHANNELS
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
from civicgrid.categories.models import Category
from civicgrid.categories.services import UnknownCategory, resolve_category
from civicgrid.common.timelimit_text import describe
from civicgrid.core import deadlines as core_deadlines
from civicgrid.core import workflow
from civicgrid.core.text import fields_with_nul
from civicgrid.core.timelimits import TimeLimit, TimeLimitError
from civicgrid.core.workflow import CaseFacts, Role, State
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
        from_hotline=case.origin_channel in CALLBACK_CHANNELS,
        called_back=case.callback_at is not None,
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
    except TimeLimitError as exc:
        # The same words wherever a person types a limit: consoles, phone and API.
        reason = describe(exc)
        raise CaseInvalid(reason, {field: reason}, code="bad_time_limit") from exc
    except (ValueError, InvalidOperation, TypeError, KeyError) as exc:
        reason = _("The time limit cannot be read.")
        raise CaseInvalid(reason, {field: reason}, code="bad_time_limit") from exc
    reason = _("Write the time limit as text such as 2天, 两天, 4小时 or 半天.")
    raise CaseInvalid(reason, {field: reason}, code="bad_time_limit")


def _department(value, case, field="department") -> Department:
    """Return the department ``value`` names, if ``case`` may go there (``dispatch_targets``)."""
    try:
        return access.dispatch_targets(case).get(pk=int(value))
    except (Department.DoesNotExist, TypeError, ValueError, OverflowError):
        raise CaseInvalid(
            _("Choose a department of this case's district or of the city."),
            {field: _("Not a department of this case's district or of the city.")},
        ) from None


def _refuse_nul(fields: dict) -> None:
    """Refuse fields whose text holds a NUL (PostgreSQL cannot store one)."""
    bad = fields_with_nul(fields)
    if bad:
        raise CaseInvalid(
            _("Text may not contain NUL characters."),
            dict.fromkeys(bad, _("contains a NUL character")),
            code="nul_character",
        )


def _category(value) -> Category:
    try:
        return resolve_category(value)
    except UnknownCategory:
        raise CaseInvalid(
            _("The category is not known."), {"category": _("Choose one of the categories.")}
        ) from None


def _inspector(value, case):
    """Return the active inspector named by ``value`` who may see ``case``."""
    from django.contrib.auth import get_user_model

    from civicgrid.cases.services.access import visible_cases

    try:
        user = get_user_model().objects.get(pk=int(value), is_active=True)
    except (ObjectDoesNotExist, TypeError, ValueError, OverflowError):
        raise CaseInvalid(
            _("The inspector is not known."), {"inspector": _("Choose one of the inspectors.")}
        ) from None
    if "inspector" not in user.roles or not visible_cases(user).filter(pk=case.pk).exists():
        raise CaseInvalid(
            _("That user is not an inspector of this case's district."),
            {"inspector": _("Not an inspector of this district.")},
        )
    return user


def _photos(case, ids, actor) -> list[Photo]:
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise CaseInvalid(
            _("The photos must be given by their numbers."),
            {"photos": _("This value is not valid.")},
        ) from None
    photos = list(Photo.objects.filter(pk__in=ids, event__isnull=True))
    found = {p.pk for p in photos}
    bad = [i for i in ids if i not in found]
    foreign = [p.pk for p in photos if p.case_id not in (None, case.pk)]
    if bad or foreign:
        raise CaseInvalid(
            _("These photos cannot be used for this case: %(ids)s.")
            % {"ids": ", ".join(map(str, bad + foreign))},
            {"photos": _("Unknown, already used, or of another case.")},
        )
    check_attachable(photos, actor)
    return photos


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
        raise CaseNotFound(_("There is no such case.")) from None
    except OperationalError as exc:  # lock not granted in time
        raise CaseConflict(
            _("Someone else is changing the case right now; please try again.")
        ) from exc


def act(case: Case | int, action: str, actor, *, role: str | None = None,
        expected_version: int | None = None, **fields):  # fmt: skip
    """Take ``action`` on a case as ``actor`` (None = the system); return the new event.

    Raises ``CaseError`` subclasses (404/403/409/422) and ``WorkflowError``
    for refused actions; a refused action changes nothing.
    """
    case_id = case.pk if isinstance(case, Case) else int(case)
    _refuse_nul(fields)
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
    # Imported here: the effects use this module's helpers (``_photos``, ``_department`` …).
    from civicgrid.cases.services.effects import EFFECTS, EffectContext, Step, related_cases

    with transaction.atomic():
        if actor is not SYSTEM and not access.visible_cases(actor).filter(pk=case_id).exists():
            raise CaseNotFound(_("There is no such case."))
        # Every case the action touches is locked in ascending id order, so two actions
        # over the same pair of cases (crossing merges) queue instead of deadlocking.
        ids = sorted({case_id, *related_cases(transition.action, fields)})
        locks = {pk: _lock(pk) for pk in ids}
        locked = locks[case_id]
        if expected_version is not None and expected_version != locked.version:
            raise CaseConflict(
                _("Someone else changed the case at the same moment; reload it and look again.")
            )
        decision = workflow.decide(facts_of(locked), transition.action, acting, fields)
        if actor is not SYSTEM and not access.in_department_scope(actor, locked, acting):
            raise CaseForbidden(_("Only the department the case is dispatched to may do this."))
        at = now()
        calendar = work_calendar()
        step = Step()
        note = str(fields.get("note") or fields.get("reason") or "").strip()
        step.note = note[:2000]
        from_state = locked.state
        context = EffectContext(locked, fields, actor, acting, at, calendar, step, locks)
        EFFECTS[transition.action].apply(context)
        if step.photos:
            # The event covers what the photos show, not only which rows they are.
            step.data = {**step.data, "photo_sha256": [p.sha256 for p in step.photos]}
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

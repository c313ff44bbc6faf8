"""What each workflow action does to a case: one small function per action, in a registry.

``core.workflow`` decides *whether* an action may be taken; the function registered here for
the action says *what it changes* on the (locked) case and what its event records. ``act``
looks the action up in :data:`EFFECTS` instead of branching over action names, and the system
check ``cases.E002`` refuses to start when a workflow action has no registered effect, so a new
row in the table cannot silently do nothing.

An effect may name other cases it needs locked with the case (``locks``): ``act`` then locks
all of them in ascending id order, so two merges that cross never deadlock, and the effect
re-checks those cases' states after locking.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from civicgrid.cases.choices import DuplicateState
from civicgrid.cases.services import staffing
from civicgrid.cases.services import transitions as _transitions
from civicgrid.cases.services.errors import CaseConflict, CaseInvalid
from civicgrid.core import deadlines as core_deadlines
from civicgrid.core.timelimits import TimeLimit
from civicgrid.core.workflow import Action, Role, State

__all__ = ["EFFECTS", "Effect", "EffectContext", "Step", "missing_effects", "related_cases"]


@dataclass
class Step:
    """What an action's effect produces for the event."""

    note: str = ""
    data: dict = field(default_factory=dict)
    department_id: int | None = None
    photos: list = field(default_factory=list)


@dataclass
class EffectContext:
    """Everything an effect may read: the locked case (and any other locked cases)."""

    case: object
    fields: Mapping
    actor: object
    role: Role
    at: datetime
    calendar: object
    step: Step
    #: Every case ``act`` locked for this action, by id (the case itself included).
    locked: Mapping[int, object]


@dataclass(frozen=True)
class Effect:
    """A registered effect: the function, and the other cases it needs locked."""

    apply: Callable[[EffectContext], None]
    locks: Callable[[Mapping], Iterable[int]] | None = None


EFFECTS: dict[Action, Effect] = {}


def effect(*actions: Action, locks: Callable[[Mapping], Iterable[int]] | None = None):
    """Register the decorated function as the effect of ``actions``."""

    def register(function: Callable[[EffectContext], None]):
        for action in actions:
            if action in EFFECTS:
                raise ValueError(f"{action.value!r} already has an effect")
            EFFECTS[action] = Effect(function, locks)
        return function

    return register


def missing_effects() -> list[Action]:
    """Return the workflow actions that have no registered effect (for the system check)."""
    return [action for action in Action if action not in EFFECTS]


def related_cases(action: Action, fields: Mapping) -> set[int]:
    """Return the ids of other cases ``action`` needs locked, from its fields."""
    registered = EFFECTS.get(action)
    if registered is None or registered.locks is None:
        return set()
    return set(registered.locks(fields))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------------ case building


@effect(Action.verify, Action.void)
def _record_only(ctx: EffectContext) -> None:
    """Change nothing but the state; the event keeps the note or reason."""


@effect(Action.request_verification)
def _request_verification(ctx: EffectContext) -> None:
    inspector = _transitions._inspector(ctx.fields["inspector"], ctx.case)
    ctx.case.verifier = inspector
    ctx.step.data = {"inspector": inspector.pk}


@effect(Action.file)
def _file(ctx: EffectContext) -> None:
    from civicgrid.cases.services.routing import suggest_department
    from civicgrid.categories.models import FilingCondition

    case = ctx.case
    category = _transitions._category(ctx.fields["category"])
    try:
        condition = FilingCondition.objects.get(
            pk=int(ctx.fields["filing_condition"]), category=category, active=True
        )
    except (FilingCondition.DoesNotExist, TypeError, ValueError):
        raise CaseInvalid(
            _("The filing condition does not belong to the category."),
            {"filing_condition": _("Not a condition of this category.")},
        ) from None
    case.category = category
    case.filing_condition = condition
    case.handling_limit = condition.time_limit.to_dict()
    suggestion = suggest_department(case)
    case.suggested_department = suggestion.department
    case.routing_reason = suggestion.reason
    ctx.step.data = {
        "category": category.pk,
        "filing_condition": condition.pk,
        "handling_limit": case.handling_limit,
        "suggested_department": suggestion.department.pk if suggestion.department else None,
    }


@effect(Action.self_resolve)
def _self_resolve(ctx: EffectContext) -> None:
    ctx.case.close_type = "self_resolved"
    ctx.case.closed_at = ctx.at
    ctx.step.photos = _transitions._photos(ctx.case, ctx.fields.get("photos") or [], ctx.actor)
    ctx.step.data = {"close_type": "self_resolved"}


# ------------------------------------------------------------------ dispatch and handling


@effect(Action.dispatch, Action.rule_ownership)
def _dispatch(ctx: EffectContext) -> None:
    case = ctx.case
    department = _transitions._department(ctx.fields["department"], case)
    if case.handling_limit is None:
        raise CaseInvalid(
            _("File the case before dispatching it."),
            {"department": _("The case is not filed yet.")},
        )
    unstaffed = not staffing.has_active_handler(department)
    if unstaffed and ctx.fields.get(staffing.CONFIRM_FIELD) not in (True, "1", "true", "on"):
        # A case sent where nobody can log in to handle it would dead-end unseen.
        raise CaseInvalid(
            _(
                "%(department)s has no active handler; nobody would see this case. "
                "Choose another department, or confirm with confirm_no_handler."
            )
            % {"department": department.name},
            {staffing.CONFIRM_FIELD: _("Confirm: the department has no active handler.")},
            "no_active_handler",
        )
    case.department = department
    ctx.step.department_id = department.pk
    ctx.step.data = {
        "suggested_department": case.suggested_department_id,
        "override": case.suggested_department_id not in (None, department.pk),
    }
    if unstaffed:
        ctx.step.data["no_active_handler"] = True
    if case.handling_started_at is None:
        case.handling_started_at = ctx.at
        limit = TimeLimit.from_dict(case.handling_limit)
        case.handling_due = core_deadlines.due(ctx.calendar, ctx.at, limit)


@effect(Action.return_)
def _return(ctx: EffectContext) -> None:
    case = ctx.case
    ctx.step.department_id = case.department_id
    ctx.step.data = {"department": case.department_id}
    case.department = None
    case.pending_extension = None
    case.return_count += 1


@effect(Action.request_extension)
def _request_extension(ctx: EffectContext) -> None:
    extension = _transitions._time_limit(ctx.fields["extension"], "extension")
    ctx.case.pending_extension = {
        **extension.to_dict(),
        "requested_by": getattr(ctx.actor, "pk", None),
    }
    ctx.step.data = {"extension": extension.to_dict()}


@effect(Action.grant_extension)
def _grant_extension(ctx: EffectContext) -> None:
    case = ctx.case
    requested = TimeLimit.from_dict(case.pending_extension)
    wanted = ctx.fields.get("extension")
    granted = _transitions._time_limit(wanted, "extension") if wanted else requested
    if case.handling_due is not None:
        case.handling_due = core_deadlines.extend(ctx.calendar, case.handling_due, granted)
    case.pending_extension = None
    ctx.step.data = {"extension": granted.to_dict()}


@effect(Action.deny_extension)
def _deny_extension(ctx: EffectContext) -> None:
    pending = ctx.case.pending_extension
    ctx.step.data = {"extension": {k: v for k, v in pending.items() if k != "requested_by"}}
    ctx.case.pending_extension = None


@effect(Action.suspend)
def _suspend(ctx: EffectContext) -> None:
    ctx.case.previous_state = ctx.case.state
    ctx.case.pauses = [*ctx.case.pauses, [_iso(ctx.at), None]]


@effect(Action.resume)
def _resume(ctx: EffectContext) -> None:
    case, at = ctx.case, ctx.at
    started = datetime.fromisoformat(case.pauses[-1][0])
    case.pauses = [*case.pauses[:-1], [case.pauses[-1][0], _iso(at)]]
    case.previous_state = ""
    if case.handling_due is not None and started < case.handling_due:
        limit = TimeLimit.from_dict(case.handling_limit)
        if limit.continuous:
            case.handling_due = case.handling_due + (at - started)
        else:
            paused = ctx.calendar.working_seconds_between(started, at)
            case.handling_due = ctx.calendar.add_working_seconds(case.handling_due, paused)
    ctx.step.data = {"suspended_at": _iso(started)}


@effect(Action.resolve)
def _resolve(ctx: EffectContext) -> None:
    case = ctx.case
    ctx.step.photos = _transitions._photos(case, ctx.fields["photos"], ctx.actor)
    case.last_resolved_at = ctx.at
    case.last_check_passed = False
    late = case.handling_due is not None and ctx.at > case.handling_due
    case.handling_overdue = case.handling_overdue or late
    ctx.step.department_id = case.department_id
    ctx.step.data = {"photos": [p.pk for p in ctx.step.photos], "on_time": not late}


# ----------------------------------------------------------------------- check and close


@effect(Action.check)
def _check(ctx: EffectContext) -> None:
    passed = ctx.fields["passed"]
    ctx.step.photos = _transitions._photos(ctx.case, ctx.fields.get("photos") or [], ctx.actor)
    ctx.case.last_check_passed = passed
    ctx.step.department_id = ctx.case.department_id
    ctx.step.data = {"passed": passed, "photos": [p.pk for p in ctx.step.photos]}


@effect(Action.close)
def _close(ctx: EffectContext) -> None:
    case = ctx.case
    close_type = ctx.fields.get("close_type") or ("overdue" if case.handling_overdue else "normal")
    case.close_type = close_type
    case.closed_at = ctx.at
    ctx.step.data = {"close_type": close_type, "handling_overdue": case.handling_overdue}


@effect(Action.call_back)
def _call_back(ctx: EffectContext) -> None:
    """Record the caller's satisfaction (回访); the note stays in the event."""
    satisfaction = ctx.fields["satisfaction"]
    ctx.case.callback_result = satisfaction
    ctx.case.callback_at = ctx.at
    ctx.step.data = {"satisfaction": satisfaction}


# -------------------------------------------------------------------------- supervision


@effect(Action.urge)
def _urge(ctx: EffectContext) -> None:
    ctx.case.urge_count += 1
    ctx.step.department_id = ctx.case.department_id


@effect(Action.refer_to_experts)
def _refer_to_experts(ctx: EffectContext) -> None:
    ctx.step.department_id = ctx.case.department_id


@effect(Action.mark_overdue)
def _mark_overdue(ctx: EffectContext) -> None:
    case = ctx.case
    case.overdue_marked_due = case.current_due
    if case.stage == "handle":
        case.handling_overdue = True
    ctx.step.department_id = case.department_id
    ctx.step.data = {"stage": case.stage, "due": _iso(case.current_due)}


# ------------------------------------------------------------------- duplicate decisions


def _report(value):
    from civicgrid.cases.models import Report

    try:
        return Report.objects.get(pk=int(value))
    except (Report.DoesNotExist, TypeError, ValueError, OverflowError):
        raise CaseInvalid(
            _("The report is not known."), {"report": _("No such report.")}
        ) from None


def _report_case(fields: Mapping) -> list[int]:
    """Lock the case the report belongs to now, beside the target case."""
    from civicgrid.cases.models import Report

    try:
        pk = int(fields.get("report"))
    except (TypeError, ValueError, OverflowError):
        return []
    return list(Report.objects.filter(pk=pk).values_list("case_id", flat=True))


#: Own cases in these states are voided when their only report is merged away.
_VOID_WHEN_EMPTIED = (State.reported.value, State.verified.value)


@effect(Action.merge, locks=_report_case)
def _merge(ctx: EffectContext) -> None:
    """Move a duplicate report into this case; void its own case if that was all it had."""
    from civicgrid.cases.services.access import visible_cases

    target = ctx.case
    report = _report(ctx.fields["report"])
    if report.case_id == target.pk:
        raise CaseInvalid(
            _("The report already belongs to that case."), {"case": _("This is the same case.")}
        )
    own = ctx.locked.get(report.case_id)
    if own is None:  # the report moved between the look-up and the lock
        raise CaseConflict(_("The report was moved meanwhile; reload the page."))
    if ctx.actor is not None and not visible_cases(ctx.actor).filter(pk=own.pk).exists():
        raise CaseInvalid(
            _("Both cases must be visible to you."),
            {"case": _("This case is not visible to you.")},
        )
    # Re-checked on the locked row: the own case may have moved since the caller looked.
    void_own = own.reports.count() == 1 and own.state in _VOID_WHEN_EMPTIED
    if void_own:
        _transitions.act(
            own.pk,
            Action.void.value,
            ctx.actor,
            role=ctx.role.value,
            reason=f"重复上报，已并入案卷 {target.code}",
        )
    report.case = target
    report.duplicate_of = target
    report.duplicate_state = DuplicateState.CONFIRMED
    report.save(update_fields=["case", "duplicate_of", "duplicate_state"])
    report.photos.update(case=target)
    ctx.step.data = {"report": report.pk, "from_case": own.pk}


@effect(Action.confirm_not_duplicate)
def _confirm_not_duplicate(ctx: EffectContext) -> None:
    """Record that the case's report is a problem of its own, not the proposed duplicate."""
    report = _report(ctx.fields["report"])
    if report.case_id != ctx.case.pk:
        raise CaseInvalid(
            _("The report does not belong to this case."),
            {"report": _("The report belongs to another case.")},
        )
    proposed = report.duplicate_of_id
    report.duplicate_state = DuplicateState.REJECTED
    report.save(update_fields=["duplicate_state"])
    ctx.step.data = {"report": report.pk, "duplicate_of": proposed}

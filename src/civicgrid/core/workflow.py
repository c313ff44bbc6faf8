"""The case loop (案卷流程) as data, and a pure evaluator for it.

The whole workflow is the table :data:`TRANSITIONS`: one row per action, naming the source
states, the target, the roles that may act, the fields the actor must supply, named field checks
and named guards. The table holds no code; guards and field checks are looked up by name in
:data:`GUARDS` and :data:`FIELD_CHECKS`, and :func:`validate_table` reports rows that refer to
names that do not exist.

:func:`decide` answers "may this role take this action on a case with these facts and fields, and
where does the case go?" It never touches a database: the caller (``cases.services``) gathers the
:class:`CaseFacts`, calls :func:`decide`, and applies the :class:`Decision`. Anything not permitted
by a row is denied, and every refusal is a :class:`WorkflowError` with a machine ``code`` and an
English ``message``.

Evaluation order, so that callers and tests can rely on which error wins: unknown action, state,
role, required fields, field validity, guards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

__all__ = [
    "CALLBACK_SATISFACTION",
    "CLOSE_TYPES",
    "FIELD_CHECKS",
    "GUARDS",
    "INITIAL_STATE",
    "OPEN_STATES",
    "PREVIOUS",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "Action",
    "Branch",
    "CaseFacts",
    "Decision",
    "FieldCheck",
    "Guard",
    "GuardFailed",
    "InvalidFacts",
    "InvalidField",
    "MissingFields",
    "NotAllowedInState",
    "Role",
    "RoleNotAllowed",
    "Special",
    "State",
    "Transition",
    "UnknownAction",
    "WorkflowError",
    "allowed_actions",
    "decide",
    "get_transition",
    "is_missing",
    "to_mermaid",
    "validate_table",
]


# --------------------------------------------------------------------------------------------
# Vocabulary (names from the glossary, "The case loop")
# --------------------------------------------------------------------------------------------


class State(StrEnum):
    """A case's state (the noun after an action in the glossary)."""

    reported = "reported"  # 上报 / 受理
    verified = "verified"  # 核实
    filed = "filed"  # 立案
    voided = "voided"  # 不予立案 / 作废
    dispatched = "dispatched"  # 派遣 (also after 返工 and 确权)
    returned = "returned"  # 回退
    resolved = "resolved"  # 处置反馈
    checked = "checked"  # 核查通过
    closed = "closed"  # 结案
    suspended = "suspended"  # 挂账
    in_ruling = "in_ruling"  # 疑难确权


class Role(StrEnum):
    """A role an actor holds (glossary, "People and bodies")."""

    inspector = "inspector"  # 监督员
    operator = "operator"  # 受理员
    shift_lead = "shift_lead"  # 值班长
    dispatcher = "dispatcher"  # 派遣员
    handler = "handler"  # 专业部门处置人员
    coordinator = "coordinator"  # 协调员
    expert = "expert"  # 专家
    leader = "leader"  # 领导
    admin = "admin"
    system = "system"  # scheduled sweeps


class Action(StrEnum):
    """A verb in the case loop, as sent in the API (``POST cases/{id}/transitions``)."""

    request_verification = "request_verification"
    verify = "verify"
    file = "file"
    void = "void"
    dispatch = "dispatch"
    return_ = "return"
    request_extension = "request_extension"
    grant_extension = "grant_extension"
    deny_extension = "deny_extension"
    suspend = "suspend"
    resume = "resume"
    resolve = "resolve"
    check = "check"
    close = "close"
    urge = "urge"
    refer_to_experts = "refer_to_experts"
    rule_ownership = "rule_ownership"
    self_resolve = "self_resolve"
    mark_overdue = "mark_overdue"
    merge = "merge"
    confirm_not_duplicate = "confirm_not_duplicate"
    call_back = "call_back"


INITIAL_STATE = State.reported
TERMINAL_STATES: frozenset[State] = frozenset({State.closed, State.voided})
OPEN_STATES: frozenset[State] = frozenset(State) - TERMINAL_STATES

#: Allowed values of the optional ``close_type`` field of ``close`` (正常 / 超时 / 特殊结案).
CLOSE_TYPES: tuple[str, ...] = ("normal", "overdue", "special")

#: Allowed values of the ``satisfaction`` field of ``call_back`` (满意 / 基本满意 / 不满意).
CALLBACK_SATISFACTION: tuple[str, ...] = ("satisfied", "basically_satisfied", "dissatisfied")


class Special(Enum):
    """Targets that are not a fixed state."""

    #: The state the case was in before it was suspended (挂账恢复).
    PREVIOUS = "previous"

    def __repr__(self) -> str:
        return self.name


PREVIOUS = Special.PREVIOUS


@dataclass(frozen=True, init=False)
class Branch:
    """An outcome-dependent target: the value of ``fields[field]`` picks the state.

    Construct with a mapping, e.g. ``Branch("passed", {True: State.checked, False: ...})``.
    Values are matched by type as well as equality, so ``1`` does not select ``True``.
    """

    field: str
    outcomes: tuple[tuple[Any, State], ...]

    def __init__(self, field: str, outcomes: Mapping[Any, State]) -> None:
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "outcomes", tuple(outcomes.items()))

    def lookup(self, value: Any) -> State | None:
        """Return the state chosen by ``value``, or None when no outcome matches."""
        for key, state in self.outcomes:
            if type(key) is type(value) and key == value:
                return state
        return None

    @property
    def states(self) -> tuple[State, ...]:
        """Return every state this branch can lead to."""
        return tuple(state for _, state in self.outcomes)


Target = State | Special | Branch | None


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table. Data only: guards and checks are referred to by name."""

    action: Action
    sources: frozenset[State]
    #: A State, PREVIOUS, a Branch, or None for actions that leave the state alone.
    target: Target
    roles: frozenset[Role]
    label_zh: str
    required: tuple[str, ...] = ()
    #: (field name, FIELD_CHECKS name) pairs, applied when the field is present.
    field_checks: tuple[tuple[str, str], ...] = ()
    #: GUARDS names; all must hold.
    guards: tuple[str, ...] = ()
    #: Step of the main flow (standards notes §4.1) for grouping in docs and UIs.
    stage: str | None = None
    #: Whether a case's page offers it among its actions. False for actions taken from
    #: elsewhere with context the case page lacks (a duplicate decision names a report).
    listed: bool = True
    #: A follow-up after the case has ended (回访): the only kind of row allowed from a
    #: terminal state, and it must leave the state alone.
    follow_up: bool = False

    @property
    def changes_state(self) -> bool:
        """Return whether taking this action can move the case to another state."""
        return self.target is not None


# --------------------------------------------------------------------------------------------
# Facts, guards and field checks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the evaluator needs to know about a case; gathered by the caller.

    ``previous_state`` is the state before the current suspension (only meaningful while
    suspended). ``last_check_passed_after_last_resolve`` is true when the most recent 核查 that
    came after the most recent 处置反馈 passed.
    """

    state: State
    previous_state: State | None = None
    pending_extension: bool = False
    last_check_passed_after_last_resolve: bool = False
    reported_by_inspector: bool = False
    overdue: bool = False
    #: The case came in on a channel with a caller to call back (hotline, mayor's line…).
    from_hotline: bool = False
    called_back: bool = False

    def __post_init__(self) -> None:
        # Accept the stored string values (TextChoices) as well as the enum members.
        object.__setattr__(self, "state", State(self.state))
        if self.previous_state is not None:
            object.__setattr__(self, "previous_state", State(self.previous_state))


class Guard(NamedTuple):
    """A named condition on :class:`CaseFacts`, with the reason given when it does not hold."""

    predicate: Callable[[CaseFacts], bool]
    unmet: str


class FieldCheck(NamedTuple):
    """A named condition on one supplied field value, with the reason given when it fails."""

    predicate: Callable[[Any], bool]
    message: str


GUARDS: Mapping[str, Guard] = MappingProxyType(
    {
        "no_pending_extension": Guard(
            lambda f: not f.pending_extension,
            "an extension request is already pending",
        ),
        "extension_pending": Guard(
            lambda f: f.pending_extension,
            "there is no pending extension request",
        ),
        "check_passed_after_last_resolve": Guard(
            lambda f: f.last_check_passed_after_last_resolve,
            "the case has no passing check after its last resolution",
        ),
        "reported_by_inspector": Guard(
            lambda f: f.reported_by_inspector,
            "only cases reported by an inspector can be self-resolved",
        ),
        "not_already_overdue": Guard(
            lambda f: not f.overdue,
            "the case is already marked overdue",
        ),
        "from_hotline": Guard(
            lambda f: f.from_hotline,
            "only cases reported through a hotline-type channel get a call-back",
        ),
        "not_called_back": Guard(
            lambda f: not f.called_back,
            "the caller has already been called back",
        ),
    }
)


def is_missing(value: Any) -> bool:
    """Return whether a field value counts as not supplied.

    None, blank strings and empty collections are missing; ``False`` and ``0`` are values.
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return len(value) == 0
    return False


def _is_reference_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(
        not is_missing(item) and not isinstance(item, bool) for item in value
    )


FIELD_CHECKS: Mapping[str, FieldCheck] = MappingProxyType(
    {
        "boolean": FieldCheck(lambda v: isinstance(v, bool), "must be true or false"),
        "close_type": FieldCheck(
            lambda v: isinstance(v, str) and v in CLOSE_TYPES,
            "must be one of: " + ", ".join(CLOSE_TYPES),
        ),
        "reference_list": FieldCheck(_is_reference_list, "must be a list of non-empty references"),
        "satisfaction": FieldCheck(
            lambda v: isinstance(v, str) and v in CALLBACK_SATISFACTION,
            "must be one of: " + ", ".join(CALLBACK_SATISFACTION),
        ),
    }
)


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


def _states(*states: State) -> frozenset[State]:
    return frozenset(states)


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


S, R, A = State, Role, Action

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        A.verify,
        _states(S.reported),
        S.verified,
        _roles(R.inspector, R.operator, R.shift_lead),
        label_zh="核实",
        stage="case_building",
    ),
    Transition(
        A.request_verification,
        _states(S.reported),
        None,
        _roles(R.operator, R.shift_lead),
        label_zh="派发核实",
        required=("inspector",),
        stage="case_building",
    ),
    Transition(
        A.file,
        _states(S.reported, S.verified),
        S.filed,
        _roles(R.operator, R.shift_lead),
        label_zh="立案",
        required=("category", "filing_condition"),
        stage="case_building",
    ),
    Transition(
        A.void,
        _states(S.reported, S.verified, S.filed, S.returned),
        S.voided,
        _roles(R.operator, R.shift_lead),
        label_zh="不予立案/作废",
        required=("reason",),
        stage="case_building",
    ),
    Transition(
        A.dispatch,
        _states(S.filed, S.returned),
        S.dispatched,
        _roles(R.dispatcher, R.shift_lead),
        label_zh="派遣",
        required=("department",),
        stage="dispatch",
    ),
    Transition(
        A.return_,
        _states(S.dispatched),
        S.returned,
        _roles(R.handler, R.dispatcher, R.shift_lead),
        label_zh="回退",
        required=("reason",),
        stage="handling",
    ),
    Transition(
        A.request_extension,
        _states(S.dispatched),
        None,
        _roles(R.handler),
        label_zh="延期申请",
        required=("extension", "reason"),
        guards=("no_pending_extension",),
        stage="handling",
    ),
    Transition(
        A.grant_extension,
        _states(S.dispatched),
        None,
        _roles(R.dispatcher, R.shift_lead),
        label_zh="延期批准",
        guards=("extension_pending",),
        stage="handling",
    ),
    Transition(
        A.deny_extension,
        _states(S.dispatched),
        None,
        _roles(R.dispatcher, R.shift_lead),
        label_zh="延期驳回",
        required=("reason",),
        guards=("extension_pending",),
        stage="handling",
    ),
    Transition(
        A.suspend,
        _states(S.filed, S.dispatched, S.returned),
        S.suspended,
        _roles(R.dispatcher, R.shift_lead),
        label_zh="挂账",
        required=("reason",),
        stage="handling",
    ),
    Transition(
        A.resume,
        _states(S.suspended),
        PREVIOUS,
        _roles(R.dispatcher, R.shift_lead),
        label_zh="挂账恢复",
        stage="handling",
    ),
    Transition(
        A.resolve,
        _states(S.dispatched),
        S.resolved,
        _roles(R.handler),
        label_zh="处置反馈",
        required=("photos", "note"),
        field_checks=(("photos", "reference_list"),),
        stage="feedback",
    ),
    Transition(
        A.check,
        _states(S.resolved),
        Branch("passed", {True: S.checked, False: S.dispatched}),  # False = 返工 (rework)
        _roles(R.inspector),
        label_zh="核查",
        required=("passed",),
        field_checks=(("passed", "boolean"),),
        stage="check_close",
    ),
    Transition(
        A.close,
        _states(S.checked),
        S.closed,
        _roles(R.shift_lead, R.operator),
        label_zh="结案",
        field_checks=(("close_type", "close_type"),),
        guards=("check_passed_after_last_resolve",),
        stage="check_close",
    ),
    Transition(
        A.urge,
        _states(S.filed, S.dispatched, S.returned, S.resolved, S.suspended, S.in_ruling),
        None,
        _roles(R.dispatcher, R.shift_lead, R.leader),
        label_zh="督办",
        stage="supervision",
    ),
    Transition(
        A.refer_to_experts,
        _states(S.filed, S.dispatched, S.returned),
        S.in_ruling,
        _roles(R.dispatcher, R.shift_lead),
        label_zh="疑难确权",
        required=("reason",),
        stage="dispatch",
    ),
    Transition(
        A.rule_ownership,
        _states(S.in_ruling),
        S.dispatched,
        _roles(R.expert),
        label_zh="确权裁定",
        required=("department",),
        stage="dispatch",
    ),
    Transition(
        A.self_resolve,
        _states(S.reported, S.verified),
        S.closed,
        _roles(R.shift_lead),
        label_zh="自行处置",
        required=("note",),
        guards=("reported_by_inspector",),
        stage="case_building",
    ),
    Transition(
        A.mark_overdue,
        _states(S.dispatched, S.filed, S.returned, S.resolved, S.checked, S.reported, S.verified),
        None,
        _roles(R.system),
        label_zh="超期标记",
        guards=("not_already_overdue",),
        stage="supervision",
    ),
    # Duplicate decisions (重复上报) at intake. ``merge`` is taken on the case that receives
    # the report, so its source states say "the target is open"; the report's own case is
    # locked with it and voided through ``void`` when the report was all it had.
    Transition(
        A.merge,
        frozenset(OPEN_STATES),
        None,
        _roles(R.operator, R.shift_lead),
        label_zh="合并重复上报",
        required=("report",),
        stage="case_building",
        listed=False,
    ),
    Transition(
        A.confirm_not_duplicate,
        frozenset(OPEN_STATES),
        None,
        _roles(R.operator, R.shift_lead),
        label_zh="确认非重复",
        required=("report",),
        stage="case_building",
        listed=False,
    ),
    # 回访: after closure the operator calls the hotline caller back and records how
    # satisfied they are. A follow-up: allowed on a closed case, the state stays.
    Transition(
        A.call_back,
        _states(S.closed),
        None,
        _roles(R.operator, R.shift_lead),
        label_zh="回访",
        required=("satisfaction",),
        field_checks=(("satisfaction", "satisfaction"),),
        guards=("from_hotline", "not_called_back"),
        stage="check_close",
        follow_up=True,
    ),
)

del S, R, A


def _index(transitions: Iterable[Transition]) -> dict[Action, Transition]:
    index: dict[Action, Transition] = {}
    for row in transitions:
        index.setdefault(row.action, row)
    return index


_BY_ACTION: Mapping[Action, Transition] = MappingProxyType(_index(TRANSITIONS))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class WorkflowError(Exception):
    """A refused action: ``code`` is for machines, ``message`` (English) for people."""

    code = "workflow_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready error body."""
        return {"code": self.code, "message": self.message}


class UnknownAction(WorkflowError):
    """The action is not a known verb, or the table has no row for it."""

    code = "unknown_action"

    def __init__(self, action: Any) -> None:
        self.action = action
        super().__init__(f"unknown action {str(action)!r}")


class NotAllowedInState(WorkflowError):
    """The action is not allowed from the case's current state."""

    code = "invalid_state"

    def __init__(self, action: Action, state: State, allowed: Iterable[State]) -> None:
        self.action = action
        self.state = state
        self.allowed = _ordered(allowed, State)
        allowed_text = ", ".join(s.value for s in self.allowed) or "nowhere"
        super().__init__(
            f"cannot {action.value} a case in state {state.value!r}; allowed from: {allowed_text}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready error body."""
        return {
            **super().as_dict(),
            "state": self.state.value,
            "allowed_states": [s.value for s in self.allowed],
        }


class RoleNotAllowed(WorkflowError):
    """The actor's role may not take this action."""

    code = "forbidden"

    def __init__(self, action: Action, role: Any, allowed: Iterable[Role]) -> None:
        self.action = action
        self.role = role
        self.allowed = _ordered(allowed, Role)
        role_text = role.value if isinstance(role, Role) else str(role)
        allowed_text = ", ".join(r.value for r in self.allowed) or "none"
        super().__init__(
            f"role {role_text!r} may not {action.value}; allowed roles: {allowed_text}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready error body."""
        return {**super().as_dict(), "allowed_roles": [r.value for r in self.allowed]}


class MissingFields(WorkflowError):
    """Required fields were not supplied (or were blank)."""

    code = "missing_fields"

    def __init__(self, action: Action, fields: Mapping[str, str]) -> None:
        self.action = action
        self.fields = dict(fields)
        super().__init__(f"{action.value} requires: {', '.join(self.fields)}")

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready error body."""
        return {**super().as_dict(), "fields": dict(self.fields)}


class InvalidField(WorkflowError):
    """A supplied field has a value the action does not accept."""

    code = "invalid_field"

    def __init__(self, action: Action, fields: Mapping[str, str]) -> None:
        self.action = action
        self.fields = dict(fields)
        detail = "; ".join(f"{name} {message}" for name, message in self.fields.items())
        super().__init__(f"invalid fields for {action.value}: {detail}")

    @property
    def field(self) -> str:
        """Return the first invalid field's name."""
        return next(iter(self.fields))

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready error body."""
        return {**super().as_dict(), "fields": dict(self.fields)}


class GuardFailed(WorkflowError):
    """A named guard does not hold for the case; the message is the guard's reason."""

    code = "guard_failed"

    def __init__(self, action: Action, guard: str, unmet: str) -> None:
        self.action = action
        self.guard = guard
        super().__init__(f"cannot {action.value}: {unmet}")

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready error body."""
        return {**super().as_dict(), "guard": self.guard}


class InvalidFacts(WorkflowError):
    """The caller's facts are inconsistent (e.g. a suspended case with no usable previous state).

    This points at a data or caller bug rather than at the actor's request.
    """

    code = "invalid_facts"


def _ordered(items: Iterable[Any], enum: type[Enum]) -> tuple[Any, ...]:
    order = {member: i for i, member in enumerate(enum)}
    return tuple(sorted(set(items), key=lambda m: order.get(m, len(order))))


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A permitted action: where the case goes and by which row."""

    target_state: State
    transition: Transition
    source_state: State | None = field(default=None)

    @property
    def action(self) -> Action:
        """Return the action decided."""
        return self.transition.action

    @property
    def changes_state(self) -> bool:
        """Return whether applying this decision changes the case's state."""
        return self.source_state is None or self.target_state != self.source_state


def _coerce_action(action: Any) -> Action | None:
    if isinstance(action, Action):
        return action
    try:
        return Action(action)
    except ValueError:
        return None


def _coerce_role(role: Any) -> Role | None:
    if isinstance(role, Role):
        return role
    try:
        return Role(role)
    except ValueError:
        return None


def get_transition(action: Action | str) -> Transition:
    """Return the table row for ``action``; raise :class:`UnknownAction` if there is none."""
    coerced = _coerce_action(action)
    if coerced is None or coerced not in _BY_ACTION:
        raise UnknownAction(action)
    return _BY_ACTION[coerced]


def _resolve_previous(facts: CaseFacts) -> State:
    previous = facts.previous_state
    if previous is None or previous not in OPEN_STATES or previous is State.suspended:
        raise InvalidFacts(
            "a suspended case needs an open, non-suspended previous_state to resume to; "
            f"got {previous.value if previous is not None else None!r}"
        )
    return previous


def _failed_guard(row: Transition, facts: CaseFacts) -> tuple[str, Guard] | None:
    for name in row.guards:
        guard = GUARDS[name]
        if not guard.predicate(facts):
            return name, guard
    return None


def decide(
    facts: CaseFacts,
    action: Action | str,
    role: Role | str,
    fields: Mapping[str, Any] | None = None,
) -> Decision:
    """Decide whether ``role`` may take ``action`` on a case described by ``facts``.

    Return the :class:`Decision` (target state and table row) or raise a
    :class:`WorkflowError`. Checks run in this order: unknown action, state, role, required
    fields, field validity, guards. Nothing is mutated.
    """
    fields = {} if fields is None else fields
    row = get_transition(action)

    if facts.state not in row.sources:
        raise NotAllowedInState(row.action, facts.state, row.sources)

    coerced_role = _coerce_role(role)
    if coerced_role is None or coerced_role not in row.roles:
        raise RoleNotAllowed(row.action, coerced_role or role, row.roles)

    missing = {
        name: "this field is required" for name in row.required if is_missing(fields.get(name))
    }
    if missing:
        raise MissingFields(row.action, missing)

    invalid: dict[str, str] = {}
    for name, check_name in row.field_checks:
        if name in fields and not is_missing(fields[name]) and name not in invalid:
            check = FIELD_CHECKS[check_name]
            if not check.predicate(fields[name]):
                invalid[name] = check.message
    target = row.target
    if (
        isinstance(target, Branch)
        and target.field not in invalid
        and target.lookup(fields.get(target.field)) is None
    ):
        choices = ", ".join(repr(key) for key, _ in target.outcomes)
        invalid[target.field] = f"must be one of: {choices}"
    if invalid:
        raise InvalidField(row.action, invalid)

    failed = _failed_guard(row, facts)
    if failed is not None:
        name, guard = failed
        raise GuardFailed(row.action, name, guard.unmet)

    if target is None:
        target_state = facts.state
    elif target is PREVIOUS:
        target_state = _resolve_previous(facts)
    elif isinstance(target, Branch):
        target_state = target.lookup(fields.get(target.field))  # checked above
        assert target_state is not None
    else:
        target_state = target
    return Decision(target_state=target_state, transition=row, source_state=facts.state)


def allowed_actions(
    facts: CaseFacts, role: Role | str, *, include_unlisted: bool = False
) -> list[Action]:
    """Return the actions ``role`` may take now, judged on state, role and guards only.

    Fields are ignored (the UI asks for them). ``resume`` is listed only when the facts give a
    usable previous state. Rows with ``listed=False`` (duplicate decisions, taken from the
    intake console with a report in hand) are left out unless ``include_unlisted``.
    """
    coerced_role = _coerce_role(role)
    if coerced_role is None:
        return []
    result: list[Action] = []
    for row in _BY_ACTION.values():
        if not (row.listed or include_unlisted):
            continue
        if facts.state not in row.sources or coerced_role not in row.roles:
            continue
        if _failed_guard(row, facts) is not None:
            continue
        if row.target is PREVIOUS:
            try:
                _resolve_previous(facts)
            except InvalidFacts:
                continue
        result.append(row.action)
    return result


# --------------------------------------------------------------------------------------------
# Definition checks and rendering
# --------------------------------------------------------------------------------------------


def _target_states(target: Target, transitions: Sequence[Transition]) -> tuple[State, ...]:
    """Return the states a target can lead to (PREVIOUS: the states suspension comes from)."""
    if isinstance(target, State):
        return (target,)
    if isinstance(target, Branch):
        return tuple(s for s in target.states if isinstance(s, State))
    if target is PREVIOUS:
        return tuple(
            source
            for row in transitions
            if row.target is State.suspended
            for source in row.sources
            if isinstance(source, State)
        )
    return ()


def validate_table(
    transitions: Iterable[Transition] = TRANSITIONS,
    *,
    guards: Mapping[str, Guard] = GUARDS,
    field_checks: Mapping[str, FieldCheck] = FIELD_CHECKS,
) -> list[str]:
    """Return a list of definition problems in ``transitions``; empty when the table is sound.

    Looks for: rows that are not Transitions or name unknown actions, roles or states; duplicate
    rows for an action; actions with no row; unknown guard or field-check names; targets that
    are not states; misused PREVIOUS; branches keyed on a field that is not required; rows no
    role may take; terminal states with outgoing rows; open states with no way onward; and
    states unreachable from the initial state.
    """
    rows = list(transitions)
    problems: list[str] = []
    seen: set[Any] = set()

    for i, row in enumerate(rows):
        if not isinstance(row, Transition):
            problems.append(f"row {i}: not a Transition: {row!r}")
            continue
        name = row.action.value if isinstance(row.action, Action) else repr(row.action)
        where = f"row {i} ({name})"
        if not isinstance(row.action, Action):
            problems.append(f"{where}: action {row.action!r} is not an Action")
        elif row.action in seen:
            problems.append(f"{where}: duplicate row for action {name!r}")
        seen.add(row.action)

        if not row.sources:
            problems.append(f"{where}: has no source states")
        for source in row.sources:
            if not isinstance(source, State):
                problems.append(f"{where}: source {source!r} is not a State")
            elif source in TERMINAL_STATES and not row.follow_up:
                problems.append(
                    f"{where}: terminal state {source.value!r} must have no outgoing rows"
                )
            elif source not in TERMINAL_STATES and row.follow_up:
                problems.append(f"{where}: a follow-up is only taken from terminal states")
        if row.follow_up and row.target is not None:
            problems.append(f"{where}: a follow-up must leave the state alone")

        if not row.roles:
            problems.append(f"{where}: no role may take it (deny by default)")
        for role in row.roles:
            if not isinstance(role, Role):
                problems.append(f"{where}: role {role!r} is not a Role")

        target = row.target
        if target is None or isinstance(target, State):
            pass
        elif target is PREVIOUS:
            if set(row.sources) != {State.suspended}:
                problems.append(f"{where}: PREVIOUS target is only valid from 'suspended' alone")
        elif isinstance(target, Branch):
            if not target.outcomes:
                problems.append(f"{where}: branch on {target.field!r} has no outcomes")
            for value, state in target.outcomes:
                if not isinstance(state, State):
                    problems.append(
                        f"{where}: branch outcome {value!r} -> {state!r} is not a State"
                    )
            if target.field not in row.required:
                problems.append(f"{where}: branch field {target.field!r} is not required")
        else:
            problems.append(f"{where}: target {target!r} is not a State, PREVIOUS or Branch")

        for required in row.required:
            if not isinstance(required, str) or not required:
                problems.append(f"{where}: required field name {required!r} is not a name")
        for guard_name in row.guards:
            if guard_name not in guards:
                problems.append(f"{where}: unknown guard {guard_name!r}")
        for pair in row.field_checks:
            if not (isinstance(pair, tuple) and len(pair) == 2):
                problems.append(f"{where}: field check {pair!r} is not a (field, check) pair")
            elif pair[1] not in field_checks:
                problems.append(f"{where}: unknown field check {pair[1]!r} for {pair[0]!r}")
        if not row.label_zh:
            problems.append(f"{where}: has no label_zh")

    good = [row for row in rows if isinstance(row, Transition)]
    for action in Action:
        if action not in seen:
            problems.append(f"action {action.value!r} has no row")

    for state in State:
        if state in TERMINAL_STATES:
            continue
        onward = [
            row
            for row in good
            if state in row.sources and any(t != state for t in _target_states(row.target, good))
        ]
        if not onward:
            problems.append(f"open state {state.value!r} has no transition out of it")

    reached = {INITIAL_STATE}
    frontier = [INITIAL_STATE]
    while frontier:
        current = frontier.pop()
        for row in good:
            if current not in row.sources:
                continue
            for nxt in _target_states(row.target, good):
                if nxt not in reached:
                    reached.add(nxt)
                    frontier.append(nxt)
    for state in State:
        if state not in reached:
            problems.append(f"state {state.value!r} is unreachable from {INITIAL_STATE.value!r}")
    return problems


def to_mermaid(transitions: Iterable[Transition] = TRANSITIONS, *, self_loops: bool = True) -> str:
    """Render the table as a Mermaid ``stateDiagram-v2`` (for docs).

    Edges are labelled ``action 中文``; branch edges add the outcome; ``resume`` is drawn back
    to each state suspension can come from. Actions that do not change state are drawn as
    self-loops unless ``self_loops`` is false.
    """
    rows = list(transitions)
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATE.value}"]
    for row in rows:
        label = f"{row.action.value} {row.label_zh}".strip()
        sources = _ordered(row.sources, State)
        target = row.target
        for source in sources:
            if target is None:
                if self_loops:
                    lines.append(f"    {source.value} --> {source.value} : {label}")
            elif isinstance(target, State):
                lines.append(f"    {source.value} --> {target.value} : {label}")
            elif isinstance(target, Branch):
                for value, state in target.outcomes:
                    lines.append(
                        f"    {source.value} --> {state.value} : {label} ({target.field}={value})"
                    )
            elif target is PREVIOUS:
                for back in _ordered(_target_states(PREVIOUS, rows), State):
                    lines.append(f"    {source.value} --> {back.value} : {label} (previous)")
    for state in _ordered(TERMINAL_STATES, State):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"

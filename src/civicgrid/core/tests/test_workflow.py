"""Tests for the case loop table and its pure evaluator (civicgrid.core.workflow)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from civicgrid.core import workflow as wf
from civicgrid.core.workflow import (
    GUARDS,
    OPEN_STATES,
    PREVIOUS,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    Branch,
    CaseFacts,
    Decision,
    GuardFailed,
    InvalidFacts,
    InvalidField,
    MissingFields,
    NotAllowedInState,
    Role,
    RoleNotAllowed,
    State,
    Transition,
    UnknownAction,
    WorkflowError,
    allowed_actions,
    decide,
    to_mermaid,
    validate_table,
)

S, R, A = State, Role, Action

# ---------------------------------------------------------------------------------------------
# The rules, restated independently of the module from the brief. The table must match this.
# target: a State, "previous", "branch" (check: passed → checked / dispatched) or None.
# ---------------------------------------------------------------------------------------------

SPEC: dict[Action, dict[str, Any]] = {
    A.request_verification: {
        "sources": {S.reported},
        "target": None,
        "roles": {R.operator, R.shift_lead},
        "required": {"inspector"},
        "guards": set(),
    },
    A.verify: {
        "sources": {S.reported},
        "target": S.verified,
        "roles": {R.inspector, R.operator, R.shift_lead},
        "required": set(),
        "guards": set(),
    },
    A.file: {
        "sources": {S.reported, S.verified},
        "target": S.filed,
        "roles": {R.operator, R.shift_lead},
        "required": {"category", "filing_condition"},
        "guards": set(),
    },
    A.void: {
        "sources": {S.reported, S.verified, S.filed, S.returned},
        "target": S.voided,
        "roles": {R.operator, R.shift_lead},
        "required": {"reason"},
        "guards": set(),
    },
    A.dispatch: {
        "sources": {S.filed, S.returned},
        "target": S.dispatched,
        "roles": {R.dispatcher, R.shift_lead},
        "required": {"department"},
        "guards": set(),
    },
    A.return_: {
        "sources": {S.dispatched},
        "target": S.returned,
        "roles": {R.handler, R.dispatcher, R.shift_lead},
        "required": {"reason"},
        "guards": set(),
    },
    A.request_extension: {
        "sources": {S.dispatched},
        "target": None,
        "roles": {R.handler},
        "required": {"extension", "reason"},
        "guards": {"no_pending_extension"},
    },
    A.grant_extension: {
        "sources": {S.dispatched},
        "target": None,
        "roles": {R.dispatcher, R.shift_lead},
        "required": set(),
        "guards": {"extension_pending"},
    },
    A.deny_extension: {
        "sources": {S.dispatched},
        "target": None,
        "roles": {R.dispatcher, R.shift_lead},
        "required": {"reason"},
        "guards": {"extension_pending"},
    },
    A.suspend: {
        "sources": {S.filed, S.dispatched, S.returned},
        "target": S.suspended,
        "roles": {R.dispatcher, R.shift_lead},
        "required": {"reason"},
        "guards": set(),
    },
    A.resume: {
        "sources": {S.suspended},
        "target": "previous",
        "roles": {R.dispatcher, R.shift_lead},
        "required": set(),
        "guards": set(),
    },
    A.resolve: {
        "sources": {S.dispatched},
        "target": S.resolved,
        "roles": {R.handler},
        "required": {"photos", "note"},
        "guards": set(),
    },
    A.check: {
        "sources": {S.resolved},
        "target": "branch",
        "roles": {R.inspector},
        "required": {"passed"},
        "guards": set(),
    },
    A.close: {
        "sources": {S.checked},
        "target": S.closed,
        "roles": {R.shift_lead, R.operator},
        "required": set(),
        "guards": {"check_passed_after_last_resolve"},
    },
    A.urge: {
        "sources": {S.filed, S.dispatched, S.returned, S.resolved, S.suspended, S.in_ruling},
        "target": None,
        "roles": {R.dispatcher, R.shift_lead, R.leader},
        "required": set(),
        "guards": set(),
    },
    A.refer_to_experts: {
        "sources": {S.filed, S.dispatched, S.returned},
        "target": S.in_ruling,
        "roles": {R.dispatcher, R.shift_lead},
        "required": {"reason"},
        "guards": set(),
    },
    A.rule_ownership: {
        "sources": {S.in_ruling},
        "target": S.dispatched,
        "roles": {R.expert},
        "required": {"department"},
        "guards": set(),
    },
    A.self_resolve: {
        "sources": {S.reported, S.verified},
        "target": S.closed,
        "roles": {R.shift_lead},
        "required": {"note"},
        "guards": {"reported_by_inspector"},
    },
    A.mark_overdue: {
        "sources": {
            S.dispatched,
            S.filed,
            S.returned,
            S.resolved,
            S.checked,
            S.reported,
            S.verified,
        },
        "target": None,
        "roles": {R.system},
        "required": set(),
        "guards": {"not_already_overdue"},
    },
    A.merge: {
        "sources": set(S) - {S.closed, S.voided},
        "target": None,
        "roles": {R.operator, R.shift_lead},
        "required": {"report"},
        "guards": set(),
    },
    A.confirm_not_duplicate: {
        "sources": set(S) - {S.closed, S.voided},
        "target": None,
        "roles": {R.operator, R.shift_lead},
        "required": {"report"},
        "guards": set(),
    },
    A.call_back: {
        "sources": {S.closed},
        "target": None,
        "roles": {R.operator, R.shift_lead},
        "required": {"satisfaction"},
        "guards": {"from_hotline", "not_called_back"},
    },
}

#: Fields that satisfy every action (extra fields are ignored by decide).
FULL_FIELDS: dict[str, Any] = {
    "category": "A0101",
    "filing_condition": "缺失、移位、开裂，存在安全隐患的",
    "reason": "派遣错误",
    "department": "dept-water",
    "extension": {"working_hours": 8},
    "note": "已修复",
    "photos": ["photo-1", "photo-2"],
    "passed": True,
    "close_type": "normal",
    "inspector": "inspector-1",
    "report": 7,
    "satisfaction": "satisfied",
}

#: Facts under which every guard holds.
HAPPY = {
    "pending_extension": False,
    "last_check_passed_after_last_resolve": True,
    "reported_by_inspector": True,
    "overdue": False,
    "from_hotline": True,
    "called_back": False,
}


def facts_for(state: State, **overrides: Any) -> CaseFacts:
    """Build facts in ``state`` under which the guards of ``state``'s rows hold by default."""
    values: dict[str, Any] = {**HAPPY, "state": state}
    if state is S.suspended:
        values["previous_state"] = S.dispatched
    values.update(overrides)
    return CaseFacts(**values)


def facts_satisfying(action: Action, state: State) -> CaseFacts:
    """Build facts in ``state`` under which ``action``'s guards hold."""
    pending = "extension_pending" in SPEC[action]["guards"]
    return facts_for(state, pending_extension=pending)


def expected_target(action: Action, facts: CaseFacts, fields: dict[str, Any]) -> State:
    target = SPEC[action]["target"]
    if target is None:
        return facts.state
    if target == "previous":
        return facts.previous_state
    if target == "branch":
        return S.checked if fields["passed"] is True else S.dispatched
    return target


# ---------------------------------------------------------------------------------------------
# The table is the brief's table
# ---------------------------------------------------------------------------------------------


def test_every_action_has_exactly_one_row():
    """Every action has exactly one row, and no row is for an unlisted action."""
    actions = [row.action for row in TRANSITIONS]
    assert sorted(actions) == sorted(Action)
    assert set(SPEC) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_row_matches_spec(action):
    """The row for each action has the brief's sources, roles, required fields and guards."""
    row = wf.get_transition(action)
    spec = SPEC[action]
    assert set(row.sources) == spec["sources"]
    assert set(row.roles) == spec["roles"]
    assert set(row.required) == spec["required"]
    assert set(row.guards) == spec["guards"]
    assert row.label_zh
    if spec["target"] is None:
        assert row.target is None and not row.changes_state
    elif spec["target"] == "previous":
        assert row.target is PREVIOUS and row.changes_state
    elif spec["target"] == "branch":
        assert row.target == Branch("passed", {True: S.checked, False: S.dispatched})
    else:
        assert row.target is spec["target"]


def test_table_is_data_only():
    """Rows hold no code: every guard and field check is a name looked up in a registry."""
    for row in TRANSITIONS:
        for f in dataclasses.fields(row):
            value = getattr(row, f.name)
            assert not callable(value) or isinstance(value, Branch), (row.action, f.name)
        assert all(isinstance(name, str) for name in row.guards)
        assert all(isinstance(n, str) and isinstance(c, str) for n, c in row.field_checks)


def test_states_roles_and_actions_use_glossary_values():
    """Enum values are the API strings; return_ is sent as "return"."""
    assert A.return_.value == "return"
    assert A("return") is A.return_
    assert {s.value for s in State} == {
        "reported", "verified", "filed", "voided", "dispatched", "returned",
        "resolved", "checked", "closed", "suspended", "in_ruling",
    }  # fmt: skip
    assert {S.closed, S.voided} == TERMINAL_STATES
    assert set(State) - TERMINAL_STATES == OPEN_STATES


# ---------------------------------------------------------------------------------------------
# Each rule: accepted from each source by each permitted role; refused elsewhere
# ---------------------------------------------------------------------------------------------

HAPPY_CASES = [
    (action, state, role)
    for action, spec in SPEC.items()
    for state in sorted(spec["sources"])
    for role in sorted(spec["roles"])
]


@pytest.mark.parametrize(
    ("action", "state", "role"), HAPPY_CASES, ids=lambda v: getattr(v, "value", v)
)
def test_rule_accepts_from_each_source_for_each_role(action, state, role):
    """Each rule fires from each source state for each permitted role and lands on its target."""
    facts = facts_satisfying(action, state)
    fields = {name: FULL_FIELDS[name] for name in SPEC[action]["required"]}
    decision = decide(facts, action, role, fields)
    assert isinstance(decision, Decision)
    assert decision.transition.action is action
    assert decision.source_state is state
    assert decision.target_state is expected_target(action, facts, fields)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_rule_refuses_every_other_state(action):
    """An action is refused with invalid_state from every state not among its sources."""
    spec = SPEC[action]
    role = sorted(spec["roles"])[0]
    for state in set(State) - spec["sources"]:
        with pytest.raises(NotAllowedInState) as err:
            decide(facts_satisfying(action, state), action, role, FULL_FIELDS)
        assert err.value.code == "invalid_state"
        assert set(err.value.allowed) == spec["sources"]


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_rule_refuses_every_other_role(action):
    """An action is refused with forbidden for every role not listed (deny by default)."""
    spec = SPEC[action]
    state = sorted(spec["sources"])[0]
    for role in set(Role) - spec["roles"]:
        with pytest.raises(RoleNotAllowed) as err:
            decide(facts_satisfying(action, state), action, role, FULL_FIELDS)
        assert err.value.code == "forbidden"
        assert role.value in err.value.message
        assert set(err.value.allowed) == spec["roles"]


@pytest.mark.parametrize("action", [a for a in Action if SPEC[a]["required"]], ids=str)
def test_rule_requires_each_required_field(action):
    """Leaving out any one required field gives missing_fields naming exactly that field."""
    spec = SPEC[action]
    state = sorted(spec["sources"])[0]
    role = sorted(spec["roles"])[0]
    for name in spec["required"]:
        fields = {k: FULL_FIELDS[k] for k in spec["required"] if k != name}
        with pytest.raises(MissingFields) as err:
            decide(facts_satisfying(action, state), action, role, fields)
        assert err.value.code == "missing_fields"
        assert set(err.value.fields) == {name}


def test_admin_and_unknown_roles_are_denied_everywhere():
    """No row grants admin anything, and a role string that is not a Role is forbidden."""
    for action, spec in SPEC.items():
        facts = facts_satisfying(action, sorted(spec["sources"])[0])
        for role in (R.admin, "superuser", None):
            with pytest.raises(RoleNotAllowed):
                decide(facts, action, role, FULL_FIELDS)


def test_strings_are_accepted_for_action_role_and_state():
    """Stored string values work as well as enum members."""
    decision = decide(CaseFacts(state="dispatched"), "return", "handler", {"reason": "错派"})
    assert decision.target_state is S.returned
    assert decision.action is A.return_


# ---------------------------------------------------------------------------------------------
# Errors: classes, codes, messages, order
# ---------------------------------------------------------------------------------------------


def test_unknown_action():
    """A verb that is not in the table is unknown_action, whatever else is wrong."""
    for action in ("teleport", "", None, "Return"):
        with pytest.raises(UnknownAction) as err:
            decide(CaseFacts(state=S.closed), action, "nobody", {})
        assert err.value.code == "unknown_action"
        assert isinstance(err.value, WorkflowError)


def test_not_allowed_in_state_message():
    """The state error names the action, the state and where the action is allowed from."""
    with pytest.raises(NotAllowedInState) as err:
        decide(CaseFacts(state=S.closed), A.dispatch, R.dispatcher, {"department": "d"})
    assert err.value.message == (
        "cannot dispatch a case in state 'closed'; allowed from: filed, returned"
    )
    assert err.value.as_dict() == {
        "code": "invalid_state",
        "message": err.value.message,
        "state": "closed",
        "allowed_states": ["filed", "returned"],
    }


def test_role_not_allowed_message():
    """The role error names the role and the roles that may act."""
    with pytest.raises(RoleNotAllowed) as err:
        decide(CaseFacts(state=S.filed), A.dispatch, R.inspector, {"department": "d"})
    assert err.value.message == (
        "role 'inspector' may not dispatch; allowed roles: shift_lead, dispatcher"
    )
    assert err.value.as_dict()["allowed_roles"] == ["shift_lead", "dispatcher"]


def test_missing_fields_lists_each_field():
    """Missing fields are reported together, field → message."""
    with pytest.raises(MissingFields) as err:
        decide(CaseFacts(state=S.reported), A.file, R.operator, {})
    assert err.value.fields == {
        "category": "this field is required",
        "filing_condition": "this field is required",
    }
    assert err.value.as_dict()["fields"] == err.value.fields
    assert "category" in err.value.message and "filing_condition" in err.value.message


@pytest.mark.parametrize("blank", [None, "", "   ", [], (), {}])
def test_blank_values_count_as_missing(blank):
    """None, blank strings and empty collections count as missing."""
    with pytest.raises(MissingFields):
        decide(CaseFacts(state=S.dispatched), A.return_, R.handler, {"reason": blank})
    with pytest.raises(MissingFields):
        decide(CaseFacts(state=S.dispatched), A.resolve, R.handler, {"photos": blank, "note": "x"})


def test_false_and_zero_are_not_missing():
    """False is a value (a failed check), not a missing field."""
    assert not wf.is_missing(False)
    assert not wf.is_missing(0)
    decision = decide(CaseFacts(state=S.resolved), A.check, R.inspector, {"passed": False})
    assert decision.target_state is S.dispatched


def test_guard_failed_gives_the_guards_reason():
    """A failed guard is guard_failed with the guard's unmet message."""
    facts = CaseFacts(state=S.dispatched, pending_extension=True)
    with pytest.raises(GuardFailed) as err:
        decide(facts, A.request_extension, R.handler, {"extension": {"days": 1}, "reason": "r"})
    assert err.value.code == "guard_failed"
    assert err.value.guard == "no_pending_extension"
    assert GUARDS["no_pending_extension"].unmet in err.value.message
    assert err.value.as_dict()["guard"] == "no_pending_extension"


def test_error_order_state_before_role_before_fields_before_validity_before_guards():
    """Checks run: unknown action, state, role, required fields, field validity, guards."""
    # Everything wrong: closed case, wrong role, no fields, unmet guard → state wins.
    closed = CaseFacts(state=S.closed)
    with pytest.raises(NotAllowedInState):
        decide(closed, A.close, R.inspector, {"close_type": "bogus"})
    # Right state, wrong role, bad field, unmet guard → role wins.
    checked_no_pass = CaseFacts(state=S.checked, last_check_passed_after_last_resolve=False)
    with pytest.raises(RoleNotAllowed):
        decide(checked_no_pass, A.close, R.inspector, {"close_type": "bogus"})
    # Right role; missing required beats invalid optional and guard.
    dispatched_pending = CaseFacts(state=S.dispatched, pending_extension=True)
    with pytest.raises(MissingFields):
        decide(dispatched_pending, A.request_extension, R.handler, {"reason": ""})
    # Invalid field beats an unmet guard.
    with pytest.raises(InvalidField):
        decide(checked_no_pass, A.close, R.shift_lead, {"close_type": "bogus"})
    # Only the guard is left.
    with pytest.raises(GuardFailed):
        decide(checked_no_pass, A.close, R.shift_lead, {"close_type": "normal"})


def test_error_codes_are_distinct():
    """Each error class has its own machine code."""
    classes = [
        UnknownAction,
        NotAllowedInState,
        RoleNotAllowed,
        MissingFields,
        InvalidField,
        GuardFailed,
        InvalidFacts,
    ]
    codes = [cls.code for cls in classes]
    assert codes[:6] == [
        "unknown_action",
        "invalid_state",
        "forbidden",
        "missing_fields",
        "invalid_field",
        "guard_failed",
    ]
    assert len(set(codes)) == len(codes)
    assert all(issubclass(cls, WorkflowError) for cls in classes)


# ---------------------------------------------------------------------------------------------
# Field validity, branch, PREVIOUS, guards
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("passed", ["true", "false", 1, 0, "yes", 1.0, ["x"]])
def test_check_requires_a_boolean(passed):
    """check needs a real boolean ``passed``; 1, "true" and friends are invalid."""
    with pytest.raises(InvalidField) as err:
        decide(CaseFacts(state=S.resolved), A.check, R.inspector, {"passed": passed})
    assert err.value.code == "invalid_field"
    assert err.value.field == "passed"
    assert "passed" in err.value.as_dict()["fields"]


def test_check_branches_on_passed():
    """A passing check → checked; a failing one → dispatched again (返工 to the same department)."""
    facts = CaseFacts(state=S.resolved)
    assert decide(facts, A.check, R.inspector, {"passed": True}).target_state is S.checked
    assert decide(facts, A.check, R.inspector, {"passed": False}).target_state is S.dispatched


def test_branch_matches_by_type():
    """A branch does not confuse 1 with True."""
    branch = Branch("passed", {True: S.checked, False: S.dispatched})
    assert branch.lookup(True) is S.checked
    assert branch.lookup(1) is None
    assert branch.lookup(None) is None
    assert hash(branch) == hash(Branch("passed", {True: S.checked, False: S.dispatched}))


@pytest.mark.parametrize("close_type", ["normal", "overdue", "special", None])
def test_close_accepts_known_close_types(close_type):
    """close_type is optional; when given it must be normal, overdue or special."""
    facts = CaseFacts(state=S.checked, last_check_passed_after_last_resolve=True)
    fields = {} if close_type is None else {"close_type": close_type}
    assert decide(facts, A.close, R.operator, fields).target_state is S.closed


@pytest.mark.parametrize("close_type", ["error", "Normal", 1, True, ["normal"]])
def test_close_rejects_unknown_close_types(close_type):
    """An unknown close_type is invalid_field."""
    facts = CaseFacts(state=S.checked, last_check_passed_after_last_resolve=True)
    with pytest.raises(InvalidField) as err:
        decide(facts, A.close, R.operator, {"close_type": close_type})
    assert err.value.fields == {"close_type": "must be one of: normal, overdue, special"}


def test_resolve_photos_must_be_a_list():
    """Resolve needs a list of after-photo references, not a bare string."""
    facts = CaseFacts(state=S.dispatched)
    with pytest.raises(InvalidField):
        decide(facts, A.resolve, R.handler, {"photos": "p.jpg", "note": "ok"})
    with pytest.raises(InvalidField):
        decide(facts, A.resolve, R.handler, {"photos": ["p.jpg", ""], "note": "ok"})
    assert decide(facts, A.resolve, R.handler, {"photos": [17], "note": "ok"}).changes_state


@pytest.mark.parametrize("previous", [S.filed, S.dispatched, S.returned])
def test_resume_returns_to_previous_state(previous):
    """resume goes back to the state the case was in before it was suspended."""
    facts = CaseFacts(state=S.suspended, previous_state=previous)
    decision = decide(facts, A.resume, R.dispatcher)
    assert decision.target_state is previous
    assert decision.changes_state


@pytest.mark.parametrize("previous", [None, S.suspended, S.closed, S.voided])
def test_resume_without_usable_previous_state_is_invalid_facts(previous):
    """A suspended case with no open, non-suspended previous state cannot resume."""
    facts = CaseFacts(state=S.suspended, previous_state=previous)
    with pytest.raises(InvalidFacts) as err:
        decide(facts, A.resume, R.shift_lead)
    assert err.value.code == "invalid_facts"
    assert A.resume not in allowed_actions(facts, R.shift_lead)


def test_no_change_actions_keep_the_state():
    """urge, extension actions and mark_overdue leave the state as it is."""
    d = decide(CaseFacts(state=S.suspended, previous_state=S.filed), A.urge, R.leader)
    assert d.target_state is S.suspended and not d.changes_state
    d = decide(
        CaseFacts(state=S.dispatched, pending_extension=True), A.grant_extension, "dispatcher"
    )
    assert d.target_state is S.dispatched and not d.changes_state
    d = decide(CaseFacts(state=S.checked), A.mark_overdue, R.system)
    assert d.target_state is S.checked


@pytest.mark.parametrize(
    ("action", "state", "role", "fields", "unmet"),
    [
        (A.request_extension, S.dispatched, R.handler, {"extension": "1d", "reason": "r"},
         {"pending_extension": True}),
        (A.grant_extension, S.dispatched, R.dispatcher, {}, {"pending_extension": False}),
        (A.deny_extension, S.dispatched, R.dispatcher, {"reason": "r"},
         {"pending_extension": False}),
        (A.close, S.checked, R.shift_lead, {}, {"last_check_passed_after_last_resolve": False}),
        (A.self_resolve, S.reported, R.shift_lead, {"note": "n"},
         {"reported_by_inspector": False}),
        (A.mark_overdue, S.dispatched, R.system, {}, {"overdue": True}),
        (A.call_back, S.closed, R.operator, {"satisfaction": "satisfied"},
         {"from_hotline": False}),
        (A.call_back, S.closed, R.shift_lead, {"satisfaction": "dissatisfied"},
         {"called_back": True}),
    ],
    ids=lambda v: getattr(v, "value", None),
)  # fmt: skip
def test_each_guard_blocks_when_unmet(action, state, role, fields, unmet):
    """Each guarded action is refused with its guard's reason when the fact is against it."""
    facts = dataclasses.replace(facts_satisfying(action, state), **unmet)
    with pytest.raises(GuardFailed) as err:
        decide(facts, action, role, fields)
    assert err.value.guard in SPEC[action]["guards"]
    assert GUARDS[err.value.guard].unmet in err.value.message


def test_facts_accept_strings_and_reject_unknown_states():
    """CaseFacts coerces stored strings and refuses values that are not states."""
    facts = CaseFacts(state="suspended", previous_state="filed")
    assert facts.state is S.suspended and facts.previous_state is S.filed
    with pytest.raises(ValueError):
        CaseFacts(state="archived")


def test_decide_does_not_mutate_its_inputs():
    """decide is pure: fields and facts are untouched."""
    fields = {"photos": ["a"], "note": "n", "extra": {"x": [1]}}
    before = copy.deepcopy(fields)
    facts = CaseFacts(state=S.dispatched)
    decide(facts, A.resolve, R.handler, fields)
    assert fields == before
    assert facts == CaseFacts(state=S.dispatched)


# ---------------------------------------------------------------------------------------------
# allowed_actions
# ---------------------------------------------------------------------------------------------


def test_allowed_actions_examples():
    """allowed_actions lists what the role could do now, ignoring fields."""
    assert allowed_actions(CaseFacts(state=S.reported), R.operator) == [
        A.verify,
        A.request_verification,
        A.file,
        A.void,
    ]
    assert allowed_actions(
        CaseFacts(state=S.reported, reported_by_inspector=True), R.shift_lead
    ) == [A.verify, A.request_verification, A.file, A.void, A.self_resolve]
    assert allowed_actions(CaseFacts(state=S.dispatched), R.dispatcher) == [
        A.return_,
        A.suspend,
        A.urge,
        A.refer_to_experts,
    ]
    assert allowed_actions(
        CaseFacts(state=S.dispatched, pending_extension=True), R.dispatcher
    ) == [
        A.return_,
        A.grant_extension,
        A.deny_extension,
        A.suspend,
        A.urge,
        A.refer_to_experts,
    ]
    assert allowed_actions(CaseFacts(state=S.dispatched), R.handler) == [
        A.return_,
        A.request_extension,
        A.resolve,
    ]
    assert allowed_actions(CaseFacts(state=S.checked), R.shift_lead) == []
    assert allowed_actions(
        CaseFacts(state=S.checked, last_check_passed_after_last_resolve=True), "shift_lead"
    ) == [A.close]
    assert allowed_actions(CaseFacts(state=S.filed), "nobody") == []


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_allow_only_the_call_back(state):
    """Closed and voided cases accept nothing but the call-back (回访) of a closed case."""
    for role in Role:
        expected = (
            [A.call_back] if state is S.closed and role in SPEC[A.call_back]["roles"] else []
        )
        assert allowed_actions(facts_for(state), role) == expected
        assert allowed_actions(facts_for(state, from_hotline=False), role) == []
        assert allowed_actions(facts_for(state, called_back=True), role) == []


def test_call_back_leaves_the_case_closed_and_checks_satisfaction():
    """A call-back changes no state and takes only the three satisfaction values."""
    facts = facts_for(S.closed)
    decision = decide(facts, A.call_back, R.operator, {"satisfaction": "basically_satisfied"})
    assert decision.target_state is S.closed and not decision.changes_state
    with pytest.raises(InvalidField) as err:
        decide(facts, A.call_back, R.operator, {"satisfaction": "happy"})
    assert err.value.field == "satisfaction"
    with pytest.raises(RoleNotAllowed):
        decide(facts, A.call_back, R.handler, {"satisfaction": "satisfied"})


@pytest.mark.parametrize("state", list(State), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_allowed_actions_agrees_with_decide(state, role):
    """An action is listed exactly when decide accepts it with complete fields."""
    for extra in (HAPPY, {"pending_extension": True}, {k: not v for k, v in HAPPY.items()}):
        facts = facts_for(state, **extra)
        listed = allowed_actions(facts, role, include_unlisted=True)
        for action in Action:
            try:
                decide(facts, action, role, FULL_FIELDS)
            except WorkflowError:
                assert action not in listed
            else:
                assert action in listed


def test_unlisted_actions_are_left_out_of_a_cases_actions():
    """Duplicate decisions need a report in hand, so a case's action list never offers them."""
    facts = facts_for(S.reported)
    offered = allowed_actions(facts, R.operator)
    assert A.merge not in offered and A.confirm_not_duplicate not in offered
    everything = allowed_actions(facts, R.operator, include_unlisted=True)
    assert A.merge in everything and A.confirm_not_duplicate in everything


# ---------------------------------------------------------------------------------------------
# validate_table and rendering
# ---------------------------------------------------------------------------------------------


def test_real_table_is_valid():
    """The shipped table has no definition problems."""
    assert validate_table() == []
    assert validate_table(TRANSITIONS) == []


def _replace(action: Action, **changes: Any) -> list[Transition]:
    return [dataclasses.replace(r, **changes) if r.action is action else r for r in TRANSITIONS]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (_replace(A.close, guards=("checked_twice",)), "unknown guard 'checked_twice'"),
        (_replace(A.close, target="closed"), "is not a State, PREVIOUS or Branch"),
        (_replace(A.close, target=lambda f: S.closed), "is not a State, PREVIOUS or Branch"),
        (_replace(A.check, target=Branch("passed", {True: "checked"})), "is not a State"),
        (_replace(A.check, target=Branch("ok", {True: S.checked})), "'ok' is not required"),
        ([r for r in TRANSITIONS if r.action is not A.urge], "action 'urge' has no row"),
        (
            [r for r in TRANSITIONS if r.action is not A.refer_to_experts],
            "state 'in_ruling' is unreachable",
        ),
        (_replace(A.urge, sources=frozenset({S.closed, S.filed})), "terminal state 'closed'"),
        (_replace(A.mark_overdue, sources=frozenset({S.voided})), "terminal state 'voided'"),
        (_replace(A.resume, sources=frozenset({S.suspended, S.filed})), "PREVIOUS target"),
        (_replace(A.verify, roles=frozenset()), "no role may take it"),
        (_replace(A.verify, roles=frozenset({"inspector"})), "is not a Role"),
        (_replace(A.verify, sources=frozenset({"reported"})), "is not a State"),
        (_replace(A.close, field_checks=(("close_type", "nope"),)), "unknown field check 'nope'"),
        ([*TRANSITIONS, TRANSITIONS[0]], "duplicate row for action 'verify'"),
        (_replace(A.resume, target=None), "open state 'suspended' has no transition out"),
        (_replace(A.verify, label_zh=""), "has no label_zh"),
        (_replace(A.call_back, follow_up=False), "terminal state 'closed'"),
        (_replace(A.urge, follow_up=True), "only taken from terminal states"),
        (_replace(A.call_back, target=S.filed), "must leave the state alone"),
    ],
)
def test_validate_table_catches_planted_errors(table, expected):
    """Each planted definition error is reported."""
    problems = validate_table(table)
    assert any(expected in p for p in problems), problems


def test_validate_table_uses_the_given_guard_registry():
    """Guard names are checked against the registry passed in."""
    problems = validate_table(guards={})
    assert any("unknown guard 'extension_pending'" in p for p in problems)


def test_registries_are_read_only():
    """The guard registry cannot be changed at run time."""
    with pytest.raises(TypeError):
        GUARDS["always"] = wf.Guard(lambda f: True, "")  # type: ignore[index]


def test_mermaid_renders_every_edge():
    """The Mermaid diagram draws each row, branch outcome and the way back from suspension."""
    text = to_mermaid()
    assert text.startswith("stateDiagram-v2\n")
    assert "[*] --> reported" in text
    assert "filed --> dispatched : dispatch 派遣" in text
    assert "resolved --> checked : check 核查 (passed=True)" in text
    assert "resolved --> dispatched : check 核查 (passed=False)" in text
    for back in ("filed", "dispatched", "returned"):
        assert f"suspended --> {back} : resume 挂账恢复 (previous)" in text
    assert "closed --> [*]" in text and "voided --> [*]" in text
    assert "dispatched --> dispatched : urge" in text
    assert "dispatched --> dispatched" not in to_mermaid(self_loops=False)


# ---------------------------------------------------------------------------------------------
# Stateful property test over the pure model
# ---------------------------------------------------------------------------------------------

_missing_values = st.sampled_from([None, "", "  ", [], {}])
_text = st.one_of(_missing_values, st.sampled_from(["x", "原因", "dept-1", "A0101"]))
FIELD_STRATEGIES = {
    "category": _text,
    "filing_condition": _text,
    "reason": _text,
    "department": _text,
    "inspector": _text,
    "report": st.one_of(_missing_values, st.sampled_from([7, "7"])),
    "extension": st.one_of(_missing_values, st.just({"working_hours": 4}), st.just("2d")),
    "note": _text,
    "photos": st.one_of(
        _missing_values, st.just(["p1"]), st.just(["p1", "p2"]), st.just("p1"), st.just([""])
    ),
    "passed": st.one_of(st.booleans(), st.booleans(), _missing_values, st.sampled_from([1, 0])),
    "close_type": st.one_of(
        st.sampled_from(["normal", "overdue", "special"]), st.sampled_from(["bogus", 3])
    ),
    "satisfaction": st.one_of(
        _missing_values, st.sampled_from(["satisfied", "dissatisfied", "bogus", 1])
    ),
}
ANY_FIELDS = st.fixed_dictionaries({}, optional=FIELD_STRATEGIES)
GOOD_FIELD_STRATEGIES = {
    name: st.just(value) for name, value in FULL_FIELDS.items() if name != "passed"
} | {"passed": st.booleans()}


def _missing(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list | dict) and not str(value).strip())
        or (isinstance(value, list | dict) and len(value) == 0)
    )


def _invalid(action: Action, fields: dict[str, Any]) -> bool:
    if action is A.check and not isinstance(fields.get("passed"), bool):
        return True
    if action is A.close and fields.get("close_type", "normal") not in (
        "normal",
        "overdue",
        "special",
    ):
        return True
    if action is A.call_back:
        return fields["satisfaction"] not in ("satisfied", "basically_satisfied", "dissatisfied")
    if action is A.resolve:
        photos = fields["photos"]
        return not isinstance(photos, list) or any(_missing(p) for p in photos)
    return False


class CaseModel:
    """A tiny model of one case, kept by the test."""

    def __init__(self, reported_by_inspector: bool, from_hotline: bool = False) -> None:
        self.state = S.reported
        self.from_hotline = from_hotline
        self.called_back = False
        self.previous_state: State | None = None
        self.pending_extension = False
        self.overdue = False
        self.reported_by_inspector = reported_by_inspector
        self.history: list[tuple[str, bool | None]] = []  # ("resolve", None) / ("check", passed)
        self.trail: list[tuple[State, Action, State]] = []

    def passed_after_last_resolve(self) -> bool:
        resolves = [i for i, (kind, _) in enumerate(self.history) if kind == "resolve"]
        if not resolves:
            return False
        checks = [ok for kind, ok in self.history[resolves[-1] + 1 :] if kind == "check"]
        return bool(checks) and checks[-1] is True

    def facts(self) -> CaseFacts:
        return CaseFacts(
            state=self.state,
            previous_state=self.previous_state,
            pending_extension=self.pending_extension,
            last_check_passed_after_last_resolve=self.passed_after_last_resolve(),
            reported_by_inspector=self.reported_by_inspector,
            overdue=self.overdue,
            from_hotline=self.from_hotline,
            called_back=self.called_back,
        )

    def guard_holds(self, name: str) -> bool:
        return {
            "no_pending_extension": not self.pending_extension,
            "extension_pending": self.pending_extension,
            "check_passed_after_last_resolve": self.passed_after_last_resolve(),
            "reported_by_inspector": self.reported_by_inspector,
            "not_already_overdue": not self.overdue,
            "from_hotline": self.from_hotline,
            "not_called_back": not self.called_back,
        }[name]

    def oracle(self, action: Any, role: Any, fields: dict[str, Any]) -> tuple[str, Any]:
        """Return ("ok", target) or ("error", code), from SPEC alone, in the brief's order."""
        if action not in SPEC:
            return "error", "unknown_action"
        spec = SPEC[action]
        if self.state not in spec["sources"]:
            return "error", "invalid_state"
        if role not in spec["roles"]:
            return "error", "forbidden"
        if any(_missing(fields.get(name)) for name in spec["required"]):
            return "error", "missing_fields"
        if _invalid(action, fields):
            return "error", "invalid_field"
        if not all(self.guard_holds(g) for g in spec["guards"]):
            return "error", "guard_failed"
        target = spec["target"]
        if target is None:
            return "ok", self.state
        if target == "previous":
            return "ok", self.previous_state
        if target == "branch":
            return "ok", S.checked if fields["passed"] else S.dispatched
        return "ok", target

    def apply(self, action: Action, fields: dict[str, Any], target: State) -> None:
        source = self.state
        if action is A.suspend:
            self.previous_state = source
        elif action is A.resume:
            self.previous_state = None
        elif action is A.request_extension:
            self.pending_extension = True
        elif action in (A.grant_extension, A.deny_extension):
            self.pending_extension = False
        elif action is A.resolve:
            self.history.append(("resolve", None))
        elif action is A.check:
            self.history.append(("check", fields["passed"]))
        elif action is A.mark_overdue:
            self.overdue = True
        elif action is A.call_back:
            self.called_back = True
        self.trail.append((source, action, target))
        self.state = target


class CaseLoopMachine(RuleBasedStateMachine):
    """Fire random actions by random roles with random fields at one modelled case."""

    @initialize(reported_by_inspector=st.booleans(), from_hotline=st.booleans())
    def start(self, reported_by_inspector, from_hotline):
        self.model = CaseModel(reported_by_inspector, from_hotline)

    @rule(data=st.data())
    def act(self, data):
        model = self.model
        # Bias towards actions possible from here and roles that may take them, so walks go deep.
        possible = sorted(a for a, spec in SPEC.items() if model.state in spec["sources"])
        action = data.draw(
            st.sampled_from(possible) if possible and data.draw(st.integers(0, 3))
            else st.sampled_from([*Action, "bogus"])
        )  # fmt: skip
        spec_roles = sorted(SPEC[action]["roles"]) if action in SPEC else []
        role = data.draw(
            st.sampled_from(spec_roles) if spec_roles and data.draw(st.integers(0, 3))
            else st.sampled_from(list(Role))
        )  # fmt: skip
        # Fields: anything at all, the required ones with random (maybe blank or bad) values,
        # or the required ones with good values (most often, so that walks reach 结案).
        mode = data.draw(st.sampled_from(["any", "random", "good", "good"]))
        if action not in SPEC or mode == "any":
            fields = data.draw(ANY_FIELDS)
        else:
            pool = FIELD_STRATEGIES if mode == "random" else GOOD_FIELD_STRATEGIES
            fields = data.draw(
                st.fixed_dictionaries(
                    {name: pool[name] for name in SPEC[action]["required"]},
                    optional={"close_type": FIELD_STRATEGIES["close_type"]},
                )
            )

        facts = model.facts()
        fields_before = copy.deepcopy(fields)
        expected = model.oracle(action, role, fields)
        try:
            decision = decide(facts, action, role, fields)
        except WorkflowError as err:
            assert expected == ("error", err.code), (expected, err.code, err.message)
            # A refused action changes nothing.
            assert fields == fields_before
            assert model.facts() == facts
            return
        assert expected == ("ok", decision.target_state), (expected, decision)
        assert fields == fields_before

        row = decision.transition
        assert row in TRANSITIONS
        assert facts.state in row.sources and role in row.roles
        if row.target is None:
            assert decision.target_state is facts.state
        if action is A.resume:
            assert decision.target_state is model.previous_state
        if decision.target_state is S.closed and facts.state is not S.closed:
            via_close = action is A.close and model.passed_after_last_resolve()
            assert via_close or action is A.self_resolve
        model.apply(action, fields, decision.target_state)

    @invariant()
    def terminal_accepts_only_the_call_back(self):
        model = getattr(self, "model", None)
        if model is None or model.state not in TERMINAL_STATES:
            return
        facts = model.facts()
        open_call_back = model.state is S.closed and model.from_hotline and not model.called_back
        for role in Role:
            allowed = open_call_back and role in SPEC[A.call_back]["roles"]
            assert allowed_actions(facts, role) == ([A.call_back] if allowed else [])
        for action in Action:
            if action is A.call_back and model.state is S.closed:
                continue
            with pytest.raises(NotAllowedInState):
                decide(facts, action, sorted(SPEC[action]["roles"])[0], FULL_FIELDS)

    @invariant()
    def trail_follows_the_table(self):
        model = getattr(self, "model", None)
        if model is None:
            return
        for source, action, target in model.trail:
            row = wf.get_transition(action)
            assert source in row.sources
            if row.target is None:
                assert target is source
        closings = [
            step for step in model.trail if step[2] is S.closed and step[0] is not S.closed
        ]
        assert len(closings) <= 1
        if model.state is S.suspended:
            assert model.previous_state in {S.filed, S.dispatched, S.returned}


CaseLoopMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCaseLoop = CaseLoopMachine.TestCase

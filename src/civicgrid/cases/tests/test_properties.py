"""Stateful property test of the one door, ``cases.services.act``.

A hypothesis ``RuleBasedStateMachine`` opens cases with ``submit_report`` and drives random
actions, with plausible (sometimes incomplete or wrong) fields, by random demo users, while a
controllable clock moves forward by random amounts and the overdue sweep runs now and then.
After every step it checks:

* a refused action changes nothing (the case row and its event count are unchanged);
* every accepted step's (from_state, action, to_state) is allowed by ``core.workflow.TRANSITIONS``
  (``resume`` goes back to the state before the suspension, ``check`` follows its branch);
* every closed case was self-resolved or has a passing check after its last resolution;
* ``handling_due`` never moves earlier, and moves later only on ``grant_extension`` or
  ``resume``; after a resume it moved by exactly the paused (working) time when the pause began
  before the due time;
* every case's event chain verifies.

Each example runs inside a savepoint that is rolled back in ``teardown``, on top of the demo city
built once for the package.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from civicgrid.cases.models import Case, CaseEvent, Photo
from civicgrid.cases.services import CaseError, ReportInput, act, submit_report
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.services.events import verify_case_chain
from civicgrid.cases.tasks import sweep_overdue_now
from civicgrid.cases.tests.conftest import EAST, WEST, Clock, local
from civicgrid.categories.models import FilingCondition
from civicgrid.core import workflow
from civicgrid.core.timelimits import TimeLimit
from civicgrid.core.workflow import PREVIOUS, Action, Branch, State, WorkflowError

ACTIONS = [a.value for a in Action] + ["teleport"]
#: Actions whose preconditions are rarely met by chance; drawn more often.
HOT_ACTIONS = [
    "file",
    "dispatch",
    "resolve",
    "check",
    "close",
    "suspend",
    "resume",
    "request_extension",
    "grant_extension",
    "return",
    "refer_to_experts",
    "rule_ownership",
    "self_resolve",
    "verify",
]
USERNAMES = [
    "inspector",
    "inspector2",
    "operator",
    "shift_lead",
    "dispatcher",
    "handler",
    "handler_hw",
    "handler_zf",
    "district_dispatcher",
    "expert",
    "leader",
    "admin",
    "coordinator",
]
DEPARTMENTS = ["SZGY", "SRHW", "ZHZF"]
EXTENSIONS = ["1天", "4小时", {"amount": "2", "unit": "urgent_hours"}, "三天"]
STATE_CHANGING_DUE = {"grant_extension", "resume"}
#: The main way onward from each open state (drawn half the time by the ``move_on`` rules).
MAIN_FLOW = {
    "reported": "file",
    "verified": "file",
    "filed": "dispatch",
    "returned": "dispatch",
    "dispatched": "resolve",
    "resolved": "check",
    "checked": "close",
    "suspended": "resume",
    "in_ruling": "rule_ownership",
}


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _snapshot(case_id: int) -> dict:
    return Case.objects.filter(pk=case_id).values().get()


class CaseLoop(RuleBasedStateMachine):
    """Random walks through the case loop; configured by :func:`test_case_loop_properties`."""

    users: dict = {}
    departments: dict = {}
    conditions: list = []
    clock: Clock
    #: Actions accepted over all examples (to show the walk gets around the loop).
    accepted_actions: set = set()

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock.set(local(2026, 3, 9, 9, 0))  # a Monday
        self.cases: list[int] = []
        self.photo_seq = 0
        self.accepted = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------ rules

    @initialize()
    def first_case(self):
        self._open(self.users["inspector"], "inspector", WEST)

    @precondition(lambda self: len(self.cases) < 3)
    @rule(by_inspector=st.booleans(), east=st.booleans())
    def open_case(self, by_inspector, east):
        user = self.users["inspector2" if east else "inspector"]
        if not by_inspector:
            user = self.users["operator"]
        channel = "inspector" if by_inspector else "hotline"
        lon, lat = EAST if east else WEST
        self._open(user, channel, (lon + 0.001 * len(self.cases), lat))

    @rule(minutes=st.integers(min_value=1, max_value=4 * 24 * 60))
    def advance_clock(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule()
    def sweep(self):
        before = {pk: CaseEvent.objects.filter(case_id=pk).count() for pk in self.cases}
        sweep_overdue_now(at=self.clock())
        for pk in self.cases:
            events = list(CaseEvent.objects.filter(case_id=pk, seq__gt=before[pk]))
            assert all(e.action == "mark_overdue" and e.role == "system" for e in events)
            assert len(events) <= 1

    @rule(data=st.data())
    def take_any_action(self, data):
        """Any action (or an unknown one) by any user: mostly refusals."""
        case_id = data.draw(st.sampled_from(self.cases), label="case")
        action = data.draw(st.sampled_from(ACTIONS), label="action")
        username = data.draw(st.sampled_from(USERNAMES), label="user")
        fields = self._fields(data, action, case_id, self.users[username])
        self._act(case_id, action, username, fields)

    @rule(data=st.data())
    def move_on(self, data):
        """An action the case's state allows, usually by a user holding a fitting role."""
        self._fitting(data)

    @rule(data=st.data())
    def move_on_again(self, data):
        """The same as ``move_on``: weighs the walk towards progress round the loop."""
        self._fitting(data)

    @rule(data=st.data())
    def move_on_once_more(self, data):
        """The same as ``move_on``, weighing the walk further towards progress."""
        self._fitting(data)

    # --------------------------------------------------------------- helpers

    def _open(self, user, channel, where):
        result = submit_report(
            ReportInput(channel=channel, lon=where[0], lat=where[1], description="测试问题"),
            actor=user,
        )
        assert result.created
        self.cases.append(result.case.pk)

    def _fitting(self, data):
        open_ids = list(Case.objects.open().filter(pk__in=self.cases).values_list("pk", flat=True))
        if not open_ids:
            return
        case_id = data.draw(st.sampled_from(sorted(open_ids)), label="case")
        case = Case.objects.get(pk=case_id)
        rows = [
            row
            for row in workflow.TRANSITIONS
            if State(case.state) in row.sources and row.action is not Action.mark_overdue
        ]
        # Mostly keep the case going: void and self_resolve end it.
        onward = [r for r in rows if r.action not in (Action.void, Action.self_resolve)]
        if data.draw(st.booleans(), label="main flow"):
            rows = [workflow.get_transition(MAIN_FLOW[case.state])]
        elif onward and data.draw(st.integers(0, 4), label="onward"):
            rows = onward
        row = data.draw(st.sampled_from(rows), label="row")
        fitting = [
            name
            for name in USERNAMES
            if {r.value for r in row.roles} & self.users[name].roles
            and (
                self.users[name].roles != {"handler"}
                or self.users[name].department_id == case.department_id
            )
        ]
        username = data.draw(
            st.sampled_from(fitting)
            if fitting and data.draw(st.integers(0, 5))
            else st.sampled_from(USERNAMES),
            label="user",
        )
        action = row.action.value
        fields = self._fields(data, action, case_id, self.users[username])
        self._act(case_id, action, username, fields)

    def _photo(self, case_id=None, uploader=None) -> int:
        """Store a photo row (uploaded by ``uploader``: only they may attach it)."""
        self.photo_seq += 1
        digest = hashlib.sha256(str(self.photo_seq).encode()).hexdigest()
        return Photo.objects.create(
            kind="after",
            case_id=case_id,
            image=f"photos/t/{digest}.jpg",
            thumbnail=f"photos/t/{digest}.thumb.jpg",
            content_type="image/jpeg",
            size=1,
            width=1,
            height=1,
            sha256=digest,
            uploaded_by=uploader,
        ).pk

    def _fields(self, data, action, case_id, actor=None) -> dict:
        """Draw plausible fields for ``action``; sometimes leave some out or spoil them."""
        complete = data.draw(st.integers(0, 9), label="completeness") > 0
        fields: dict = {}
        if action in ("void", "return", "suspend", "refer_to_experts", "deny_extension"):
            fields["reason"] = "原因说明"
        if action == "request_extension":
            fields["reason"] = "需要更多时间"
            fields["extension"] = data.draw(st.sampled_from(EXTENSIONS), label="extension")
        if action == "grant_extension" and data.draw(st.booleans(), label="own extension"):
            fields["extension"] = data.draw(st.sampled_from(EXTENSIONS[:3]), label="granted")
        if action == "file":
            condition = data.draw(st.sampled_from(self.conditions), label="condition")
            fields["category"] = condition.category_id
            fields["filing_condition"] = condition.pk
        if action in ("dispatch", "rule_ownership"):
            code = data.draw(st.sampled_from(DEPARTMENTS), label="department")
            fields["department"] = self.departments[code]
        if action in ("resolve", "self_resolve"):
            fields["note"] = "已处置"
        if action == "resolve":
            foreign = data.draw(st.integers(0, 9), label="foreign photo") == 0
            others = [pk for pk in self.cases if pk != case_id]
            owner = others[0] if foreign and others else None
            fields["photos"] = [self._photo(owner, actor)]
        if action == "check":
            fields["passed"] = data.draw(st.booleans(), label="passed")
        if action == "close":
            close_type = data.draw(
                st.sampled_from([None, "normal", "special", "sometime"]), label="close_type"
            )
            if close_type:
                fields["close_type"] = close_type
        if not complete and fields:
            drop = data.draw(st.sampled_from(sorted(fields)), label="drop")
            del fields[drop]
        return fields

    def _act(self, case_id, action, username, fields):
        user = get_user_model().objects.get(pk=self.users[username].pk)
        before = _snapshot(case_id)
        events_before = CaseEvent.objects.filter(case_id=case_id).count()
        try:
            event = act(case_id, action, user, **fields)
        except (CaseError, WorkflowError) as exc:
            import os

            if os.environ.get("DEBUG_LOOP"):
                print("REFUSED", action, username, fields, type(exc).__name__, exc)
            assert not isinstance(exc, workflow.InvalidFacts), exc
            assert _snapshot(case_id) == before, f"refused {action} changed the case"
            assert CaseEvent.objects.filter(case_id=case_id).count() == events_before
            return
        self.accepted += 1
        self.accepted_actions.add(action)
        after = _snapshot(case_id)
        assert event.seq == events_before + 1 == after["version"]
        assert (event.from_state, event.to_state) == (before["state"], after["state"])
        self._check_transition(before, action, after, fields)
        self._check_handling_due(before, action, after, event)

    def _check_transition(self, before, action, after, fields):
        row = workflow.get_transition(action)
        source, target = State(before["state"]), State(after["state"])
        assert source in row.sources, (action, source)
        if row.target is None:
            assert target == source
        elif row.target is PREVIOUS:
            assert target == State(before["previous_state"])
        elif isinstance(row.target, Branch):
            assert target == row.target.lookup(fields[row.target.field])
        else:
            assert target == row.target

    def _check_handling_due(self, before, action, after, event):
        old, new = before["handling_due"], after["handling_due"]
        if old is None:
            if new is not None:
                assert action in ("dispatch", "rule_ownership")
                assert before["handling_started_at"] is None
            return
        assert new is not None and new >= old, (action, old, new)
        if new > old:
            assert action in STATE_CHANGING_DUE, (action, old, new)
        if action == "resume":
            started = _dt(before["pauses"][-1][0])
            at = event.at
            if started < old:
                limit = TimeLimit.from_dict(before["handling_limit"])
                calendar = work_calendar()
                if limit.continuous:
                    expected = old + (at - started)
                else:
                    paused = calendar.working_seconds_between(started, at)
                    expected = calendar.add_working_seconds(old, paused)
                assert new == expected
                if at > started and (limit.continuous or paused > 0):
                    assert new > old
            else:
                assert new == old

    # ------------------------------------------------------------ invariants

    @invariant()
    def chains_verify(self):
        for pk in self.cases:
            ok, reason = verify_case_chain(Case.objects.get(pk=pk))
            assert ok, reason

    @invariant()
    def event_logs_follow_the_table(self):
        for pk in self.cases:
            events = list(CaseEvent.objects.filter(case_id=pk).order_by("seq"))
            assert events[0].action == "report" and events[0].to_state == "reported"
            suspended_from = None
            last_due = None
            for event in events[1:]:
                if event.action == "merge":
                    continue
                row = workflow.get_transition(event.action)
                assert State(event.from_state) in row.sources, event
                if event.action == "suspend":
                    suspended_from = event.from_state
                if event.action == "resume":
                    assert event.to_state == suspended_from
                elif event.action == "check":
                    expected = "checked" if event.data["passed"] else "dispatched"
                    assert event.to_state == expected
                elif row.target is None:
                    assert event.to_state == event.from_state
                else:
                    assert event.to_state == row.target
                due = _dt(event.deadlines.get("handling_due"))
                if last_due is not None:
                    assert due is not None and due >= last_due
                    if due > last_due:
                        assert event.action in STATE_CHANGING_DUE, event
                last_due = due

    @invariant()
    def closed_cases_were_checked(self):
        for case in Case.objects.filter(pk__in=self.cases, state="closed"):
            events = list(case.events.order_by("seq"))
            if events[-1].action == "self_resolve":
                assert case.close_type == "self_resolved"
                assert case.reported_by_inspector
                continue
            assert events[-1].action == "close"
            resolves = [e.seq for e in events if e.action == "resolve"]
            assert resolves, "closed without a resolution"
            checks = [e for e in events if e.action == "check" and e.seq > resolves[-1]]
            assert checks and checks[-1].data["passed"] is True

    @invariant()
    def open_cases_run_on_the_right_deadline(self):
        for case in Case.objects.filter(pk__in=self.cases):
            if case.state in ("closed", "voided", "suspended", "in_ruling"):
                assert case.current_due is None
            if case.state == "dispatched":
                assert case.current_due == case.handling_due is not None
            if case.state == "suspended":
                assert case.pauses and case.pauses[-1][1] is None


@pytest.mark.django_db(transaction=False)
def test_case_loop_properties(demo_city, monkeypatch):
    users = {name: get_user_model().objects.get(pk=demo_city.users[name]) for name in USERNAMES}
    conditions = []
    for unit in ("working_days", "working_hours", "urgent_hours", "urgent_days"):
        found = FilingCondition.objects.filter(active=True, limit_unit=unit).first()
        if found is not None:
            conditions.append(found)
    clock = Clock(local(2026, 3, 9, 9, 0))
    monkeypatch.setattr("civicgrid.cases.services.transitions.now", clock)
    CaseLoop.users = users
    CaseLoop.departments = demo_city.departments
    CaseLoop.conditions = conditions
    CaseLoop.clock = clock
    CaseLoop.accepted_actions = set()
    run_state_machine_as_test(
        CaseLoop,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
    assert {"file", "dispatch", "resolve", "check"} <= CaseLoop.accepted_actions


def test_suspension_after_the_due_time_does_not_move_it(demo_city, db, monkeypatch):
    """A pause opened after the deadline passed leaves ``handling_due`` where it was."""
    clock = Clock(local(2026, 3, 9, 9, 0))
    monkeypatch.setattr("civicgrid.cases.services.transitions.now", clock)
    user = get_user_model().objects.get
    inspector = user(pk=demo_city.users["inspector"])
    operator = user(pk=demo_city.users["operator"])
    dispatcher = user(pk=demo_city.users["dispatcher"])
    case = submit_report(
        ReportInput(channel="inspector", lon=WEST[0], lat=WEST[1], description="x"),
        actor=inspector,
    ).case
    condition = FilingCondition.objects.filter(limit_unit="working_hours").first()
    act(case, "file", operator, category=condition.category_id, filing_condition=condition.pk)
    act(case, "dispatch", dispatcher, department=demo_city.department("SZGY"))
    due = Case.objects.get(pk=case.pk).handling_due
    clock.set(due + timedelta(hours=1))
    act(case, "suspend", dispatcher, reason="x")
    clock.advance(days=3)
    act(case, "resume", dispatcher)
    assert Case.objects.get(pk=case.pk).handling_due == due

"""The action-effect registry and duplicate decisions taken through ``act``."""

from __future__ import annotations

import pytest

from civicgrid.cases.checks import check_action_effects
from civicgrid.cases.models import Case, CaseEvent, Report
from civicgrid.cases.services import transitions
from civicgrid.cases.services.effects import EFFECTS
from civicgrid.cases.tests.conftest import Api
from civicgrid.core import workflow
from civicgrid.core.workflow import Action
from civicgrid.testing.factories import (
    DEFAULT_PASSWORD,
    FilingConditionFactory,
    UserFactory,
    build_city,
)


def test_every_workflow_action_has_an_effect():
    """The start-up check passes with the shipped registry."""
    assert check_action_effects(None) == []


def test_an_action_without_an_effect_fails_the_startup_check(monkeypatch):
    """Removing an action's effect makes system check cases.E002 name the action."""
    monkeypatch.delitem(EFFECTS, Action.urge)
    errors = check_action_effects(None)
    assert [error.id for error in errors] == ["cases.E002"]
    assert "'urge'" in errors[0].msg


def test_open_states_have_one_definition():
    """The database's open states are core.workflow's, not a list of their own."""
    from civicgrid.cases.models.cases import OPEN_STATES

    assert set(OPEN_STATES) == {state.value for state in workflow.OPEN_STATES}


@pytest.fixture
def town(db):
    city = build_city()
    condition = FilingConditionFactory()
    operator = UserFactory(username="op", roles=["operator"])
    return city, condition, operator


def _report(city, condition) -> dict:
    response = Api("op", DEFAULT_PASSWORD).report(
        *city.center(0), channel="hotline", description="井盖缺失", category=condition.category_id
    )
    assert response.status_code == 201, response.content
    return response.json()


def _recording_locks(monkeypatch) -> list[int]:
    locked: list[int] = []
    real = transitions._lock

    def record(case_id):
        locked.append(case_id)
        return real(case_id)

    monkeypatch.setattr(transitions, "_lock", record)
    return locked


@pytest.mark.parametrize("into", ["older", "newer"])
def test_merge_locks_both_cases_in_id_order_and_writes_both_events(town, monkeypatch, into):
    """A merge locks the target and the report's case lowest id first, whichever way it goes."""
    city, condition, _ = town
    first, second = _report(city, condition), _report(city, condition)
    if into == "older":
        report_id, own, target = second["report"]["id"], second["case_id"], first["case_id"]
    else:
        report_id, own, target = first["report"]["id"], first["case_id"], second["case_id"]
    locked = _recording_locks(monkeypatch)
    response = Api("op", DEFAULT_PASSWORD).post(f"/reports/{report_id}/merge", {"case": target})
    assert response.status_code == 200, response.content
    # The merge locks both (ascending); the own case's void, inside it, locks its case again.
    assert locked[:2] == sorted([own, target])
    merge = CaseEvent.objects.get(case_id=target, action="merge")
    assert merge.data == {"report": report_id, "from_case": own}
    assert merge.role == "operator" and merge.from_state == merge.to_state == "reported"
    assert Case.objects.get(pk=own).state == "voided"
    assert CaseEvent.objects.filter(case_id=own, action="void").count() == 1
    assert Report.objects.get(pk=report_id).case_id == target


def test_merge_into_a_voided_case_is_refused_by_act(town):
    """``act`` judges the target's state on the locked row: a voided target refuses a merge."""
    city, condition, operator = town
    first, second = _report(city, condition), _report(city, condition)
    transitions.act(first["case_id"], "void", operator, reason="重复")
    with pytest.raises(workflow.NotAllowedInState):
        transitions.act(first["case_id"], "merge", operator, report=second["report"]["id"])
    assert Report.objects.get(pk=second["report"]["id"]).case_id == second["case_id"]


def test_not_duplicate_is_an_event_of_the_reports_case(town):
    """Keeping a proposed duplicate separate goes through ``act`` and leaves an event."""
    city, condition, _ = town
    first, second = _report(city, condition), _report(city, condition)
    assert second["proposed_duplicate_of"] == first["case_id"]
    response = Api("op", DEFAULT_PASSWORD).post(f"/reports/{second['report']['id']}/not-duplicate")
    assert response.status_code == 200, response.content
    event = CaseEvent.objects.filter(case_id=second["case_id"]).order_by("seq").last()
    assert event.action == "confirm_not_duplicate"
    assert event.data == {"report": second["report"]["id"], "duplicate_of": first["case_id"]}
    assert Case.objects.get(pk=second["case_id"]).version == 2


def test_duplicate_decisions_are_not_offered_on_the_case_page(town):
    """A case's action list leaves out merge and confirm_not_duplicate (they need a report)."""
    city, condition, operator = town
    case = Case.objects.get(pk=_report(city, condition)["case_id"])
    allowed = transitions.allowed_actions_for(case, operator)
    assert "void" in allowed
    assert "merge" not in allowed and "confirm_not_duplicate" not in allowed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crossing_merges_queue_instead_of_deadlocking():
    """Merging A's report into B while B's goes into A: one wins, the other gets a 409.

    Both lock the lower id first, so the second waits for the first rather than holding the
    lock the first needs (the old order, own case then target, deadlocked here).
    """
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and one connection per thread")
    city = build_city()
    condition = FilingConditionFactory()
    UserFactory(username="op", roles=["operator"])
    UserFactory(username="op2", roles=["operator"])
    for _ in range(3):
        a, b = _report(city, condition), _report(city, condition)
        jobs = [(a["report"]["id"], b["case_id"], "op"), (b["report"]["id"], a["case_id"], "op2")]
        clients = [Api(user, DEFAULT_PASSWORD) for _, _, user in jobs]
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def merge(index, jobs=jobs, clients=clients, barrier=barrier, results=results):
            from django.db import connection as thread_connection

            report_id, target, _ = jobs[index]
            try:
                barrier.wait(timeout=10)
                response = clients[index].post(f"/reports/{report_id}/merge", {"case": target})
                results[index] = (response.status_code, response.json())
            except Exception as exc:  # reported below, never swallowed
                results[index] = ("exception", repr(exc))
            finally:
                thread_connection.close()

        threads = [threading.Thread(target=merge, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
        assert sorted(result[0] for result in results) == [200, 409], results
        states = sorted(
            Case.objects.filter(pk__in=[a["case_id"], b["case_id"]]).values_list(
                "state", flat=True
            )
        )
        assert states == ["reported", "voided"]

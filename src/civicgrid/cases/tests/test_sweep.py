"""The overdue sweep: one at a time across servers, never silently stopped, lock-tolerant."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from civicgrid.cases import tasks
from civicgrid.cases.models import Case, TaskRun
from civicgrid.web.tests import conftest_screen
from civicgrid.web.tests.conftest_screen import NOW

pytestmark = pytest.mark.django_db
screen_clock = conftest_screen.screen_clock
screen_city = conftest_screen.screen_city


def overdue_marked(city) -> set[str]:
    return {
        name
        for name, case in city.cases.items()
        if Case.objects.get(pk=case.pk).overdue_marked_due is not None
    }


def test_a_lease_held_elsewhere_skips_the_run(screen_city):
    """While another server holds the lease the sweep does nothing; after it expires it runs."""
    assert tasks.acquire_lease(tasks.SWEEP, "other-server:1", now=timezone.now())
    assert tasks.run_sweep(at=NOW) is None
    assert overdue_marked(screen_city) == set()
    # The other server crashed: its lease ends and the next run takes over.
    TaskRun.objects.filter(name=tasks.SWEEP).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert tasks.run_sweep(at=NOW) == 2
    assert overdue_marked(screen_city) == {"c2", "c4"}
    run = TaskRun.objects.get(name=tasks.SWEEP)
    assert run.lease_until is None and run.succeeded_at is not None and run.error == ""


def test_two_servers_cannot_both_take_the_lease():
    """The lease is one conditional UPDATE: the second taker loses until it is released."""
    assert tasks.acquire_lease(tasks.SWEEP, "a") is True
    assert tasks.acquire_lease(tasks.SWEEP, "b") is False
    tasks.release_lease(tasks.SWEEP, "a")
    assert tasks.acquire_lease(tasks.SWEEP, "b") is True


def test_a_failing_sweep_is_logged_and_the_next_one_still_scheduled(monkeypatch, caplog):
    """An exception is logged and recorded, the lease released, and the next run enqueued."""
    scheduled = []

    def boom(at=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks, "sweep_overdue_now", boom)
    monkeypatch.setattr(tasks, "schedule_next_sweep", lambda: scheduled.append(1) or True)
    with (
        caplog.at_level(logging.ERROR, logger="civicgrid.cases.tasks"),
        pytest.raises(RuntimeError),
    ):
        tasks.sweep_overdue.call(reschedule=True)
    assert scheduled == [1]
    assert "overdue sweep failed" in caplog.text
    run = TaskRun.objects.get(name=tasks.SWEEP)
    assert "boom" in run.error and run.lease_until is None


def test_a_locked_database_is_retried(screen_city, monkeypatch):
    """``database is locked`` on a case is retried; the case is still marked in this run."""
    from civicgrid.cases import services

    real_act, failures = services.act, []

    def flaky_act(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("database is locked")
        return real_act(*args, **kwargs)

    monkeypatch.setattr(services, "act", flaky_act)
    monkeypatch.setattr(tasks, "LOCKED_PAUSE_SECONDS", 0.001)
    assert tasks.sweep_overdue_now(at=NOW) == 2
    assert failures == [1, 1]
    assert overdue_marked(screen_city) == {"c2", "c4"}


def test_a_sweep_left_running_by_a_dead_worker_does_not_block_scheduling():
    """ensure_sweep_scheduled ignores a RUNNING sweep older than RUNNING_STALE."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        task_path="civicgrid.cases.tasks.sweep_overdue",
        status="RUNNING",
        started_at=timezone.now() - tasks.RUNNING_STALE - timedelta(minutes=1),
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        queue_name="default",
        backend_name="default",
    )
    assert tasks._waiting_sweeps().exists() is False


def test_health_reports_each_state(monkeypatch):
    """never_run, then ok after a run and a heartbeat, then stale, running and failing."""
    now = timezone.now()
    assert tasks.health(now)["sweep"]["status"] == "never_run"
    assert tasks.health(now)["worker"]["status"] == "never_run"
    tasks.run_sweep()
    tasks.beat(started=True)
    health = tasks.health(timezone.now())
    assert health["sweep"]["status"] == "ok" and health["worker"]["status"] == "ok"
    later = timezone.now() + tasks.STALE_AFTER + timedelta(seconds=1)
    assert tasks.health(later)["sweep"]["status"] == "stale"
    assert tasks.health(later)["worker"]["status"] == "stale"
    tasks.acquire_lease(tasks.SWEEP, "x")
    assert tasks.health(timezone.now())["sweep"]["status"] == "running"
    tasks.release_lease(tasks.SWEEP, "x", "OperationalError('database is locked')")
    assert tasks.health(timezone.now())["sweep"]["status"] == "failing"
    tasks.beat(started=True, restarted=True)
    assert tasks.health(timezone.now())["worker"]["restarts"] == 1

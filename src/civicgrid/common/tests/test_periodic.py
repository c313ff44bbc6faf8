"""One chain per periodic task: a waiting or running run counts, a stale one does not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.common.periodic import ensure_scheduled

pytestmark = pytest.mark.django_db

STALE = timedelta(hours=1)


class FakeTask:
    def __init__(self):
        self.calls = []

    def enqueue(self, **kwargs):
        self.calls.append(kwargs)


def _run(status, started_ago=None):
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        task_path="civicgrid.org.tasks.purge_tokens",
        status=status,
        started_at=timezone.now() - started_ago if started_ago else None,
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        queue_name="default",
        backend_name="default",
    )


def test_nothing_waiting_enqueues_once():
    task = FakeTask()
    assert ensure_scheduled(task, "org.tasks.purge_tokens", STALE, reschedule=True) is True
    assert task.calls == [{"reschedule": True}]


@pytest.mark.parametrize(("status", "ago"), [("READY", None), ("RUNNING", timedelta(minutes=5))])
def test_a_waiting_or_running_run_keeps_the_chain_single(status, ago):
    _run(status, ago)
    task = FakeTask()
    assert ensure_scheduled(task, "org.tasks.purge_tokens", STALE) is False
    assert task.calls == []


def test_a_run_left_running_by_a_killed_worker_is_revived():
    """A purge or checkpoint that died mid-run must not stop its chain for good."""
    _run("RUNNING", STALE + timedelta(minutes=1))
    task = FakeTask()
    assert ensure_scheduled(task, "org.tasks.purge_tokens", STALE) is True
    assert task.calls == [{}]

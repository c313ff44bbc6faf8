"""Keep exactly one chain of a self-rescheduling task alive.

The overdue sweep, the hourly audit checkpoint and the daily token purge each
enqueue their next run when they finish. The worker supervisor revives a
chain on every (re)start; a run left ``RUNNING`` by a killed worker for longer
than ``running_stale`` no longer counts, so a crash cannot stop a chain for good.
Works with the django-tasks database backend; with another backend the
caller's own scheduler (cron, a timer) runs the command instead.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone


def waiting_runs(task_name: str, running_stale: timedelta):
    """Return the queued or recently started runs of the task whose path ends with ``task_name``.

    Raise ImportError when the database backend of django-tasks is not installed.
    """
    from django_tasks_db.models import DBTaskResult

    stale = timezone.now() - running_stale
    return DBTaskResult.objects.filter(task_path__endswith=task_name).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=stale)
    )


def ensure_scheduled(task, task_name: str, running_stale: timedelta, **kwargs) -> bool:
    """Enqueue ``task(**kwargs)`` unless a run is waiting or running; return whether queued."""
    try:
        waiting = waiting_runs(task_name, running_stale).exists()
    except ImportError:  # another backend: its own scheduler runs the task
        return False
    if not waiting:
        task.enqueue(**kwargs)
    return not waiting

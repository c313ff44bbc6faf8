"""Background tasks of the cases app (django-tasks; database backend by default)."""

import logging
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(minutes=1)


def sweep_overdue_now(at=None) -> int:
    """Mark every open case whose running deadline has passed; return how many."""
    from civicgrid.cases.models import Case
    from civicgrid.cases.services import CaseError, act
    from civicgrid.core.workflow import WorkflowError

    at = at or timezone.now()
    due = (
        Case.objects.open()
        .filter(current_due__lt=at)
        .exclude(overdue_marked_due=F("current_due"))
        .values_list("pk", flat=True)
    )
    marked = 0
    for case_id in list(due):
        try:
            act(case_id, "mark_overdue", None)
            marked += 1
        except (CaseError, WorkflowError) as exc:  # changed meanwhile: next sweep decides
            log.info("overdue sweep skipped case %s: %s", case_id, exc)
    return marked


@task()
def sweep_overdue(reschedule: bool = True) -> int:
    """Mark overdue cases, then enqueue the next sweep (a periodic task)."""
    marked = sweep_overdue_now()
    if reschedule:
        sweep_overdue.using(run_after=timezone.now() + SWEEP_EVERY).enqueue(reschedule=True)
    return marked


def ensure_sweep_scheduled() -> bool:
    """Enqueue the periodic sweep unless one is already waiting; return whether queued."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: its own scheduler runs the sweep
        return False
    waiting = DBTaskResult.objects.filter(
        task_path__endswith="sweep_overdue", status__in=["READY", "RUNNING"]
    ).exists()
    if not waiting:
        sweep_overdue.enqueue(reschedule=True)
    return not waiting

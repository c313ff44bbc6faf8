"""Background tasks of the cases app (django-tasks; database backend by default).

The overdue sweep is periodic: each run enqueues the next one. It must
neither stop silently nor run twice at once, so :func:`run_sweep`

* takes a lease in its ``TaskRun`` row (one ``UPDATE … WHERE`` that only one
  server can win, on SQLite and PostgreSQL alike) and skips the run when
  another server holds it;
* retries a case that hits ``database is locked`` (SQLite under a busy
  writer such as ``civicgrid demo``) a few times before leaving it to the
  next run;
* records when it started, finished and last succeeded, which ``/healthz``
  reports; and the task enqueues its successor in a ``finally``, so an
  exception is logged and the next run still comes.
"""

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from django.db import OperationalError
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)
SWEEP = "sweep_overdue"
SWEEP_EVERY = timedelta(minutes=1)
#: A sweep holds its lease at most this long (a crashed server's lease then expires).
SWEEP_LEASE = timedelta(minutes=10)
#: Attempts per case when the database is locked, and the first pause between them.
LOCKED_ATTEMPTS = 4
LOCKED_PAUSE_SECONDS = 0.2
#: A running sweep older than this is taken for dead when deciding to schedule one.
RUNNING_STALE = timedelta(minutes=15)


def retry_locked(func, *args, attempts: int | None = None, pause: float | None = None):
    """Call ``func``, retrying an ``OperationalError`` with a growing pause."""
    attempts = LOCKED_ATTEMPTS if attempts is None else attempts
    pause = LOCKED_PAUSE_SECONDS if pause is None else pause
    for attempt in range(1, attempts + 1):
        try:
            return func(*args)
        except OperationalError as exc:
            if attempt == attempts:
                raise
            log.warning("database busy (%s), attempt %s of %s", exc, attempt, attempts)
            time.sleep(pause * 2 ** (attempt - 1))


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
    for case_id in retry_locked(list, due):
        try:
            retry_locked(act, case_id, "mark_overdue", None)
            marked += 1
        except (CaseError, WorkflowError) as exc:  # changed meanwhile: next sweep decides
            log.info("overdue sweep skipped case %s: %s", case_id, exc)
        except OperationalError as exc:  # still locked after the retries: next sweep
            log.warning("overdue sweep left case %s for the next run: %s", case_id, exc)
    return marked


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(name: str, owner: str, now=None, length: timedelta = SWEEP_LEASE) -> bool:
    """Take the lease of task ``name`` for ``owner``; return False when another holds it."""
    from civicgrid.cases.models import TaskRun

    now = now or timezone.now()
    TaskRun.objects.get_or_create(name=name)
    taken = TaskRun.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now), name=name
    ).update(lease_owner=owner, lease_until=now + length, started_at=now)
    return taken == 1


def release_lease(name: str, owner: str, error: str = "") -> None:
    """Give the lease back and record how the run ended."""
    from civicgrid.cases.models import TaskRun

    now = timezone.now()
    fields = {"lease_owner": "", "lease_until": None, "finished_at": now, "error": error}
    if not error:
        fields["succeeded_at"] = now
    TaskRun.objects.filter(name=name, lease_owner=owner).update(**fields)


def run_sweep(at=None) -> int | None:
    """Run the sweep under its lease; return the cases marked, or None when skipped."""
    owner = _owner()
    if not retry_locked(acquire_lease, SWEEP, owner):
        log.info("overdue sweep skipped: another server is running it")
        return None
    try:
        marked = sweep_overdue_now(at)
    except Exception as exc:
        log.exception("overdue sweep failed")
        retry_locked(release_lease, SWEEP, owner, repr(exc)[:2000])
        raise
    retry_locked(release_lease, SWEEP, owner)
    return marked


@task()
def sweep_overdue(reschedule: bool = True) -> int | None:
    """Mark overdue cases, then enqueue the next sweep (a periodic task), whatever happens."""
    try:
        return run_sweep()
    finally:
        if reschedule:
            try:
                retry_locked(schedule_next_sweep)
            except Exception:  # the worker's supervisor re-schedules on its next start
                log.exception("could not schedule the next overdue sweep")


def _waiting_sweeps():
    from civicgrid.common.periodic import waiting_runs

    return waiting_runs(SWEEP, RUNNING_STALE)


def schedule_next_sweep() -> bool:
    """Enqueue the sweep due in ``SWEEP_EVERY`` unless another is waiting; return whether queued.

    Two servers that both started a sweep chain converge on one: a run that
    finds another sweep already waiting does not add its own.
    """
    try:
        waiting = _waiting_sweeps().filter(status="READY").exists()
    except ImportError:  # another backend: its own scheduler runs the sweep
        waiting = False
    if not waiting:
        sweep_overdue.using(run_after=timezone.now() + SWEEP_EVERY).enqueue(reschedule=True)
    return not waiting


def ensure_sweep_scheduled() -> bool:
    """Enqueue the periodic sweep unless one is waiting or running; return whether queued.

    A sweep left ``RUNNING`` by a killed worker for longer than
    ``RUNNING_STALE`` does not count, so a restart revives the chain.
    """
    from civicgrid.common.periodic import ensure_scheduled

    return ensure_scheduled(sweep_overdue, SWEEP, running_stale=RUNNING_STALE, reschedule=True)


#: A sweep or worker heartbeat older than this makes ``/healthz`` report "degraded".
STALE_AFTER = timedelta(minutes=3)
WORKER = "worker"


def beat(name: str = WORKER, *, started: bool = False, restarted: bool = False) -> None:
    """Record a sign of life of ``name``, and a (re)start (the worker supervisor calls it)."""
    from civicgrid.cases.models import TaskRun

    now = timezone.now()
    TaskRun.objects.get_or_create(name=name)
    fields = {"heartbeat_at": now}
    if started:
        fields["started_at"] = now
    if restarted:
        fields["restarts"] = F("restarts") + 1
    TaskRun.objects.filter(name=name).update(**fields)


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def health(now=None) -> dict:
    """Return the worker's heartbeat and the sweep's last run, each with a status.

    Statuses: ``ok``; ``running`` (a sweep holds its lease); ``never_run``;
    ``stale`` (nothing for ``STALE_AFTER``); ``failing`` (the last sweep
    raised). ``/healthz`` reports "degraded" for anything but ok/running.
    """
    from civicgrid.cases.models import TaskRun

    now = now or timezone.now()
    rows = {row.name: row for row in TaskRun.objects.filter(name__in=[SWEEP, WORKER])}
    sweep, worker = rows.get(SWEEP), rows.get(WORKER)
    if sweep is None or sweep.started_at is None:
        sweep_state = "never_run"
    elif sweep.lease_until and sweep.lease_until > now:
        sweep_state = "running"
    elif sweep.started_at < now - STALE_AFTER:
        sweep_state = "stale"
    else:
        sweep_state = "failing" if sweep.error else "ok"
    if worker is None or worker.heartbeat_at is None:
        worker_state = "never_run"
    else:
        worker_state = "ok" if worker.heartbeat_at >= now - STALE_AFTER else "stale"
    return {
        "worker": {
            "status": worker_state,
            "last_heartbeat": _iso(worker and worker.heartbeat_at),
            "restarts": worker.restarts if worker else 0,
        },
        "sweep": {
            "status": sweep_state,
            "last_started": _iso(sweep and sweep.started_at),
            "last_succeeded": _iso(sweep and sweep.succeeded_at),
            "last_error": (sweep.error or None) if sweep else None,
        },
    }

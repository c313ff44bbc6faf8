"""The hourly audit checkpoint as a periodic django-tasks task (like ``sweep_overdue``).

``civicgrid audit checkpoint --schedule`` enqueues it once; the worker that ``civicgrid serve``
starts runs it, and each run enqueues the next. Kept apart from ``cases.tasks`` so the overdue
sweep's supervision can change without touching the audit.
"""

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = timedelta(hours=1)


def checkpoint_now():
    """Write a checkpoint and export it where configured; return it (None when refused)."""
    from civicgrid.cases.services.auditing import (
        CheckpointRefused,
        export_checkpoint,
        export_checkpoint_s3,
        write_checkpoint,
    )

    try:
        checkpoint = write_checkpoint()
    except CheckpointRefused as exc:
        # Loud, every hour, until someone looks: the log no longer matches the last seal.
        log.error("audit checkpoint refused: %s", exc)
        return None
    conf = settings.CIVICGRID
    if conf.get("AUDIT_EXPORT_DIR"):
        export_checkpoint(checkpoint, Path(conf["AUDIT_EXPORT_DIR"]))
    if conf.get("AUDIT_S3_BUCKET"):
        export_checkpoint_s3(checkpoint)
    return checkpoint


@task()
def audit_checkpoint(reschedule: bool = True) -> int | None:
    """Write the checkpoint, then enqueue the next one an hour later."""
    checkpoint = checkpoint_now()
    if reschedule:
        audit_checkpoint.using(run_after=timezone.now() + CHECKPOINT_EVERY).enqueue(
            reschedule=True
        )
    return checkpoint.seq if checkpoint else None


def ensure_checkpoint_scheduled() -> bool:
    """Enqueue the periodic checkpoint unless one is waiting or running; return whether queued."""
    from civicgrid.common.periodic import ensure_scheduled

    return ensure_scheduled(
        audit_checkpoint, "audit_checkpoint", running_stale=CHECKPOINT_EVERY, reschedule=True
    )

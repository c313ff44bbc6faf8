"""Background tasks of the org app: the daily purge of expired tokens."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)
PURGE_EVERY = timedelta(days=1)
#: Expired tokens stay this long (their last use remains visible in the admin).
PURGE_GRACE = timedelta(days=7)
#: A purge still "running" after this was left behind by a killed worker.
PURGE_STALE = timedelta(hours=1)


@task()
def purge_tokens(reschedule: bool = True) -> int:
    """Delete tokens expired for over a week, then enqueue the next purge."""
    from civicgrid.org.services import purge_expired_tokens

    deleted = purge_expired_tokens(PURGE_GRACE)
    log.info("token purge deleted %d expired token(s)", deleted)
    if reschedule:
        purge_tokens.using(run_after=timezone.now() + PURGE_EVERY).enqueue(reschedule=True)
    return deleted


def ensure_purge_scheduled() -> bool:
    """Enqueue the periodic purge unless one is waiting or running; return whether queued."""
    from civicgrid.common.periodic import ensure_scheduled

    return ensure_scheduled(
        purge_tokens, "org.tasks.purge_tokens", running_stale=PURGE_STALE, reschedule=True
    )

"""Keep every process's working calendar in step with edits of the holiday table."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.cases.models import CalendarDay, CalendarYear


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def refresh_calendar(sender, **kwargs):
    """Drop this process's calendar and bump the shared version, now and after the commit.

    After the commit too: another process that rebuilt in between would
    otherwise have read the old rows under the new version.
    """
    from civicgrid.cases.services.calendar import invalidate_calendar

    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)

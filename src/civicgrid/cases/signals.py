"""Keep every process's working calendar in step with edits of the holiday table."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.cases.models import CalendarDay, CalendarYear
from civicgrid.common.cache import invalidate_now_and_on_commit


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=CalendarYear)
def refresh_calendar(sender, **kwargs):
    """Drop this process's calendar and bump the shared version, now and after the commit."""
    from civicgrid.cases.services.calendar import invalidate_calendar

    invalidate_now_and_on_commit(invalidate_calendar)

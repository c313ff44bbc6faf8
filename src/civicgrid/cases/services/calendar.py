"""The working calendar of the deadlines, read from the holiday table.

Built once per process and rebuilt when the table changes (a cheap
fingerprint is compared at most every few seconds), so every worker counts
deadlines on the same days. Editing a day (its date or whether it is
worked) changes neither the count nor the last date, so the signals in
:mod:`civicgrid.cases.signals` bump a shared version, and the fingerprint
also hashes the (date, kind) pairs of the table, a few hundred rows, which
catches such an edit even without a shared cache.
"""

from datetime import datetime
from datetime import time as dtime

from django.conf import settings
from django.db.models import Count, Max

from civicgrid.cases.models import CalendarDay, CalendarYear
from civicgrid.common.cache import FingerprintCache, bump_version
from civicgrid.core.workcalendar import WorkCalendar, holidays_from_chinese_calendar


def parse_work_periods(text: str) -> tuple[tuple[dtime, dtime], ...]:
    """Parse ``"08:30-12:00,13:30-17:30"`` into period pairs."""
    periods = []
    for part in text.split(","):
        start, _, end = part.strip().partition("-")
        periods.append(
            (
                datetime.strptime(start.strip(), "%H:%M").time(),
                datetime.strptime(end.strip(), "%H:%M").time(),
            )
        )
    return tuple(periods)


def seed_calendar_from_package() -> list[int]:
    """Add the years chinese-calendar knows and the table lacks; return them.

    Years already in the table are left alone: an administrator may have
    corrected them.
    """
    holidays, workdays, years = holidays_from_chinese_calendar()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    new_years = sorted(set(years) - known)
    if not new_years:
        return []
    days = [CalendarDay(date=d, is_workday=False, name="法定节假日") for d in holidays]
    days += [CalendarDay(date=d, is_workday=True, name="调休上班") for d in workdays]
    wanted = [d for d in days if d.date.year in new_years]
    existing = set(
        CalendarDay.objects.filter(date__year__in=new_years).values_list("date", flat=True)
    )
    CalendarDay.objects.bulk_create([d for d in wanted if d.date not in existing])
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="chinese-calendar") for y in new_years]
    )
    invalidate_calendar()
    return new_years


VERSION_KEY = "calendar"


def _fingerprint():
    # A few hundred rows: their (date, kind) pairs, hashed, see any edit, added or
    # deleted day in one query (the count and the last date follow from them).
    days = tuple(CalendarDay.objects.order_by("date").values_list("date", "is_workday"))
    years = CalendarYear.objects.aggregate(n=Count("id"), last=Max("year"))
    return (len(days), hash(days), years["n"], years["last"], settings.TIME_ZONE)


def _build_calendar() -> WorkCalendar:
    days = list(CalendarDay.objects.values_list("date", "is_workday"))
    return WorkCalendar(
        periods=parse_work_periods(settings.CIVICGRID["WORK_PERIODS"]),
        tz=settings.TIME_ZONE,
        holidays=frozenset(d for d, on in days if not on),
        makeup_workdays=frozenset(d for d, on in days if on),
        covered_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


CALENDAR = FingerprintCache(_build_calendar, _fingerprint, version_key=VERSION_KEY)


def invalidate_calendar() -> None:
    """Drop this process's calendar and tell the other processes to rebuild theirs."""
    bump_version(VERSION_KEY)
    CALENDAR.invalidate()


def work_calendar() -> WorkCalendar:
    """Return the current working calendar."""
    return CALENDAR.get()


def calendar_warnings(now: datetime, years_ahead: int = 1) -> list[str]:
    """Return warnings for administrators about years without holiday data."""
    calendar = work_calendar()
    missing = calendar.missing_years(now.year, now.year + years_ahead)
    return [
        f"No holiday data for {year}: deadlines in {year} count weekends only. "
        "Add the official arrangement under Holidays and make-up days."
        for year in missing
    ]

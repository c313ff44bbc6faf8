"""Edits of the holiday table reach every process's working calendar without a restart."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases.models import CalendarDay, CalendarYear
from civicgrid.cases.services import calendar
from civicgrid.common.cache import bump_version

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
#: Tuesday 2040-03-06, half an hour before the end of the working day.
START = datetime(2040, 3, 6, 17, 0, tzinfo=TZ)
WEDNESDAY, THURSDAY = date(2040, 3, 7), date(2040, 3, 8)


def one_working_hour_later() -> datetime:
    return calendar.work_calendar().add_working_time(START, timedelta(hours=1))


@pytest.fixture
def holiday(monkeypatch):
    """A holiday on Wednesday 2040-03-07, with a later one so it is not the last date."""
    CalendarYear.objects.create(year=2040, source="test")
    CalendarDay.objects.create(date=date(2040, 10, 1), is_workday=False, name="国庆节")
    day = CalendarDay.objects.create(date=WEDNESDAY, is_workday=False, name="测试假日")
    # 30 min on Tuesday, then Wednesday is off: Thursday 09:00.
    assert one_working_hour_later() == datetime(2040, 3, 8, 9, 0, tzinfo=TZ)
    return day


def test_changing_a_holidays_kind_applies_at_once(holiday):
    """Turning the holiday into a working day changes the next deadline computed."""
    holiday.is_workday = True
    holiday.save()
    assert one_working_hour_later() == datetime(2040, 3, 7, 9, 0, tzinfo=TZ)


def test_moving_a_holiday_applies_at_once(holiday):
    """Moving the holiday to Thursday frees Wednesday and blocks Thursday."""
    holiday.date = THURSDAY
    holiday.save()
    assert one_working_hour_later() == datetime(2040, 3, 7, 9, 0, tzinfo=TZ)


def test_another_processes_edit_applies_after_the_recheck(holiday):
    """An edit made elsewhere (rows and the shared version only) shows at the next recheck.

    The row is changed without signals and only the shared cache is touched,
    as another process's save would; this process's calendar object is left
    alone until its recheck interval has passed.
    """
    CalendarDay.objects.filter(pk=holiday.pk).update(is_workday=True)
    bump_version(calendar.VERSION_KEY)
    calendar.CALENDAR.recheck()  # the recheck interval has passed
    assert one_working_hour_later() == datetime(2040, 3, 7, 9, 0, tzinfo=TZ)


def test_an_unseen_version_bump_alone_rebuilds(holiday, monkeypatch):
    """A version bump is enough even when the rows' fingerprint looks unchanged."""
    monkeypatch.setattr(calendar.CALENDAR, "_db_fingerprint", lambda: "unchanged")
    calendar.CALENDAR.recheck()
    calendar.work_calendar()
    CalendarDay.objects.filter(pk=holiday.pk).update(is_workday=True)
    calendar.CALENDAR.recheck()
    assert one_working_hour_later() == datetime(2040, 3, 8, 9, 0, tzinfo=TZ)  # not seen yet
    bump_version(calendar.VERSION_KEY)
    calendar.CALENDAR.recheck()
    assert one_working_hour_later() == datetime(2040, 3, 7, 9, 0, tzinfo=TZ)

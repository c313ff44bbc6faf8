"""Tests for the working-time calendar (pure Python, no database)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.core.workcalendar import (
    WorkCalendar,
    holidays_from_chinese_calendar,
)

SH = ZoneInfo("Asia/Shanghai")

# An injected calendar: a made-up National Day week in 2025 with two make-up weekend days.
TOY_HOLIDAYS = frozenset(date(2025, 10, d) for d in range(1, 9))
TOY_MAKEUPS = frozenset({date(2025, 9, 28), date(2025, 10, 11)})  # Sunday, Saturday


def toy_calendar(**kwargs):
    return WorkCalendar(
        holidays=TOY_HOLIDAYS, makeup_workdays=TOY_MAKEUPS, covered_years={2025}, **kwargs
    )


@pytest.fixture(scope="module")
def china():
    return WorkCalendar.from_chinese_calendar()


def sh(*args):
    return datetime(*args, tzinfo=SH)


def reference_between(cal, a, b):
    """Count working time day by day with aware datetimes (slow, obviously right)."""
    total = timedelta()
    la, lb = a.astimezone(cal.tz), b.astimezone(cal.tz)
    day = la.date()
    while day <= lb.date():
        if cal.is_workday(day):
            for start, end in cal.periods:
                ps = datetime.combine(day, start, tzinfo=cal.tz)
                pe = datetime.combine(day, end, tzinfo=cal.tz)
                lo, hi = max(ps, la), min(pe, lb)
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total


# --------------------------------------------------------------------- configuration


def test_default_day_is_seven_and_a_half_hours():
    """The default periods 08:30–12:00 and 13:30–17:30 make a 7.5-hour working day."""
    cal = WorkCalendar()
    assert cal.day_length_seconds == 7.5 * 3600
    assert cal.periods == ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    assert cal.tz == SH


def test_custom_periods_change_the_day_length():
    """Periods 08:00–12:00 and 14:00–18:00 make an 8-hour day."""
    cal = WorkCalendar(periods=[(time(8), time(12)), (time(14), time(18))])
    assert cal.day_length_seconds == 8 * 3600


@pytest.mark.parametrize(
    "periods",
    [
        (),
        ((time(9), time(9)),),
        ((time(12), time(9)),),
        ((time(13), time(17)), (time(8), time(12))),
        ((time(8), time(13)), (time(12), time(17))),
        ((time(8, tzinfo=UTC), time(12)),),
    ],
    ids=["empty", "zero-length", "reversed", "unsorted", "overlapping", "aware"],
)
def test_invalid_periods_are_rejected(periods):
    """Periods must be non-empty, start before they end, be sorted and not overlap."""
    with pytest.raises(ValueError):
        WorkCalendar(periods=periods)


def test_touching_periods_are_allowed():
    """Two periods that touch (12:00–12:00) are valid and act like one."""
    cal = WorkCalendar(periods=((time(8), time(12)), (time(12), time(16))))
    assert cal.working_seconds_between(sh(2025, 3, 3, 11), sh(2025, 3, 3, 13)) == 7200


def test_a_date_cannot_be_both_holiday_and_makeup():
    """Contradictory tables are a configuration error."""
    with pytest.raises(ValueError, match="2025-10-01"):
        WorkCalendar(holidays={date(2025, 10, 1)}, makeup_workdays={date(2025, 10, 1)})


def test_tables_must_hold_dates():
    """Datetimes in the holiday table are refused rather than silently compared."""
    with pytest.raises(TypeError):
        WorkCalendar(holidays={datetime(2025, 10, 1)})


def test_tz_may_be_given_by_name():
    """A zone name is accepted for the tz."""
    assert WorkCalendar(tz="Asia/Urumqi").tz == ZoneInfo("Asia/Urumqi")


def test_equality_hash_and_repr():
    """Calendars with the same configuration are equal; the repr summarises the tables."""
    assert toy_calendar() == toy_calendar()
    assert hash(toy_calendar()) == hash(toy_calendar())
    assert toy_calendar() != WorkCalendar()
    assert "covered years 2025..2025" in repr(toy_calendar())


# --------------------------------------------------------------------- days


def test_day_rules():
    """Holidays are off, make-up weekend days are worked, otherwise Monday–Friday."""
    cal = toy_calendar()
    assert cal.is_workday(date(2025, 9, 26))  # Friday
    assert not cal.is_workday(date(2025, 9, 27))  # Saturday
    assert cal.is_workday(date(2025, 9, 28))  # make-up Sunday
    assert not cal.is_workday(date(2025, 10, 1))  # holiday Wednesday
    assert not cal.is_workday(date(2025, 10, 4))  # holiday Saturday
    assert cal.is_workday(date(2025, 10, 9))  # ordinary Thursday
    assert cal.is_workday(date(2025, 10, 11))  # make-up Saturday


def test_is_workday_reads_aware_datetimes_in_the_calendar_tz():
    """2025-09-26 20:00 UTC is already Saturday in Shanghai."""
    cal = WorkCalendar()
    assert not cal.is_workday(datetime(2025, 9, 26, 20, tzinfo=UTC))
    assert cal.is_workday(datetime(2025, 9, 26, 10, tzinfo=UTC))


@given(
    st.dates(date(2024, 6, 1), date(2026, 6, 1)),
    st.integers(0, 400),
)
def test_count_workdays_matches_stepping(start, days):
    """Counting by arithmetic and bisection gives the same result as stepping day by day."""
    cal = toy_calendar()
    end = start + timedelta(days=days)
    stepped = sum(cal.is_workday(start + timedelta(days=i)) for i in range(days))
    assert cal.count_workdays(start, end) == stepped
    assert cal.count_workdays(end, start) == 0


@given(st.dates(date(2024, 6, 1), date(2026, 6, 1)), st.integers(1, 300))
def test_nth_workday_after_matches_stepping(day, n):
    """The n-th working day after a date is found without stepping."""
    cal = toy_calendar()
    found, d = 0, day
    while found < n:
        d += timedelta(days=1)
        found += cal.is_workday(d)
    assert cal.nth_workday_after(day, n) == d


# --------------------------------------------------------------------- coverage


def test_missing_years_for_an_injected_calendar():
    """Years outside covered_years are reported, whatever the argument types and order."""
    cal = toy_calendar()
    assert cal.is_covered(2025)
    assert not cal.is_covered(2026)
    assert cal.missing_years(date(2024, 12, 31), sh(2026, 1, 1)) == (2024, 2026)
    assert cal.missing_years(2026, 2025) == (2026,)
    assert cal.missing_years(2025, 2025) == ()


def test_a_calendar_without_tables_covers_nothing():
    """The default calendar has no holiday data, so every year is reported missing."""
    assert WorkCalendar().missing_years(2026, 2027) == (2026, 2027)


def test_uncovered_year_falls_back_to_weekends_only(china):
    """For 2027 (no data in chinese_calendar 1.11) only weekends are off; 2027 is reported."""
    assert china.is_covered(2026)
    assert not china.is_covered(2027)
    assert china.missing_years(date(2026, 12, 31), date(2027, 1, 4)) == (2027,)
    assert china.is_workday(date(2027, 1, 1))  # New Year's Day, unknown yet: a Friday
    assert not china.is_workday(date(2027, 1, 2))  # Saturday
    assert not china.is_workday(date(2026, 1, 1))  # known holiday


def test_working_time_across_the_new_year_into_an_uncovered_year(china):
    """From 2026-12-31 17:00 to 2027-01-04 09:00: 0.5 h + a full 2027-01-01 + 0.5 h."""
    seconds = china.working_seconds_between(sh(2026, 12, 31, 17), sh(2027, 1, 4, 9))
    assert seconds == (0.5 + 7.5 + 0.5) * 3600
    assert china.add_working_seconds(sh(2026, 12, 31, 17), 7.5 * 3600) == sh(2027, 1, 1, 17)


# --------------------------------------------------------------------- chinese_calendar


def test_seeding_matches_chinese_calendar_for_2026():
    """The 2026 Spring Festival is 02-15..02-23, with make-up Saturdays 02-14 and 02-28."""
    holidays, makeups, covered = holidays_from_chinese_calendar([2026])
    assert covered == {2026}
    festival = {date(2026, 2, 15) + timedelta(days=i) for i in range(9)}
    for day in festival:
        # Verify against the package itself, not only against the brief.
        assert (
            chinese_calendar.get_holiday_detail(day)[1]
            == chinese_calendar.Holiday.spring_festival.value
        )
        assert day in holidays
    assert date(2026, 2, 14) in makeups and date(2026, 2, 28) in makeups
    assert all(d.weekday() >= 5 for d in makeups)
    assert all(d.year == 2026 for d in holidays | makeups)
    # Every weekday the package calls a day off is a holiday here, and nothing else.
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() < 5:
            assert (day in holidays) == (not chinese_calendar.is_workday(day))
        day += timedelta(days=1)


def test_seeding_detects_coverage_by_probing():
    """covered_years is what the package supports: its last year works, the next one raises."""
    _, _, covered = holidays_from_chinese_calendar()
    last = max(covered)
    assert last >= 2026
    assert set(range(min(covered), last + 1)) == set(covered)
    chinese_calendar.is_workday(date(last, 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(last + 1, 1, 1))


def test_seeding_skips_unsupported_years():
    """Requested years the package does not know are left out of covered_years."""
    holidays, makeups, covered = holidays_from_chinese_calendar([2026, 2999])
    assert covered == {2026}
    assert not any(d.year == 2999 for d in holidays | makeups)


def test_seeded_calendar_agrees_with_chinese_calendar(china):
    """On every covered day the seeded calendar and the package agree."""
    day = date(2025, 1, 1)
    while day <= date(2026, 12, 31):
        assert china.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_spring_festival_2026(china):
    """Friday 02-13 and make-up Saturday 02-14 are worked; work resumes Tuesday 02-24."""
    assert china.is_workday(date(2026, 2, 14))
    assert not china.is_workday(date(2026, 2, 16))
    assert not china.is_workday(date(2026, 2, 23))  # a Monday inside the holiday
    assert china.is_workday(date(2026, 2, 24))
    # Saturday 02-14 16:00 plus 2 working hours: 1.5 h that day, 0.5 h on Tuesday 02-24.
    assert china.add_working_seconds(sh(2026, 2, 14, 16), 7200) == sh(2026, 2, 24, 9)
    # Friday 0.5 h + make-up Saturday 7.5 h + Tuesday 0.5 h.
    assert china.working_seconds_between(sh(2026, 2, 13, 17), sh(2026, 2, 24, 9)) == 8.5 * 3600


def test_makeup_saturday_counts_as_working(china):
    """The make-up Saturday 2026-02-28 counts in full; an ordinary Saturday does not."""
    assert china.working_seconds_between(sh(2026, 2, 28), sh(2026, 3, 1)) == 7.5 * 3600
    assert china.working_seconds_between(sh(2026, 3, 7), sh(2026, 3, 8)) == 0


# --------------------------------------------------------------------- working time


def test_between_within_a_day_and_across_lunch():
    """Only time inside the periods counts; the lunch break does not."""
    cal = WorkCalendar()
    monday = date(2025, 3, 3)
    at = lambda h, m=0: datetime.combine(monday, time(h, m), tzinfo=SH)  # noqa: E731
    assert cal.working_seconds_between(at(9), at(10)) == 3600
    assert cal.working_seconds_between(at(11), at(14)) == 1.5 * 3600
    assert cal.working_seconds_between(at(12), at(13, 30)) == 0
    assert cal.working_seconds_between(at(7), at(19)) == 7.5 * 3600


def test_between_accepts_any_timezone_and_is_antisymmetric():
    """Inputs in UTC are read in the calendar tz; a reversed span is negative."""
    cal = WorkCalendar()
    a = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    b = sh(2025, 3, 3, 10)
    assert cal.working_seconds_between(a, b) == 3600
    assert cal.working_seconds_between(b, a) == -3600


def test_naive_datetimes_are_rejected():
    """Working time is only defined for aware datetimes."""
    cal = WorkCalendar()
    with pytest.raises(ValueError, match="aware"):
        cal.working_seconds_between(datetime(2025, 3, 3, 9), sh(2025, 3, 3, 10))
    with pytest.raises(ValueError, match="aware"):
        cal.add_working_seconds(datetime(2025, 3, 3, 9), 60)


def test_add_from_friday_evening_lands_on_monday():
    """Filed on Friday after 17:30, counting starts at 08:30 on Monday."""
    cal = WorkCalendar()
    friday = sh(2025, 3, 7, 18, 45)
    assert cal.add_working_seconds(friday, 2 * 3600) == sh(2025, 3, 10, 10, 30)
    assert cal.add_working_seconds(friday, cal.day_length_seconds) == sh(2025, 3, 10, 17, 30)


def test_add_landing_on_a_period_end_returns_that_end():
    """Ending exactly at 12:00 or 17:30 returns that end, not the next period start."""
    cal = WorkCalendar()
    assert cal.add_working_seconds(sh(2025, 3, 3, 11), 3600) == sh(2025, 3, 3, 12)
    assert cal.add_working_seconds(sh(2025, 3, 3, 8, 30), 7.5 * 3600) == sh(2025, 3, 3, 17, 30)
    assert cal.add_working_seconds(sh(2025, 3, 3, 8), 15 * 3600) == sh(2025, 3, 4, 17, 30)


def test_add_from_outside_working_time_starts_at_the_next_period():
    """Counting starts at 13:30 when filed at lunch, and at 08:30 when filed at night."""
    cal = WorkCalendar()
    assert cal.add_working_seconds(sh(2025, 3, 3, 12, 15), 60) == sh(2025, 3, 3, 13, 31)
    assert cal.add_working_seconds(sh(2025, 3, 3, 12), 60) == sh(2025, 3, 3, 13, 31)
    assert cal.add_working_seconds(sh(2025, 3, 3, 2), 60) == sh(2025, 3, 3, 8, 31)


def test_add_zero_returns_the_start():
    """Adding no working time returns the start itself (in the calendar tz)."""
    cal = WorkCalendar()
    start = datetime(2025, 3, 8, 2, tzinfo=UTC)  # Saturday
    result = cal.add_working_seconds(start, 0)
    assert result == start and result.tzinfo == SH


def test_add_returns_the_calendar_tz_and_accepts_numeric_types():
    """The result is in the calendar tz whatever the input tz; Decimal and timedelta work."""
    cal = WorkCalendar()
    start = datetime(2025, 3, 3, 1, tzinfo=UTC)
    for amount in (3600, 3600.0, Decimal("3600"), timedelta(hours=1)):
        result = cal.add_working_seconds(start, amount)
        assert result == sh(2025, 3, 3, 10)
        assert result.tzinfo == SH


def test_add_negative_is_rejected():
    """Working time cannot be subtracted."""
    with pytest.raises(ValueError):
        WorkCalendar().add_working_seconds(sh(2025, 3, 3, 9), -1)


def test_add_across_the_injected_holiday_week():
    """The injected National Day week is skipped; the make-up Saturday counts."""
    cal = toy_calendar()
    # Tuesday 09-30 17:00 + 1 h: 0.5 h that day, then nothing until Thursday 10-09.
    assert cal.add_working_seconds(sh(2025, 9, 30, 17), 3600) == sh(2025, 10, 9, 9)
    # Friday 10-10 17:00 + 1 h: make-up Saturday 10-11 09:00.
    assert cal.add_working_seconds(sh(2025, 10, 10, 17), 3600) == sh(2025, 10, 11, 9)


def test_is_working_time_and_next_working_moment():
    """Period starts are working time, period ends are not; the next moment is a period start."""
    cal = WorkCalendar()
    assert cal.is_working_time(sh(2025, 3, 3, 8, 30))
    assert not cal.is_working_time(sh(2025, 3, 3, 12))
    assert not cal.is_working_time(sh(2025, 3, 8, 10))  # Saturday
    assert cal.next_working_moment(sh(2025, 3, 3, 12)) == sh(2025, 3, 3, 13, 30)
    assert cal.next_working_moment(sh(2025, 3, 7, 18)) == sh(2025, 3, 10, 8, 30)
    assert cal.next_working_moment(sh(2025, 3, 3, 9)) == sh(2025, 3, 3, 9)


def test_long_spans_are_counted_not_stepped(china):
    """A 20-year span is exact and cheap (whole days are counted by arithmetic)."""
    a, b = sh(2006, 1, 1), sh(2026, 12, 31, 23)
    workdays = sum(
        chinese_calendar.is_workday(a.date() + timedelta(days=i)) for i in range((b - a).days + 1)
    )
    assert china.working_seconds_between(a, b) == workdays * 7.5 * 3600
    assert china.add_working_seconds(a, workdays * 7.5 * 3600) == sh(2026, 12, 31, 17, 30)


# --------------------------------------------------------------------- properties

moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(SH)
)
utc_moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC)
)
amounts = st.integers(min_value=0, max_value=400 * 27000)


@settings(max_examples=300)
@given(st.one_of(moments, utc_moments), amounts)
def test_add_and_between_are_inverse(start, seconds):
    """working_seconds_between(s, add_working_seconds(s, x)) == x."""
    cal = toy_calendar()
    end = cal.add_working_seconds(start, seconds)
    assert end >= start
    assert round(cal.working_seconds_between(start, end)) == seconds
    # The result is the earliest such moment: a microsecond earlier falls short.
    if seconds:
        assert cal.working_time_between(start, end - timedelta(microseconds=1)) < timedelta(
            seconds=seconds
        )


@settings(max_examples=200)
@given(moments, st.integers(0, 60 * 24 * 60 * 60))
def test_between_matches_the_day_by_day_reference(a, span):
    """The counted result equals a day-by-day sum with aware datetimes."""
    cal = toy_calendar()
    b = a + timedelta(seconds=span)
    assert cal.working_time_between(a, b) == reference_between(cal, a, b)


@given(moments, moments, moments)
def test_between_is_additive_and_bounded_by_clock_time(a, b, c):
    """Spans add up, and working time never exceeds clock time."""
    cal = toy_calendar()
    a, b, c = sorted((a, b, c))
    ab = cal.working_time_between(a, b)
    assert ab + cal.working_time_between(b, c) == cal.working_time_between(a, c)
    assert timedelta() <= ab <= b - a


@given(moments, moments, amounts, amounts)
def test_add_is_monotonic(s1, s2, x1, x2):
    """A later start or a larger amount never gives an earlier result."""
    cal = toy_calendar()
    s1, s2 = sorted((s1, s2))
    x1, x2 = sorted((x1, x2))
    assert cal.add_working_seconds(s1, x1) <= cal.add_working_seconds(s2, x1)
    assert cal.add_working_seconds(s1, x1) <= cal.add_working_seconds(s1, x2)

"""Tests for deadlines, suspensions and warning levels (pure Python, no database)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.core.deadlines import (
    Progress,
    StageLimits,
    WarningLevel,
    due,
    elapsed,
    extend,
    limit_seconds,
    progress,
    remaining,
    warning_level,
)
from civicgrid.core.timelimits import TimeLimit, TimeLimitError, Unit
from civicgrid.core.workcalendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(
    holidays=frozenset(date(2025, 10, d) for d in range(1, 9)),
    makeup_workdays={date(2025, 9, 28), date(2025, 10, 11)},
    covered_years={2025},
)


@pytest.fixture(scope="module")
def china():
    return WorkCalendar.from_chinese_calendar()


def sh(*args):
    return datetime(*args, tzinfo=SH)


def tl(text):
    return TimeLimit.parse(text)


FRIDAY_EVENING = sh(2025, 3, 7, 18, 10)  # after 17:30
MONDAY = date(2025, 3, 10)


def mon(h, m=0):
    return datetime.combine(MONDAY, time(h, m), tzinfo=SH)


# --------------------------------------------------------------------- limits


def test_limit_seconds_per_unit():
    """Minutes and hours are fixed; a working day is the calendar's full day."""
    assert limit_seconds(CAL, tl("30工作分钟")) == 1800
    assert limit_seconds(CAL, tl("2工作时")) == 7200
    assert limit_seconds(CAL, tl("1工作日")) == 27000
    assert limit_seconds(CAL, tl("0.5天")) == 13500
    assert limit_seconds(CAL, tl("2紧急工作时")) == 7200
    assert limit_seconds(CAL, tl("1紧急工作日")) == 86400
    assert limit_seconds(CAL, tl("3自然日")) == 3 * 86400
    assert limit_seconds(CAL, tl("15紧急分钟")) == 900
    eight_hours = WorkCalendar(periods=((time(8), time(12)), (time(14), time(18))))
    assert limit_seconds(eight_hours, tl("1工作日")) == 8 * 3600


# --------------------------------------------------------------------- due


def test_friday_evening_working_hours_fall_due_on_monday():
    """2 working hours filed Friday after 17:30 fall due Monday 10:30."""
    assert due(CAL, FRIDAY_EVENING, tl("2工作时")) == mon(10, 30)


def test_friday_evening_working_day_falls_due_at_monday_close():
    """1 working day filed Friday after 17:30 uses all of Monday: due 17:30."""
    assert due(CAL, FRIDAY_EVENING, tl("1工作日")) == mon(17, 30)
    assert due(CAL, FRIDAY_EVENING, tl("2工作日")) == sh(2025, 3, 11, 17, 30)


def test_working_day_filed_friday_afternoon():
    """1 working day filed Friday 17:00: 0.5 h on Friday, 7 h on Monday, due Monday 17:00."""
    assert due(CAL, sh(2025, 3, 7, 17), tl("1工作日")) == mon(17)
    assert due(CAL, sh(2025, 3, 7, 16, 30), tl("1工作日")) == mon(16, 30)


def test_urgent_hours_run_over_the_weekend():
    """紧急 limits count clock time: Friday 23:00 + 2 urgent hours is Saturday 01:00."""
    start = sh(2025, 3, 7, 23)
    assert due(CAL, start, tl("2紧急工作时")) == sh(2025, 3, 8, 1)
    assert due(CAL, start, tl("1紧急工作日")) == sh(2025, 3, 8, 23)
    assert due(CAL, start, tl("2自然日")) == sh(2025, 3, 9, 23)
    assert due(CAL, start, tl("30紧急分钟")) == sh(2025, 3, 7, 23, 30)


def test_urgent_hours_ignore_holidays():
    """Continuous limits run through the injected holiday week."""
    assert due(CAL, sh(2025, 10, 1, 10), tl("2紧急工作时")) == sh(2025, 10, 1, 12)


def test_due_is_in_the_calendar_tz():
    """Starts in UTC give results in Asia/Shanghai, for both clocks."""
    start = datetime(2025, 3, 7, 15, tzinfo=UTC)  # Friday 23:00 in Shanghai
    for limit in (tl("2紧急工作时"), tl("2工作时")):
        assert due(CAL, start, limit).tzinfo == SH
    assert due(CAL, start, tl("2工作时")) == mon(10, 30)


def test_spring_festival_2026(china):
    """Filed Friday 2026-02-13 17:00: the make-up Saturday counts, then the holiday is skipped."""
    assert due(china, sh(2026, 2, 13, 17), tl("1工作时")) == sh(2026, 2, 14, 9)
    # 0.5 h Friday + 7.5 h Saturday 02-14, then 02-15..02-23 off: Tuesday 02-24 09:00.
    assert due(china, sh(2026, 2, 13, 17), tl("8.5工作时")) == sh(2026, 2, 24, 9)
    # Saturday 02-14 16:00 + 1 working day: 1.5 h that day, 6 h on Tuesday 02-24.
    assert due(china, sh(2026, 2, 14, 16), tl("1工作日")) == sh(2026, 2, 24, 16)
    # The urgent clock does not stop for the festival.
    assert due(china, sh(2026, 2, 14, 16), tl("24紧急工作时")) == sh(2026, 2, 15, 16)


def test_makeup_saturday_2026_02_28(china):
    """Friday 2026-02-27 17:00 + 2 working hours: due on make-up Saturday 02-28 10:00."""
    assert due(china, sh(2026, 2, 27, 17), tl("2工作时")) == sh(2026, 2, 28, 10)


def test_new_year_into_an_uncovered_year(china):
    """From 2026-12-31 into 2027 (no data): 2027-01-01 counts as a weekday; 2027 is reported."""
    start = sh(2026, 12, 31, 17)
    assert china.missing_years(start, due(china, start, tl("2工作日"))) == (2027,)
    assert due(china, start, tl("1工作日")) == sh(2027, 1, 1, 17)
    assert due(china, start, tl("2工作日")) == sh(2027, 1, 4, 17)


def test_naive_start_is_rejected():
    """Deadlines need aware datetimes."""
    with pytest.raises(ValueError, match="aware"):
        due(CAL, datetime(2025, 3, 3, 9), tl("2工作时"))


# --------------------------------------------------------------------- pauses (挂账)


def test_working_pause_is_excluded():
    """A one-hour suspension inside working time moves a working deadline by one hour."""
    # 9:00–9:30 counts, 10:30–12:00 counts (1.5 h), total 2 h at 12:00.
    assert due(CAL, mon(9), tl("2工作时"), [(mon(9, 30), mon(10, 30))]) == mon(12)


def test_pause_outside_working_time_does_not_move_a_working_deadline():
    """Suspending over lunch excludes no working time."""
    assert due(CAL, mon(11), tl("2工作时"), [(mon(12), mon(13, 30))]) == mon(14, 30)


def test_continuous_pause_excludes_clock_time():
    """For 紧急 limits the whole suspension, lunch or night included, is added back."""
    assert due(CAL, mon(11), tl("2紧急工作时"), [(mon(12), mon(13, 30))]) == mon(14, 30)
    start = sh(2025, 3, 7, 23)
    pause = (sh(2025, 3, 7, 23, 30), sh(2025, 3, 8, 0, 30))
    assert due(CAL, start, tl("2紧急工作时"), [pause]) == sh(2025, 3, 8, 2)


def test_overlapping_pauses_are_merged():
    """Overlapping suspensions count once: 09:30–11:00 in total."""
    pauses = [(mon(10), mon(11)), (mon(9, 30), mon(10, 30))]
    # 9:00–9:30 (0.5 h), 11:00–12:00 (1 h), 13:30–14:00 (0.5 h).
    assert due(CAL, mon(9), tl("2工作时"), pauses) == mon(14)
    assert elapsed(CAL, mon(9), mon(12), Unit.WORKING_HOURS, pauses) == 1.5 * 3600


def test_out_of_range_pauses():
    """Pauses before the start are ignored or clipped; pauses after the deadline do nothing."""
    limit = tl("2工作时")
    before = (mon(7), mon(8))
    across_start = (mon(8), mon(9, 30))  # only 09:00–09:30 counts
    after = (mon(15), mon(16))
    assert due(CAL, mon(9), limit, [before]) == mon(11)
    assert due(CAL, mon(9), limit, [across_start]) == mon(11, 30)
    assert due(CAL, mon(9), limit, [after]) == mon(11)
    assert due(CAL, mon(9), limit, [(mon(11), mon(12))]) == mon(11)  # starts at the due time


def test_open_pause_makes_the_deadline_unknown():
    """While still suspended (end None) the deadline is None."""
    assert due(CAL, mon(9), tl("2工作时"), [(mon(10), None)]) is None
    assert due(CAL, mon(9), tl("2紧急工作时"), [(mon(9, 30), mon(9, 45)), (mon(10), None)]) is None


def test_suspension_opened_after_the_deadline_keeps_it():
    """A case suspended after it was already overdue keeps its (passed) deadline."""
    assert due(CAL, mon(9), tl("2工作时"), [(mon(15), None)]) == mon(11)


def test_invalid_pauses_are_rejected():
    """A pause must be an aware (start, end) pair with end not before start."""
    with pytest.raises(ValueError):
        due(CAL, mon(9), tl("2工作时"), [(mon(10), mon(9, 30))])
    with pytest.raises(ValueError, match="aware"):
        due(CAL, mon(9), tl("2工作时"), [(datetime(2025, 3, 10, 10), None)])
    with pytest.raises(ValueError):
        due(CAL, mon(9), tl("2工作时"), [(mon(10),)])


# --------------------------------------------------------------------- elapsed / remaining


def test_elapsed_and_remaining():
    """Working limits count working time used; remaining turns negative when overdue."""
    start = FRIDAY_EVENING
    limit = tl("2工作时")
    assert elapsed(CAL, start, mon(9, 30), limit.unit) == 3600
    assert remaining(CAL, start, mon(9, 30), limit) == 3600
    assert remaining(CAL, start, mon(14), limit) == -2 * 3600
    clock = (mon(9, 30) - start).total_seconds()
    assert elapsed(CAL, start, mon(9, 30), Unit.URGENT_HOURS) == clock
    assert elapsed(CAL, mon(9), mon(8), limit) == 0  # now before start; TimeLimit accepted


def test_elapsed_excludes_pauses_up_to_now():
    """An open pause stops the clock at its start."""
    assert elapsed(CAL, mon(9), mon(11), Unit.WORKING_HOURS, [(mon(10), None)]) == 3600
    assert elapsed(CAL, mon(9), mon(11), Unit.URGENT_HOURS, [(mon(10), mon(10, 15))]) == 6300


# --------------------------------------------------------------------- warning


@pytest.mark.parametrize(
    ("used", "limit", "level"),
    [
        (0, 100, "green"),
        (80, 100, "green"),
        (80.000001, 100, "yellow"),
        (100, 100, "yellow"),
        (100.000001, 100, "red"),
        (0.8 * 7200, 7200, "green"),
        (0, 0, "green"),
        (1, 0, "red"),
        (-50, 100, "green"),
    ],
)
def test_warning_level(used, limit, level):
    """Green up to 80 % of the limit, yellow up to 100 %, red when over."""
    result = warning_level(used, limit)
    assert result == level
    assert isinstance(result, WarningLevel)


def test_progress():
    """Progress bundles the limit, use, remainder, colour and due time."""
    start = mon(9)
    limit = tl("2工作时")
    assert progress(CAL, start, limit, mon(10)) == Progress(7200, 3600, 3600, "green", mon(11))
    assert progress(CAL, start, limit, mon(10, 45)).level == "yellow"
    late = progress(CAL, start, limit, mon(14))
    assert late.level == "red" and late.overdue and late.remaining_seconds == -1.5 * 3600
    paused = progress(CAL, start, limit, mon(14), [(mon(10), None)])
    assert paused.due_at is None and paused.used_seconds == 3600 and paused.level == "green"


# --------------------------------------------------------------------- extend


def test_extend_counts_from_the_current_due_time():
    """A granted extension is counted on its own clock from the current due time."""
    friday_close = sh(2025, 3, 7, 17, 30)
    assert extend(CAL, friday_close, tl("1工作时")) == mon(9, 30)
    assert extend(CAL, friday_close, tl("1工作日")) == mon(17, 30)
    assert extend(CAL, friday_close, tl("2紧急工作时")) == sh(2025, 3, 7, 19, 30)


# --------------------------------------------------------------------- stage limits


def test_stage_limit_defaults():
    """The defaults are 30 min, 2 h, 30 min, 30 min, 2 h and 1 h of working time."""
    limits = StageLimits()
    assert StageLimits.stages() == ("accept", "verify", "file", "dispatch", "check", "close")
    assert limits.accept == TimeLimit(Decimal(30), Unit.WORKING_MINUTES)
    assert limits.verify == TimeLimit(Decimal(2), Unit.WORKING_HOURS)
    assert limits.file == TimeLimit(Decimal(30), Unit.WORKING_MINUTES)
    assert limits.dispatch == TimeLimit(Decimal(30), Unit.WORKING_MINUTES)
    assert limits.check == TimeLimit(Decimal(2), Unit.WORKING_HOURS)
    assert limits.close == TimeLimit(Decimal(1), Unit.WORKING_HOURS)
    assert limits.for_stage("核查") is limits.check


def test_stage_limits_from_mapping():
    """Overrides may be text, a stored dict or a TimeLimit, keyed in English or Chinese."""
    limits = StageLimits.from_mapping(
        {
            "受理": "15紧急分钟",
            "verify": {"amount": "1.5", "unit": "working_hours"},
            "close": TimeLimit(Decimal(1), Unit.WORKING_DAYS),
        }
    )
    assert limits.accept == TimeLimit(Decimal(15), Unit.URGENT_MINUTES)
    assert limits.verify == TimeLimit(Decimal("1.5"), Unit.WORKING_HOURS)
    assert limits.close == TimeLimit(Decimal(1), Unit.WORKING_DAYS)
    assert limits.dispatch == StageLimits().dispatch
    assert StageLimits.from_mapping(limits.to_mapping()) == limits
    assert StageLimits.from_mapping(None) == StageLimits()


@pytest.mark.parametrize(
    "mapping",
    [
        {"approve": "1工作时"},
        {"accept": "1工作时", "受理": "2工作时"},
        {"accept": "soon"},
        {"accept": {"amount": "1"}},
        {"accept": {"amount": "1", "unit": "fortnights"}},
    ],
    ids=["unknown-stage", "twice", "bad-text", "no-unit", "bad-unit"],
)
def test_stage_limits_reject_bad_configuration(mapping):
    """Unknown stages and unreadable limits are configuration errors."""
    with pytest.raises(ValueError):
        StageLimits.from_mapping(mapping)


def test_stage_limit_bad_text_names_the_text():
    """Parse errors come from the time-limit parser."""
    with pytest.raises(TimeLimitError, match="soon"):
        StageLimits.from_mapping({"accept": "soon"})


# --------------------------------------------------------------------- properties

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 6, 1), timezones=st.just(SH)
)
units = st.sampled_from(list(Unit))
amounts = st.integers(1, 200).map(Decimal) | st.sampled_from([Decimal("0.5"), Decimal("1.25")])
limits = st.builds(TimeLimit, amount=amounts, unit=units)


@st.composite
def pause_lists(draw, around):
    result = []
    for _ in range(draw(st.integers(0, 4))):
        begin = around + timedelta(minutes=draw(st.integers(-3000, 30000)))
        end = begin + timedelta(minutes=draw(st.integers(0, 5000)))
        result.append((begin, end))
    return result


@settings(max_examples=200)
@given(moments, moments, limits, amounts)
def test_due_is_monotonic(s1, s2, limit, other_amount):
    """A later start or a larger amount never gives an earlier deadline."""
    s1, s2 = sorted((s1, s2))
    assert due(CAL, s1, limit) <= due(CAL, s2, limit)
    small, large = sorted((limit.amount, other_amount))
    assert due(CAL, s1, TimeLimit(small, limit.unit)) <= due(CAL, s1, TimeLimit(large, limit.unit))
    assert due(CAL, s1, limit) >= s1


@settings(max_examples=200)
@given(st.data(), moments, limits)
def test_pauses_never_make_a_deadline_earlier(data, start, limit):
    """Suspensions only ever push a deadline later (or leave it)."""
    pauses = data.draw(pause_lists(start))
    with_pauses = due(CAL, start, limit, pauses)
    assert with_pauses >= due(CAL, start, limit)
    # Adding one more pause never makes it earlier either.
    extra = data.draw(pause_lists(start))
    assert due(CAL, start, limit, pauses + extra) >= with_pauses


@settings(max_examples=200)
@given(st.data(), moments, limits)
def test_elapsed_at_the_deadline_is_the_limit(data, start, limit):
    """At the due time exactly the whole limit has been used, pauses excluded."""
    pauses = data.draw(pause_lists(start))
    deadline = due(CAL, start, limit, pauses)
    used = elapsed(CAL, start, deadline, limit.unit, pauses)
    assert round(used, 3) == round(limit_seconds(CAL, limit), 3)
    assert warning_level(used, limit_seconds(CAL, limit)) != "red"


@given(st.data(), moments, moments, units)
def test_elapsed_is_bounded_by_clock_time(data, start, now, unit):
    """Time used never exceeds the clock time from start to now, and is never negative."""
    pauses = data.draw(pause_lists(start))
    used = elapsed(CAL, start, now, unit, pauses)
    assert 0 <= used <= max(0.0, (now - start).total_seconds())


@given(moments, limits)
def test_extend_is_never_earlier(current, extension):
    """An extension never moves the deadline earlier."""
    assert extend(CAL, current, extension) >= current


def test_continuous_time_is_absolute_across_dst():
    """Urgent hours are real hours, even in a calendar tz with daylight saving time."""
    berlin = WorkCalendar(tz="Europe/Berlin")
    start = datetime(2025, 3, 29, 23, tzinfo=ZoneInfo("Europe/Berlin"))  # DST starts 03-30 02:00
    assert due(berlin, start, tl("4紧急工作时")) == datetime(2025, 3, 30, 2, tzinfo=UTC)
    assert elapsed(berlin, start, datetime(2025, 3, 30, 2, tzinfo=UTC), Unit.URGENT_HOURS) == 14400

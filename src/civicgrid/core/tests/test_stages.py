"""Which limit runs in which state, and progress towards a due time that has moved."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.deadlines import WarningLevel, due, progress_until, stage_for
from civicgrid.core.timelimits import TimeLimit, Unit
from civicgrid.core.workcalendar import WorkCalendar
from civicgrid.core.workflow import State

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(covered_years=frozenset({2026}))


def sh(*args):
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("state", "by_inspector", "stage"),
    [
        (State.reported, True, "accept"),
        (State.reported, False, "verify"),
        (State.verified, False, "file"),
        (State.filed, False, "dispatch"),
        (State.returned, False, "dispatch"),
        (State.dispatched, False, "handle"),
        (State.resolved, False, "check"),
        (State.checked, False, "close"),
        (State.suspended, False, None),
        (State.in_ruling, False, None),
        (State.closed, False, None),
        (State.voided, False, None),
    ],
)
def test_each_state_runs_on_its_stage(state, by_inspector, stage):
    """An inspector's report skips verification; paused and final states run no limit."""
    assert stage_for(state, by_inspector) == stage
    assert stage_for(state.value, by_inspector) == stage


def test_progress_counts_towards_the_moved_due_time():
    """After an extension the limit is start→new due, so the level follows the new due."""
    start = sh(2026, 3, 2, 9, 0)  # Monday
    original = due(CAL, start, TimeLimit.parse("4工作时"))
    assert original == sh(2026, 3, 2, 14, 30)
    extended = due(CAL, start, TimeLimit.parse("1工作日"))
    at = sh(2026, 3, 2, 15, 0)  # past the original due, within the extended one
    state = progress_until(CAL, start, extended, at, Unit.WORKING_HOURS)
    assert state.limit_seconds == 7.5 * 3600
    assert state.used_seconds == 4.5 * 3600  # 09:00–12:00 and 13:30–15:00
    assert state.level is WarningLevel.GREEN
    assert state.due_at == extended


def test_progress_excludes_paused_time():
    """Suspended working time counts neither as used nor towards the limit."""
    start = sh(2026, 3, 2, 9, 0)
    pause = (sh(2026, 3, 2, 9, 30), sh(2026, 3, 2, 10, 30))
    due_at = sh(2026, 3, 2, 11, 0)
    state = progress_until(CAL, start, due_at, sh(2026, 3, 2, 11, 30), Unit.WORKING_HOURS, [pause])
    assert state.limit_seconds == 3600
    assert state.used_seconds == 5400
    assert state.level is WarningLevel.RED
    assert state.overdue


def test_continuous_progress_counts_the_weekend():
    """An urgent limit's progress counts nights and weekends."""
    start = sh(2026, 3, 6, 17, 0)  # Friday
    state = progress_until(
        CAL, start, sh(2026, 3, 6, 19, 0), sh(2026, 3, 6, 18, 50), Unit.URGENT_HOURS
    )
    assert state.used_seconds == 110 * 60
    assert state.level is WarningLevel.YELLOW
    assert date(2026, 3, 7).weekday() == 5

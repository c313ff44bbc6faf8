"""Deadlines of real cases on the working calendar, with a fixed clock.

The holiday table is seeded from chinese-calendar by ``post_migrate``: the 2026 Spring Festival
runs 2026-02-15 .. 02-23 with make-up working Saturdays 02-14 and 02-28, and 2027 is not in the
package, so deadlines reaching into 2027 fall back to weekends only. Working hours are
08:30-12:00 and 13:30-17:30 (7.5 h a day). Expected times are worked out by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from civicgrid.cases.models import Case
from civicgrid.cases.services import ReportInput, act, submit_report
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.tests.conftest import WEST, local
from civicgrid.categories.models import FilingCondition

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(city):
    return {name: city.user(name) for name in ("inspector", "operator", "dispatcher", "handler")}


def condition_of(unit: str, amount: int) -> FilingCondition:
    found = FilingCondition.objects.filter(
        active=True, category__active=True, limit_unit=unit, limit_amount=Decimal(amount)
    ).first()
    assert found is not None, f"no filing condition of {amount} {unit}"
    return found


def dispatch_at(city, people, clock, when, unit, amount, *, filed_at=None):
    """Report and file a case, dispatch it at ``when``; return (case, dispatch event)."""
    clock.set(filed_at or when)
    case = submit_report(
        ReportInput(channel="inspector", lon=WEST[0], lat=WEST[1], description="路灯不亮"),
        actor=people["inspector"],
    ).case
    condition = condition_of(unit, amount)
    act(
        case,
        "file",
        people["operator"],
        category=condition.category_id,
        filing_condition=condition.pk,
    )
    clock.set(when)
    event = act(case, "dispatch", people["dispatcher"], department=city.department("SZGY"))
    return Case.objects.get(pk=case.pk), event


def test_the_calendar_has_the_2026_spring_festival(city):
    calendar = work_calendar()
    assert calendar.is_covered(2026)
    assert not calendar.is_covered(2027)
    assert calendar.is_workday(local(2026, 2, 14).date())  # make-up Saturday
    assert calendar.is_workday(local(2026, 2, 28).date())
    assert not any(calendar.is_workday(local(2026, 2, d).date()) for d in range(15, 24))
    assert calendar.day_length_seconds == 7.5 * 3600


@pytest.mark.parametrize(
    ("unit", "amount", "due"),
    [
        ("working_hours", 4, local(2026, 3, 16, 14, 0)),  # Mon 08:30-12:00 + 13:30-14:00
        ("working_days", 1, local(2026, 3, 16, 17, 30)),  # a whole Monday
        ("working_days", 2, local(2026, 3, 17, 17, 30)),
    ],
)
def test_dispatch_on_a_friday_evening(city, people, clock, unit, amount, due):
    friday = local(2026, 3, 13, 18, 0)
    case, event = dispatch_at(city, people, clock, friday, unit, amount)
    assert case.handling_started_at == friday
    assert case.handling_due == due
    assert case.current_due == due
    assert event.deadlines["handling_due"] == due.isoformat()
    assert event.deadlines["stage"] == "handle"
    assert event.deadlines["calendar_covered"] is True


def test_filing_on_a_friday_evening_gives_the_dispatcher_monday_morning(city, people, clock):
    clock.set(local(2026, 3, 13, 18, 0))
    case = submit_report(
        ReportInput(channel="inspector", lon=WEST[0], lat=WEST[1], description="x"),
        actor=people["inspector"],
    ).case
    condition = condition_of("working_days", 1)
    act(
        case,
        "file",
        people["operator"],
        category=condition.category_id,
        filing_condition=condition.pk,
    )
    case.refresh_from_db()
    assert case.stage == "dispatch"
    assert case.stage_due == local(2026, 3, 16, 9, 0)  # 30 working minutes from Monday 08:30
    assert case.handling_due is None  # the handling clock starts at dispatch


@pytest.mark.parametrize(
    ("when", "amount", "due"),
    [
        # Fri 6 h + Sat 02-14 (make-up) 7.5 h, then the festival, then 1.5 h on Tue 02-24.
        (local(2026, 2, 13, 10, 0), 2, local(2026, 2, 24, 10, 0)),
        # Fri 1.5 h + Sat 7.5 h + Tue 7.5 h + 6 h on Wed 02-25.
        (local(2026, 2, 13, 16, 0), 3, local(2026, 2, 25, 16, 0)),
        # Fri 6 h + Sat 7.5 h + Tue, Wed, Thu 22.5 h + 1.5 h on Fri 02-27.
        (local(2026, 2, 13, 10, 0), 5, local(2026, 2, 27, 10, 0)),
        # Dispatched during the festival: counting starts on Tue 02-24.
        (local(2026, 2, 18, 11, 0), 1, local(2026, 2, 24, 17, 30)),
    ],
)
def test_dispatch_across_the_spring_festival(city, people, clock, when, amount, due):
    case, event = dispatch_at(city, people, clock, when, "working_days", amount)
    assert case.handling_due == due
    assert event.deadlines["calendar_covered"] is True


def test_extension_granted_before_the_festival_skips_it(city, people, clock):
    case, _ = dispatch_at(city, people, clock, local(2026, 2, 12, 17, 30), "working_days", 1)
    assert case.handling_due == local(2026, 2, 13, 17, 30)
    clock.set(local(2026, 2, 13, 9, 0))
    act(case, "request_extension", people["handler"], extension="2天", reason="节前无法施工")
    act(case, "grant_extension", people["dispatcher"])
    case.refresh_from_db()
    # Sat 02-14 (make-up) is one day, the festival none, Tue 02-24 the second.
    assert case.handling_due == local(2026, 2, 24, 17, 30)


@pytest.mark.parametrize(
    ("when", "due"),
    [
        # A make-up Saturday is a working day: 3 h before noon, 1 h after.
        (local(2026, 2, 28, 9, 0), local(2026, 2, 28, 14, 30)),
        # An ordinary Saturday is not: counting starts on Monday 08:30.
        (local(2026, 3, 7, 9, 0), local(2026, 3, 9, 14, 0)),
        # Friday before the make-up Saturday: 1 h on Friday, 3 h on Saturday morning.
        (local(2026, 2, 27, 16, 30), local(2026, 2, 28, 11, 30)),
    ],
)
def test_dispatch_on_and_before_a_makeup_saturday(city, people, clock, when, due):
    case, _ = dispatch_at(city, people, clock, when, "working_hours", 4)
    assert case.handling_due == due


def test_deadline_into_2027_falls_back_to_weekends_only(city, people, clock):
    case, event = dispatch_at(city, people, clock, local(2026, 12, 31, 16, 0), "working_days", 2)
    # Thu 1.5 h; 2027-01-01 (a Friday, New Year's Day) is unknown, so it counts: 7.5 h;
    # the rest, 6 h, on Monday 2027-01-04.
    assert case.handling_due == local(2027, 1, 4, 16, 0)
    assert event.deadlines["calendar_covered"] is False
    # Within 2026 the same kind of deadline is covered.
    _, inside = dispatch_at(city, people, clock, local(2026, 12, 28, 9, 0), "working_days", 2)
    assert inside.deadlines["calendar_covered"] is True


def test_dispatch_in_2027_is_not_covered(city, people, clock):
    case, event = dispatch_at(
        city,
        people,
        clock,
        local(2027, 1, 8, 17, 0),
        "working_hours",
        2,
        filed_at=local(2027, 1, 8, 16, 0),
    )
    assert case.handling_due == local(2027, 1, 11, 10, 0)  # Fri 0.5 h, Mon 1.5 h
    assert event.deadlines["calendar_covered"] is False


@pytest.mark.parametrize(
    ("unit", "amount", "when", "due"),
    [
        # Urgent limits run on the continuous clock: nights and weekends count.
        ("urgent_hours", 4, local(2026, 3, 13, 22, 0), local(2026, 3, 14, 2, 0)),
        ("urgent_days", 2, local(2026, 3, 13, 18, 0), local(2026, 3, 15, 18, 0)),
        ("urgent_days", 1, local(2026, 2, 14, 20, 0), local(2026, 2, 15, 20, 0)),
    ],
)
def test_urgent_limits_run_over_the_weekend(city, people, clock, unit, amount, when, due):
    case, _ = dispatch_at(city, people, clock, when, unit, amount)
    assert case.handling_due == due


def test_suspension_of_an_urgent_case_adds_the_continuous_pause(city, people, clock):
    case, _ = dispatch_at(city, people, clock, local(2026, 3, 13, 22, 0), "urgent_hours", 4)
    clock.set(local(2026, 3, 14, 0, 0))
    act(case, "suspend", people["dispatcher"], reason="等待交警配合")
    clock.set(local(2026, 3, 14, 10, 0))
    act(case, "resume", people["dispatcher"])
    case.refresh_from_db()
    assert case.handling_due == local(2026, 3, 14, 12, 0)  # 02:00 + 10 h of pause
    assert case.pauses == [
        [local(2026, 3, 14, 0, 0).isoformat(), local(2026, 3, 14, 10, 0).isoformat()]
    ]


def test_suspension_over_the_festival_adds_no_working_time(city, people, clock):
    case, _ = dispatch_at(city, people, clock, local(2026, 2, 13, 10, 0), "working_days", 2)
    assert case.handling_due == local(2026, 2, 24, 10, 0)
    clock.set(local(2026, 2, 14, 17, 30))  # end of the make-up Saturday
    act(case, "suspend", people["dispatcher"], reason="节日")
    clock.set(local(2026, 2, 24, 8, 0))  # before work on the first day back
    act(case, "resume", people["dispatcher"])
    case.refresh_from_db()
    assert case.handling_due == local(2026, 2, 24, 10, 0)

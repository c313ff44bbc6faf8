"""Fixtures of the command-screen tests: a two-district city with cases at known times.

Small on purpose (``build_city``: 2 districts × 4 cells) so each test, including
the transactional browser test, builds its own data in well under a second.
Cases are entered through ``submit_report`` with the services' clock set;
their later steps (dispatched, overdue, closed) are then written straight to
the rows, because these tests are about counting, not about the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
#: "Today" in the tests: Tuesday 2026-03-10, 10:00 local time.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


def local(*args) -> datetime:
    """Return an aware datetime in the platform's time zone (Asia/Shanghai)."""
    return datetime(*args, tzinfo=TZ)


class Clock:
    """A controllable ``now`` for the case services."""

    def __init__(self, start: datetime):
        self.at = start

    def __call__(self) -> datetime:
        return self.at


@dataclass
class ScreenCity:
    """The test city, its users and its cases by name."""

    city: object
    users: dict
    departments: dict
    cases: dict

    def cell(self, district: int, row: int = 0, col: int = 0):
        """Return a grid cell of district ``district`` (0 or 1)."""
        return self.city.cell(row, col, district=district)


def report(operator, clock, cell_center, at: datetime, channel: str = "hotline", text: str = ""):
    """Enter a report at ``at`` through the intake service; return its case."""
    from civicgrid.cases.services import ReportInput, submit_report

    clock.at = at
    lon, lat = cell_center
    result = submit_report(
        ReportInput(channel=channel, lon=lon, lat=lat, description=text or f"问题 {at:%H%M}"),
        actor=operator,
    )
    return result.case


def build_screen_city(clock) -> ScreenCity:
    """Build the city, the users and six cases (see the module's tests for the numbers).

    ======  ========  ===========  ============  ===============================
    case    district  channel      reported      later
    ======  ========  ===========  ============  ===============================
    c1      0, (0,0)  hotline      today 09:00   —
    c2      0, (0,1)  citizen_app  today 09:30   dispatched to A, 1 h past due
    c3      0, (1,0)  hotline      today 00:30   — (yesterday in UTC)
    c4      1, (0,0)  hotline      today 09:45   dispatched to B, 2 h past due
    c5      0, (0,0)  hotline      yday 23:30    voided
    c6      1, (1,1)  citizen_app  20 days ago   closed today 08:00, late, by A
    ======  ========  ===========  ============  ===============================
    """
    from datetime import timedelta

    from civicgrid.cases.models import Case
    from civicgrid.testing.factories import DepartmentFactory, UserFactory, build_city

    city = build_city(rows=2, cols=2, districts=2)
    d0, d1 = city.districts
    users = {
        "leader": UserFactory(username="leader", roles=["leader"]),
        "shift_lead": UserFactory(username="shift_lead", roles=["shift_lead"]),
        "dispatcher": UserFactory(username="dispatcher", roles=["dispatcher"]),
        "district_dispatcher": UserFactory(
            username="district_dispatcher", roles=["dispatcher"], district=d0
        ),
        "district_leader": UserFactory(username="district_leader", roles=["leader"], district=d1),
        "operator": UserFactory(username="operator", roles=["operator"]),
        "inspector": UserFactory(username="inspector", roles=["inspector"]),
        "handler": UserFactory(username="handler", roles=["handler"]),
    }
    departments = {
        "A": DepartmentFactory(code="SCRA", name="市政公用局", short_name="市政"),
        "B": DepartmentFactory(code="SCRB", name="环境卫生局", short_name="环卫"),
    }
    op = users["operator"]
    centre = lambda d, r, c: city.center(city.cell(r, c, district=d))  # noqa: E731
    cases = {
        "c1": report(op, clock, centre(0, 0, 0), local(2026, 3, 10, 9, 0)),
        "c2": report(op, clock, centre(0, 0, 1), local(2026, 3, 10, 9, 30), "citizen_app"),
        "c3": report(op, clock, centre(0, 1, 0), local(2026, 3, 10, 0, 30)),
        "c4": report(op, clock, centre(1, 0, 0), local(2026, 3, 10, 9, 45)),
        "c5": report(op, clock, centre(0, 0, 0), local(2026, 3, 9, 23, 30), text="另一个问题"),
        "c6": report(op, clock, centre(1, 1, 1), local(2026, 2, 18, 11, 0), "citizen_app"),
    }
    clock.at = NOW
    Case.objects.filter(pk=cases["c2"].pk).update(
        state="dispatched", department=departments["A"], current_due=NOW - timedelta(hours=1)
    )
    Case.objects.filter(pk=cases["c4"].pk).update(
        state="dispatched", department=departments["B"], current_due=NOW - timedelta(hours=2)
    )
    Case.objects.filter(pk=cases["c5"].pk).update(state="voided", current_due=None)
    Case.objects.filter(pk=cases["c6"].pk).update(
        state="closed",
        department=departments["A"],
        handling_overdue=True,
        closed_at=local(2026, 3, 10, 8, 0),
        current_due=None,
    )
    for case in cases.values():
        case.refresh_from_db()
    return ScreenCity(city=city, users=users, departments=departments, cases=cases)


@pytest.fixture
def screen_clock(monkeypatch):
    """Fix the case services' clock at :data:`NOW`."""
    clock = Clock(NOW)
    monkeypatch.setattr("civicgrid.cases.services.transitions.now", clock)
    return clock


@pytest.fixture
def screen_city(db, screen_clock):
    """Return the two-district test city with its six cases."""
    return build_screen_city(screen_clock)


@pytest.fixture
def login(client):
    """Return a function that logs the test client in as a user of the city."""

    def _login(user):
        client.force_login(user)
        return client

    return _login

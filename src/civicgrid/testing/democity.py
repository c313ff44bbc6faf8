"""The demo city as a test fixture, built once per module and rolled back after it.

Building it takes a few seconds, so modules that need realistic data (a
district-scoped dispatcher, a handler per department, patrol zones) share one
copy inside an outer transaction; each test then runs in its own savepoint.
Also a controllable clock for the case services.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The demo users' password in tests.
PASSWORD = "pw12345"


def local(*args) -> datetime:
    """Return an aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


@dataclass
class DemoCity:
    """What the tests need to know about the demo city."""

    users: dict[str, int]
    departments: dict[str, int]
    districts: list[int]

    def user(self, username: str):
        """Return a fresh instance of a demo user (so the role cache is fresh)."""
        return get_user_model().objects.get(pk=self.users[username])

    def department(self, code: str) -> int:
        """Return the id of the department with ``code`` (e.g. ``SZGY``)."""
        return self.departments[code]

    def client(self, username: str) -> Client:
        """Return a test client logged in as ``username``."""
        client = Client()
        client.force_login(self.user(username))
        return client


@contextmanager
def demo_city_rolled_back(password: str):
    """Build the demo city (without sample cases) and undo it when the block ends."""
    from civicgrid.demo.city import build_demo_city
    from civicgrid.org.models import Department
    from civicgrid.places.models import District

    outer = transaction.atomic()
    outer.__enter__()
    try:
        build_demo_city(password, with_cases=False)
        yield DemoCity(
            users=dict(get_user_model().objects.values_list("username", "pk")),
            departments=dict(Department.objects.values_list("code", "pk")),
            districts=list(District.objects.order_by("code").values_list("pk", flat=True)),
        )
    finally:
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


class Clock:
    """A controllable ``now`` for the case services (and the consoles, which ask them)."""

    def __init__(self, start: datetime):
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, **delta) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


# Fixtures for modules that use the demo city; import them into a conftest.


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """Build the demo city once per module; roll it back at the end of the module."""
    with django_db_blocker.unblock(), demo_city_rolled_back(PASSWORD) as city:
        yield city


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Store uploaded photos under the test's temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def city(demo_city, db):
    """The demo city, with database access for the test (overrides the tiny ``city``)."""
    return demo_city


@pytest.fixture
def clock(monkeypatch):
    """Fix the case services' clock at Tuesday 2026-03-10 10:00 (Asia/Shanghai)."""
    fixed = Clock(local(2026, 3, 10, 10, 0))
    monkeypatch.setattr("civicgrid.cases.services.transitions.now", fixed)
    return fixed

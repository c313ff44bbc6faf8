"""Fixtures of the intake and dispatch console tests: the demo city and cases made through services.

The demo city (two districts, patrol zones, departments, the case standard and
the demo users) is built once per test module inside an outer transaction
that is rolled back when the module is done, as in ``cases/tests/conftest.py``;
each test runs in its own savepoint on top of it. Cases are entered and moved
only through the services (``submit_report``, ``act``) with a fixed clock, so
the pages see what the workflow really produces.

Import the fixtures by name in a test module::

    from civicgrid.web.tests.conftest_desk import city, clock, demo_city  # noqa: F401
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.testing import democity
from civicgrid.testing.democity import PASSWORD, Clock, local  # noqa: F401  (used by tests)

TZ = ZoneInfo("Asia/Shanghai")
#: A point well inside the west district (130391) and one inside the east district (130392).
# The shared demo-city fixtures, by assignment so they are this module's own.
demo_city = democity.demo_city
city = democity.city
clock = democity.clock
_media_in_tmp = democity._media_in_tmp
WEST = (119.590, 39.935)
EAST = (119.610, 39.935)


def jpeg(color=(200, 30, 30)) -> SimpleUploadedFile:
    """Return a small JPEG upload."""
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, "JPEG", quality=70)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), "image/jpeg")


def condition_for(category_id: int):
    """Return the first active filing condition of a category."""
    from civicgrid.categories.models import FilingCondition

    return (
        FilingCondition.objects.filter(category_id=category_id, active=True)
        .order_by("position")
        .first()
    )


def a_condition():
    """Return a filing condition counted in working days (the common case)."""
    from civicgrid.categories.models import FilingCondition

    return (
        FilingCondition.objects.filter(
            active=True, category__active=True, limit_unit="working_days"
        )
        .select_related("category")
        .order_by("category__kind", "category__code", "position")
        .first()
    )


def report(city, point=WEST, *, category=None, photos=(), text="井盖破损，存在安全隐患"):
    """Enter a hotline report through ``submit_report`` as the operator; return the case."""
    from civicgrid.cases.services import ReportInput, submit_report

    lon, lat = point
    result = submit_report(
        ReportInput(channel="hotline", lon=lon, lat=lat, description=text, category=category),
        actor=city.user("operator"),
        photos=list(photos),
    )
    return result.case


def filed(city, point=WEST):
    """Return a case reported and filed (with a working-day condition) through ``act``."""
    from civicgrid.cases.services import act

    condition = a_condition()
    case = report(city, point, category=condition.category_id)
    act(
        case.pk,
        "file",
        city.user("operator"),
        category=condition.category_id,
        filing_condition=condition.pk,
    )
    case.refresh_from_db()
    return case


def dispatched(city, point=WEST, department="SZGY"):
    """Return a filed case dispatched to ``department`` (SZGY has the demo ``handler``)."""
    from civicgrid.cases.services import act

    case = filed(city, point)
    act(case.pk, "dispatch", city.user("dispatcher"), department=city.departments[department])
    case.refresh_from_db()
    return case


def handler_of(case):
    """Return a handler of the case's department."""
    return (
        get_user_model()
        .objects.filter(department_id=case.department_id, groups__name="handler")
        .first()
    )

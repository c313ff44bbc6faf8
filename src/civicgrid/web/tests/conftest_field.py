"""Fixtures of the field consoles (department worklist, inspector app): the demo city and cases.

Like ``cases/tests/conftest.py``, the demo city (without sample cases) is built once per test
module inside an outer transaction rolled back at the end of the module; each test runs in its
own savepoint on top. Cases are driven to the wanted state through the real services, so the
pages see exactly what production would. Modules import the fixtures they use by name.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

PASSWORD = "pw12345"
#: A point inside the west district (130391) and one inside the east district (130392).
WEST = (119.590, 39.935)
EAST = (119.610, 39.935)


def jpeg_bytes(color=(200, 30, 30), size=(32, 24)) -> bytes:
    """Return a small, valid JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=70)
    return out.getvalue()


def upload(name="photo.jpg"):
    """Return an uploaded JPEG for multipart posts."""
    return SimpleUploadedFile(name, jpeg_bytes(), "image/jpeg")


@dataclass
class FieldCity:
    """What the tests need to know about the demo city."""

    users: dict[str, int]
    departments: dict[str, int]

    def user(self, username: str):
        """Return a fresh instance of a demo user (so the role cache is fresh)."""
        return get_user_model().objects.get(pk=self.users[username])

    def department(self, code: str) -> int:
        return self.departments[code]


def build_field_city() -> FieldCity:
    """Build the demo city without cases; return its users and departments."""
    from civicgrid.demo.city import build_demo_city
    from civicgrid.org.models import Department

    build_demo_city(PASSWORD, with_cases=False)
    return FieldCity(
        users=dict(get_user_model().objects.values_list("username", "pk")),
        departments=dict(Department.objects.values_list("code", "pk")),
    )


@pytest.fixture(scope="module")
def field_city(django_db_setup, django_db_blocker):
    """Build the demo city once per module; roll it back at the end of the module."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_field_city()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def fcity(field_city, db, settings, tmp_path):
    """The demo city with database access for the test; photos stored under tmp."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return field_city


def make_case(city: FieldCity, state: str, *, point=WEST, department="SZGY", verifier=None):
    """Drive a new inspector report to ``state`` through the services; return the case.

    ``state`` is one of reported, dispatched, resolved, rework (dispatched again after a
    failed check) or checked.
    """
    from civicgrid.cases.models import Case
    from civicgrid.cases.services import ReportInput, act, submit_report
    from civicgrid.cases.services.photos import check_uploads, store_photo
    from civicgrid.categories.models import FilingCondition

    inspector = city.user("inspector2" if point == EAST else "inspector")
    result = submit_report(
        ReportInput(
            channel="inspector",
            lon=point[0],
            lat=point[1],
            description="井盖破损，存在安全隐患",
            idempotency_key="",
        ),
        actor=inspector,
    )
    case = result.case
    operator = city.user("operator")
    if verifier:
        act(case.pk, "request_verification", operator, inspector=city.users[verifier])
    if state == "reported":
        return Case.objects.get(pk=case.pk)
    condition = (
        FilingCondition.objects.filter(active=True, category__active=True)
        .select_related("category")
        .order_by("category__kind", "category__code", "position")
        .first()
    )
    act(case.pk, "file", operator, category=condition.category_id, filing_condition=condition.pk)
    act(case.pk, "dispatch", city.user("dispatcher"), department=city.department(department))
    if state == "dispatched":
        return Case.objects.get(pk=case.pk)
    handler = city.user("handler")
    handler.department_id = city.department(department)

    def resolve():
        photo = store_photo(check_uploads([upload()])[0], "after", handler)
        act(case.pk, "resolve", handler, photos=[photo.pk], note="已处置")

    resolve()
    if state == "resolved":
        return Case.objects.get(pk=case.pk)
    act(case.pk, "check", inspector, passed=state != "rework")
    return Case.objects.get(pk=case.pk)

"""Role groups, departments and the department list."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from civicgrid.org.choices import RoleName
from civicgrid.org.roles import EDIT_REFERENCE, VIEW_REFERENCE, ensure_role_groups
from civicgrid.testing.factories import (
    CategoryFactory,
    DepartmentFactory,
    UserFactory,
    build_city,
)

pytestmark = pytest.mark.django_db


def permissions_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_every_role_group_exists_after_migrate():
    """``migrate`` (post_migrate) creates one group per role."""
    assert set(RoleName.values) <= set(Group.objects.values_list("name", flat=True))


def test_role_groups_carry_their_permissions():
    """Staff roles may view reference data; only the admin role may edit it."""
    for role in RoleName.values:
        if role == RoleName.ADMIN:
            continue
        assert permissions_of(role) == set(VIEW_REFERENCE), role
    assert permissions_of(RoleName.ADMIN) == set(EDIT_REFERENCE)
    assert "places.add_gridcell" in permissions_of(RoleName.ADMIN)
    assert "places.add_gridcell" not in permissions_of(RoleName.INSPECTOR)


def test_role_groups_are_refreshed_idempotently():
    """Running the role set-up again restores stripped permissions and adds no groups."""
    Group.objects.get(name=RoleName.INSPECTOR).permissions.clear()
    groups = Group.objects.count()
    ensure_role_groups()
    ensure_role_groups()
    assert Group.objects.count() == groups
    assert permissions_of(RoleName.INSPECTOR) == set(VIEW_REFERENCE)


def test_user_roles_come_from_role_groups_only():
    """A user's roles are the role groups they belong to; other groups are ignored."""
    user = UserFactory(roles=["inspector", "not-a-role"])
    assert user.roles == frozenset({"inspector"})
    assert user.has_role("inspector") is True
    assert user.has_role("dispatcher") is False


def test_user_permissions_follow_the_role():
    """An admin-role user may change grid cells; an inspector may only view them."""
    admin = UserFactory(roles=["admin"])
    inspector = UserFactory(roles=["inspector"])
    assert admin.has_perm("places.change_gridcell") is True
    assert inspector.has_perm("places.view_gridcell") is True
    assert inspector.has_perm("places.change_gridcell") is False


def test_one_default_department_per_district():
    """A district has at most one default department; city-level and other districts are free."""
    city = build_city(rows=1, cols=1, districts=2)
    first, second = city.districts
    DepartmentFactory(code="D1-CG", district=first, is_district_default=True)
    DepartmentFactory(code="D1-JB", district=first)
    DepartmentFactory(code="D2-CG", district=second, is_district_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        DepartmentFactory(code="D1-CG2", district=first, is_district_default=True)


def test_department_list_shows_active_departments_with_categories(client, staff_headers):
    """The list shows active departments with their district and category codes."""
    city = build_city(rows=1, cols=1)
    cover = CategoryFactory(code="01001")
    DepartmentFactory(code="GSZX", name="供水总公司", categories=[cover])
    DepartmentFactory(code="130391-CG", district=city.districts[0], is_district_default=True)
    DepartmentFactory(code="OLD", active=False)
    response = client.get("/api/v1/departments", headers=staff_headers)
    assert response.status_code == 200
    body = {d["code"]: d for d in response.json()}
    assert list(body) == ["130391-CG", "GSZX"]
    assert body["GSZX"]["district_code"] is None
    assert body["GSZX"]["category_codes"] == ["asset:01001"]
    assert body["GSZX"]["name"] == "供水总公司"
    assert body["130391-CG"]["district_code"] == "130391"
    assert body["130391-CG"]["is_district_default"] is True

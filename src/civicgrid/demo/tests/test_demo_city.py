"""The demo city: size, valid codes and idempotence.

The full city takes seconds to build, so it is built in one test only (twice,
to show that a second run changes nothing).
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from civicgrid.assets.models import Asset
from civicgrid.cases.services.staffing import has_active_handler
from civicgrid.categories.models import Category, FilingCondition
from civicgrid.core.codes import parse_asset_code, validate_code
from civicgrid.demo.city import DEMO_GROUP, DEMO_USERS, build_demo_city, foreign_users
from civicgrid.org.choices import RoleName
from civicgrid.org.models import Department
from civicgrid.places.models import (
    Community,
    District,
    GridCell,
    PatrolZone,
    ResponsibilityZone,
    Street,
)
from civicgrid.places.services import locate
from civicgrid.testing.factories import UserFactory


def snapshot() -> dict[str, int]:
    return {
        "districts": District.objects.count(),
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "cells": GridCell.objects.count(),
        "categories": Category.objects.count(),
        "conditions": FilingCondition.objects.count(),
        "departments": Department.objects.count(),
        "assets": Asset.objects.count(),
        "users": get_user_model().objects.count(),
        "responsibility_zones": ResponsibilityZone.objects.count(),
        "patrol_zones": PatrolZone.objects.count(),
    }


@pytest.mark.django_db
def test_demo_city_is_complete_valid_and_idempotent():
    """Building the demo twice gives the same full city, with codes that nest correctly."""
    first = build_demo_city("demo-pass-123")
    counts = snapshot()
    accounts = set(
        get_user_model().objects.values_list(
            "username", "password", "department_id", "district_id", "is_active"
        )
    )
    # A demo user who changed their password keeps it on the next run.
    leader = get_user_model().objects.get(username="leader")
    leader.set_password("changed-by-leader")
    leader.save()
    second = build_demo_city("demo-pass-123")
    assert snapshot() == counts
    changed = (
        set(
            get_user_model().objects.values_list(
                "username", "password", "department_id", "district_id", "is_active"
            )
        )
        - accounts
    )
    assert {row[0] for row in changed} == {"leader"}
    assert (second["cells"], second["departments"], second["assets"]) == (
        first["cells"],
        first["departments"],
        first["assets"],
    )
    assert second["categories"].categories_created == 0
    assert first["new_users"] == [spec.username for spec in DEMO_USERS]
    assert second["new_users"] == []
    assert foreign_users() == []

    assert counts["districts"] == 2
    assert counts["streets"] >= 6
    assert counts["communities"] >= 20
    assert counts["cells"] >= 1_500
    assert counts["departments"] >= 10
    assert counts["assets"] >= 5_000
    assert counts["responsibility_zones"] >= 8
    assert counts["patrol_zones"] >= 6

    for street in Street.objects.select_related("district"):
        validate_code("street", street.code, street.district.code)
    for community in Community.objects.select_related("street"):
        validate_code("community", community.code, community.street.code)
    rows = GridCell.objects.values_list(
        "code", "community__code", "street__code", "district__code"
    )
    for code, community, street, district in rows:
        assert validate_code("grid", code, community) == code
        assert community.startswith(street) and street.startswith(district)

    # Every asset code carries its class and its district; every asset lies in a cell.
    assets = Asset.objects.values_list("code", "category__code", "grid_cell__district__code")
    for code, category, district in assets:
        parsed = parse_asset_code(code)
        assert parsed.category_code == category
        assert parsed.division == district
    assert not Asset.objects.filter(grid_cell=None).exists()

    # One login per role, each in its role group, all with the given password.
    User = get_user_model()
    for role in RoleName.values:
        assert User.objects.filter(groups__name=role).exists(), role
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.roles == frozenset({str(spec.role)})
        assert user.groups.filter(name=DEMO_GROUP).exists()
        assert user.check_password(
            "changed-by-leader" if spec.username == "leader" else "demo-pass-123"
        )
    # Every department (any of them routing may suggest) has a handler login, named by rule.
    for department in Department.objects.filter(active=True):
        handler = User.objects.get(username=f"handler-{department.code.lower()}")
        assert handler.department_id == department.pk
        assert handler.roles == frozenset({RoleName.HANDLER})
        assert has_active_handler(department), department.code
    assert Department.objects.count() == 20

    # Each district has its default department.
    for district in District.objects.all():
        assert district.departments.filter(is_district_default=True).count() == 1

    # The city is usable: its centre locates, in the first district's street.
    where = locate(119.599, 39.935)
    assert where.district.code == "130391"


def test_demo_command_refuses_a_short_password():
    """``civicgrid demo --password`` must be at least 6 characters (checked before migrating)."""
    with pytest.raises(CommandError, match="at least 6 characters"):
        call_command("demo", password="12345")


@pytest.mark.django_db
def test_demo_command_refuses_a_database_with_other_accounts():
    """A real city's accounts stop ``civicgrid demo`` before it migrates or loads anything."""
    UserFactory(username="zhang.san")
    with pytest.raises(CommandError) as raised:
        call_command("demo")
    message = str(raised.value)
    assert "zhang.san" in message and "--force" in message
    assert "并非由演示程序创建" in message  # Chinese first
    assert not District.objects.exists()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_demo_command_force_loads_beside_other_accounts(monkeypatch):
    """``--force`` loads the demo anyway, and says so."""
    import io

    from civicgrid.demo import city
    from civicgrid.demo.management.commands import demo

    calls = []
    monkeypatch.setattr(demo, "call_command", lambda *args, **kwargs: calls.append(args))

    def fake_build(password, with_cases=True):
        calls.append(("build", password))
        return {
            "categories": type("Report", (), {"conditions": 0, "row_errors": []})(),
            "cells": 0,
            "departments": 0,
            "assets": 0,
            "sample_cases": 0,
            "users": DEMO_USERS,
            "new_users": [],
        }

    monkeypatch.setattr(city, "build_demo_city", fake_build)
    UserFactory(username="zhang.san")
    err = io.StringIO()
    call_command("demo", force=True, stdout=io.StringIO(), stderr=err)
    assert calls == [("migrate",), ("build", "civicgrid-demo")]
    assert "--force" in err.getvalue()


@pytest.mark.django_db
def test_foreign_users_tells_demo_accounts_from_real_ones():
    """Demo accounts carry the marker group (or, from older demos, the demo display name)."""
    marker = Group.objects.create(name=DEMO_GROUP)
    UserFactory(username="operator", display_name="受理员 王芳")  # an older demo's account
    UserFactory(username="leader", display_name="市领导").groups.add(marker)
    UserFactory(username="admin", display_name="")  # createsuperuser on a real site
    UserFactory(username="wang.wu", display_name="受理员 王芳").groups.add(marker)
    assert foreign_users() == ["admin", "wang.wu"]

"""Loading the category directory and the case standard; the public category list."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from civicgrid.categories.choices import LimitUnit
from civicgrid.categories.models import Category, FilingCondition
from civicgrid.categories.services import load_reference_categories
from civicgrid.testing.factories import CategoryFactory, FilingConditionFactory

pytestmark = pytest.mark.django_db

NATIONAL_CLASSES = 403  # GB/T 47678.5-2026: 153 部件 + 153 部件异常 + 97 other 事项


@pytest.fixture(scope="module")
def first_load(django_db_setup, django_db_blocker):
    """Load the reference data once for this module and return the first load's report.

    The load takes a second or two, so it is committed once and each test runs
    (and rolls back) on top of it; the module removes it again at the end.
    """
    with django_db_blocker.unblock():
        FilingCondition.objects.all().delete()
        Category.objects.all().delete()
        report = load_reference_categories()
    yield report
    with django_db_blocker.unblock():
        FilingCondition.objects.all().delete()
        Category.objects.all().delete()


def clear_categories():
    """Remove the module's reference data inside the current test's transaction."""
    FilingCondition.objects.all().delete()
    Category.objects.all().delete()


def table_counts():
    return (
        Category.objects.count(),
        Category.objects.filter(is_extension=True).count(),
        FilingCondition.objects.count(),
        FilingCondition.objects.filter(active=True).count(),
    )


def test_reference_load_gives_national_and_extension_classes(first_load):
    """The national directory loads whole, and unmatched municipal classes become extensions."""
    report = first_load
    national = Category.objects.filter(is_extension=False)
    extensions = Category.objects.filter(is_extension=True)
    assert national.count() == NATIONAL_CLASSES
    assert extensions.count() == len(report.extension_classes) > 0
    assert report.categories_created == NATIONAL_CLASSES + extensions.count()
    assert report.categories_updated == 0
    # Extension classes use the 2x major range so they never collide with national codes.
    assert all(20 <= int(code[:2]) < 40 for code in extensions.values_list("code", flat=True))
    assert all(c.legacy_code for c in extensions)
    assert set(national.values_list("kind", flat=True)) == {"asset", "incident"}
    assert Category.objects.filter(kind="asset", code="01001", name="供水井盖").exists()


def test_every_filing_condition_has_a_parsed_limit(first_load):
    """Every loaded filing condition carries a positive amount and a known unit."""
    report = first_load
    conditions = FilingCondition.objects.all()
    assert conditions.count() == report.conditions > 500
    units = set(LimitUnit.values)
    for condition in conditions:
        assert condition.limit_amount > 0, condition
        assert condition.limit_unit in units, condition
        assert condition.limit_text, condition
        assert condition.time_limit.amount == Decimal(condition.limit_amount)
    assert not Category.objects.filter(is_extension=True, filing_conditions=None).exists()


def test_the_repaired_yuncheng_row_is_reported(first_load):
    """The 运城 row whose time limit had to be repaired is named in the report, none dropped."""
    report = first_load
    assert report.row_errors == []
    assert len(report.repairs) == 1
    repair = report.repairs[0]
    assert "case_standard_yuncheng_incidents.csv line 29" in repair
    assert "'1紧急工作时制止' → '1紧急工作时'" in repair
    assert any(line.startswith("  repaired ") for line in report.lines())
    condition = FilingCondition.objects.get(source__endswith="line 29", category__kind="incident")
    assert (condition.limit_amount, condition.limit_unit) == (Decimal("1"), "urgent_hours")


def test_loading_twice_changes_nothing(first_load):
    """A second load updates in place: same classes, same conditions, none added."""
    first = table_counts()
    report = load_reference_categories()
    assert table_counts() == first
    assert report.categories_created == 0
    assert report.categories_updated == first[0]


def test_reload_restores_edited_conditions_and_deactivates_extras(first_load):
    """A reload rewrites a condition edited by hand and deactivates positions beyond the standard."""
    category = Category.objects.get(kind="asset", code="01001")
    condition = category.filing_conditions.get(position=1)
    original_text = condition.text
    condition.text = "手工改过"
    condition.save()
    extra = FilingConditionFactory(category=category, position=99)
    load_reference_categories()
    condition.refresh_from_db()
    extra.refresh_from_db()
    assert condition.text == original_text
    assert extra.active is False


def test_directory_only_load_has_no_conditions(first_load):
    """``with_standard=False`` loads the classes but no filing conditions."""
    clear_categories()
    report = load_reference_categories(with_standard=False)
    assert Category.objects.count() == NATIONAL_CLASSES
    assert report.conditions == 0
    assert not FilingCondition.objects.exists()


def test_load_categories_command_prints_the_report(first_load):
    """``load-categories`` prints the counts and the repaired row."""
    out = io.StringIO()
    call_command("load_categories", stdout=out)
    text = out.getvalue()
    assert f"categories: 0 created, {Category.objects.count()} updated" in text
    assert f"filing conditions: {first_load.conditions}" in text
    assert "repaired case_standard_yuncheng_incidents.csv line 29" in text


# -- API -----------------------------------------------------------------------


def test_category_list_is_public_and_complete(client, first_load):
    """``GET /api/v1/categories`` needs no login and lists every active class."""
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == Category.objects.count()
    cover = next(c for c in body if c["kind"] == "asset" and c["code"] == "01001")
    assert cover["name"] == "供水井盖"
    assert cover["major_code"] == "01"
    assert cover["is_extension"] is False
    positions = [c["position"] for c in cover["filing_conditions"]]
    assert positions == sorted(positions) and positions
    first = cover["filing_conditions"][0]
    assert set(first) == {
        "id",
        "position",
        "text",
        "closing_condition",
        "limit_amount",
        "limit_unit",
        "limit_text",
        "limit_label",
    }


def test_category_list_filters_by_kind(client, first_load):
    """``?kind=asset`` lists only asset classes; ``?kind=incident`` only incidents."""
    assets = client.get("/api/v1/categories", {"kind": "asset"}).json()
    incidents = client.get("/api/v1/categories", {"kind": "incident"}).json()
    assert {c["kind"] for c in assets} == {"asset"}
    assert {c["kind"] for c in incidents} == {"incident"}
    assert len(assets) + len(incidents) == Category.objects.count()


def test_category_list_hides_inactive_classes_and_conditions(client, first_load):
    """Inactive classes and inactive conditions are left out of the list."""
    clear_categories()
    shown = CategoryFactory(code="90001")
    CategoryFactory(code="90002", active=False)
    FilingConditionFactory(category=shown, position=1, text="有效")
    FilingConditionFactory(category=shown, position=2, text="停用", active=False)
    body = client.get("/api/v1/categories").json()
    assert [c["code"] for c in body] == ["90001"]
    assert [c["text"] for c in body[0]["filing_conditions"]] == ["有效"]

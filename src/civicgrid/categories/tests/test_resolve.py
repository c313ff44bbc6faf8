"""Naming a category in API requests: id, kind:code or a bare 5-digit code."""

import pytest

from civicgrid.categories.services import UnknownCategory, resolve_category
from civicgrid.testing.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp_classes():
    asset = CategoryFactory(kind="asset", code="01037", major_code="01", name="路灯")
    incident = CategoryFactory(kind="incident", code="01037", major_code="01", name="路灯异常")
    return asset, incident


def test_every_form_names_the_same_class(lamp_classes):
    """An id (number or text), kind:code and the bare code all resolve."""
    asset, incident = lamp_classes
    assert resolve_category(asset.pk) == asset
    assert resolve_category(str(incident.pk)) == incident
    assert resolve_category("incident:01037") == incident
    assert resolve_category("asset:01037") == asset


def test_bare_five_digit_code_is_a_code_not_an_id(lamp_classes):
    """ "01037" is the street-lamp class (the asset one), never category id 1037."""
    asset, _incident = lamp_classes
    assert resolve_category("01037") == asset


@pytest.mark.parametrize("value", ["", "asset:99999", "lamp", True, "999999999"])
def test_unknown_references_are_refused(lamp_classes, value):
    """Anything that names no active category raises UnknownCategory."""
    with pytest.raises(UnknownCategory):
        resolve_category(value)


def test_inactive_classes_are_not_resolved(lamp_classes):
    """A deactivated class can no longer be chosen."""
    asset, _incident = lamp_classes
    asset.active = False
    asset.save()
    with pytest.raises(UnknownCategory):
        resolve_category("asset:01037")


def test_a_stale_lookup_never_refuses_a_real_category(lamp_classes):
    """A class added behind this process's back (no signal) is found in the database."""
    from civicgrid.categories.models import Category
    from civicgrid.categories.services import CATEGORY_LOOKUP

    CATEGORY_LOOKUP.get()  # built now, not rechecked for a few seconds
    template = Category.objects.first()
    Category.objects.bulk_create(  # bulk: no post_save signal invalidates the lookup
        [Category(kind=template.kind, major_code=template.major_code, code="99998", name="新增小类",
                  major_name=template.major_name)]
    )  # fmt: skip
    assert resolve_category("99998").name == "新增小类"


def test_a_five_digit_id_sent_as_text_names_its_class_when_no_code_matches(lamp_classes):
    """Forms send ids as text; once ids reach five digits they must still resolve."""
    from civicgrid.categories.models import Category

    template = Category.objects.first()
    big = Category.objects.create(
        pk=54321, kind=template.kind, major_code=template.major_code, code="99997",
        name="五位编号", major_name=template.major_name,
    )  # fmt: skip
    assert resolve_category("54321") == big
    assert resolve_category(54321) == big

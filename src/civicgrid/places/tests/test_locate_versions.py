"""Renames of districts, streets and communities reach the locate index of every process."""

import pytest
from django.utils import timezone

from civicgrid.common.cache import bump_version
from civicgrid.places.models import Community, District, Street
from civicgrid.places.services import locate, locating

pytestmark = pytest.mark.django_db


def located(city):
    return locate(*city.center(city.cell(0, 0)))


@pytest.mark.parametrize(("model", "field"), [(Community, "community"), (Street, "street"),
                                              (District, "district")])  # fmt: skip
def test_a_rename_elsewhere_shows_after_the_recheck(city, model, field):
    """A rename saved by another process (new name, new ``updated_at``) shows at the recheck.

    Only the rows change, as another process's ``save()`` writes them; this
    process's index object is not invalidated, only its recheck interval passes.
    """
    place = getattr(located(city), field)
    model.objects.filter(pk=place.id).update(name="新名字", updated_at=timezone.now())
    locating.GRID_INDEX.recheck()
    assert getattr(located(city), field).name == "新名字"


def test_a_version_bump_elsewhere_rebuilds_the_index(city):
    """A rename that leaves no trace in the rows' fingerprint shows once the version moves."""
    community = located(city).community
    Community.objects.filter(pk=community.id).update(name="新社区")  # no updated_at, no signal
    locating.GRID_INDEX.recheck()
    assert located(city).community.name == community.name  # invisible to the fingerprint
    bump_version(locating.VERSION_KEY)  # what the other process's signal does
    locating.GRID_INDEX.recheck()
    assert located(city).community.name == "新社区"


def test_a_rename_here_shows_at_once(city):
    """Saving a rename in this process rebuilds the index without waiting."""
    community = Community.objects.get(pk=located(city).community.id)
    community.name = "本进程改名"
    community.save()
    assert located(city).community.name == "本进程改名"

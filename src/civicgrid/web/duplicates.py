"""The suspected original beside a proposed duplicate: what the operator compares.

A report proposed at intake as a duplicate (``Report.duplicate_state`` =
proposed) is shown next to the case it may repeat: description, time,
channel, photos and both points on a small map with the distance between
them, with the two decisions (``merge_report`` / ``reject_duplicate``). Only
originals the viewer may see (``visible_cases``) are shown.
"""

from dataclasses import dataclass

from civicgrid.cases.choices import DuplicateState
from civicgrid.cases.models import Case, Photo, Report
from civicgrid.cases.services.access import visible_cases
from civicgrid.core.spatial import haversine_m
from civicgrid.org.choices import RoleName
from civicgrid.web.maps import display_point

#: The roles that decide a proposed duplicate (as ``merge_report`` checks).
DECIDERS = frozenset({RoleName.OPERATOR, RoleName.SHIFT_LEAD})


@dataclass
class DuplicatePair:
    """A proposed-duplicate report of a case and the suspected original case."""

    report: Report
    original: Case
    original_photos: list
    distance_m: int
    #: Both points in the tiles' system, for the small map.
    here: tuple[float, float]
    there: tuple[float, float]


def duplicate_pairs(user, reports) -> list[DuplicatePair]:
    """Return the proposed duplicates among ``reports`` with their visible originals.

    ``reports`` are a case's reports with their photos (as ``case_queryset``
    prefetches them); nothing is asked of the database unless one of them is
    a proposed duplicate.
    """
    proposed = [
        r for r in reports if r.duplicate_state == DuplicateState.PROPOSED and r.duplicate_of_id
    ]
    if not proposed:
        return []
    originals = {
        case.pk: case
        for case in visible_cases(user)
        .filter(pk__in={r.duplicate_of_id for r in proposed})
        .only("id", "code", "state", "description", "created_at", "origin_channel", "lon", "lat")
    }
    photos: dict[int, list] = {}
    for photo in Photo.objects.filter(case_id__in=list(originals), kind="report").order_by(
        "case_id", "created_at", "id"
    ):
        photos.setdefault(photo.case_id, []).append(photo)
    pairs = []
    for report in proposed:
        original = originals.get(report.duplicate_of_id)
        if original is None:
            continue
        pairs.append(
            DuplicatePair(
                report=report,
                original=original,
                original_photos=photos.get(original.pk, [])[:4],
                distance_m=round(
                    float(haversine_m(report.lon, report.lat, original.lon, original.lat))
                ),
                here=display_point(report.lon, report.lat),
                there=display_point(original.lon, original.lat),
            )
        )
    return pairs


def may_decide(user) -> bool:
    """Return whether ``user`` may merge or keep apart a proposed duplicate."""
    return bool(getattr(user, "roles", frozenset()) & DECIDERS)

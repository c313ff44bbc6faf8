"""Operations of the places app that other apps may call."""

from civicgrid.places.services.importing import (
    FeatureError,
    ImportRefused,
    ImportResult,
    import_places,
)
from civicgrid.places.services.locating import (
    Location,
    OutsideCity,
    cell_index,
    invalidate_cell_index,
    locate,
    locate_many,
)

__all__ = [
    "FeatureError",
    "ImportRefused",
    "ImportResult",
    "Location",
    "OutsideCity",
    "cell_index",
    "import_places",
    "invalidate_cell_index",
    "locate",
    "locate_many",
]

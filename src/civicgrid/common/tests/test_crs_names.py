"""Coordinate system names are defined once, in ``core.coords``.

A misspelt ``"gcj-02"`` in one module would silently skip a conversion and put
points hundreds of metres off; so application code refers to the constants
(``WGS84``, ``GCJ02``, ``BD09``, ``CGCS2000``) and this test finds any string
literal that spells one of them elsewhere. Tests and migrations may spell them.
"""

import io
import tokenize
from pathlib import Path

from civicgrid.core import coords
from civicgrid.places.choices import Crs

PACKAGE = Path(coords.__file__).resolve().parents[1]
NAMES = {"wgs84", "gcj02", "bd09", "cgcs2000"}


def literal_names(source: str) -> list[tuple[int, str]]:
    """Return (line, text) of each string literal in ``source`` that is a CRS name."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING:
            continue
        text = token.string.strip("'\"")
        if text in NAMES:
            found.append((token.start[0], token.string))
    return found


def application_modules():
    """Yield the package's modules other than tests, migrations and ``core/coords.py``."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or parts == ("core", "coords.py"):
            continue
        yield path


def test_crs_names_are_spelt_only_in_core_coords():
    """No application module spells a coordinate system name as a string literal."""
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {text}"
        for path in application_modules()
        for line, text in literal_names(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use the constants of civicgrid.core.coords:\n" + "\n".join(offenders)


def test_the_scan_finds_a_literal():
    """The scan sees a CRS name in a string literal, not in a name or a comment."""
    source = 'crs = "gcj02"\nWGS84 = coords.WGS84  # "wgs84" in a comment\n'
    assert literal_names(source) == [(1, '"gcj02"')]


def test_choices_and_api_schemas_offer_exactly_the_known_systems():
    """The model choices and the API's enum list the systems ``core.coords`` converts."""
    from typing import get_args

    assert tuple(Crs.values) == coords.CRS_VALUES
    assert get_args(coords.CrsName) == coords.CRS_VALUES
    assert set(coords.CRS_VALUES) >= coords.SAME_AS_WGS84

"""Structure and validation of place codes and asset codes.

Place codes nest: a street code starts with its district's code, a community code with its
street's, a grid cell code with its community's. Checking that nesting at the edges catches the
most common census error (a cell filed under the wrong community) before it reaches the database.

Code layouts (see the project's standards notes, sections 2.1 and 3.1):

* district: 6 digits, GB/T 2260 division code (district level or above);
* street: 9 digits = district 6 + 3 (GB/T 10114);
* community: 12 digits = street 9 + 3;
* grid cell: 15 digits = community 12 + 3 sequence (GB/T 30428.1), or 14 digits = community
  12 + 2 sequence (the older CJ/T 213 layout, still deployed);
* asset: 16 digits = division 6 + major 2 + minor 2 + sequence 6 (CJ/T 214 / GB/T 30428.2), or
  17 digits = division 6 + major 2 + minor 3 + sequence 6 (GB/T 47678.5-2026).

The checks are structural only: they do not look codes up in a division register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = [
    "AssetCode",
    "CodeError",
    "GridCode",
    "Level",
    "check_asset_category",
    "normalize_category_code",
    "normalize_code",
    "parent_code",
    "parse_asset_code",
    "parse_grid_code",
    "validate_code",
]


def gettext_noop(message: str) -> str:
    """Return ``message`` unchanged; marks it for translation tools (no Django here)."""
    return message


class CodeError(ValueError):
    """Say what is wrong with a place, asset or category code.

    ``message`` is an English template with ``%(name)s`` placeholders and
    ``params`` its values, so the Django layer can translate the template;
    ``str()`` is the English sentence. ``what`` and ``part`` values are the
    words of :data:`CODE_WORDS`.
    """

    def __init__(self, message: str, **params):
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


# The kinds of code and code parts that CodeError messages name, for translators.
CODE_WORDS = (
    gettext_noop("district"),
    gettext_noop("street"),
    gettext_noop("community"),
    gettext_noop("grid"),
    gettext_noop("asset"),
    gettext_noop("category"),
    gettext_noop("sequence"),
    gettext_noop("major class"),
    gettext_noop("minor class"),
)


class Level(StrEnum):
    """Name the levels of the place hierarchy, from largest to smallest."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


GridForm = Literal["gbt30428", "cjt213"]
AssetForm = Literal["cjt214", "gbt47678"]

# Lengths of the place codes; the grid level has two accepted lengths.
_LENGTHS: dict[Level, tuple[int, ...]] = {
    Level.DISTRICT: (6,),
    Level.STREET: (9,),
    Level.COMMUNITY: (12,),
    Level.GRID: (15, 14),
}
_PARENT: dict[Level, Level] = {
    Level.STREET: Level.DISTRICT,
    Level.COMMUNITY: Level.STREET,
    Level.GRID: Level.COMMUNITY,
}
_GRID_FORMS: dict[int, GridForm] = {15: "gbt30428", 14: "cjt213"}
_ASSET_FORMS: dict[int, AssetForm] = {16: "cjt214", 17: "gbt47678"}

# GB/T 2260 province codes run from 11 (Beijing) to 82 (Macao).
_PROVINCE_MIN, _PROVINCE_MAX = 11, 82
_DIGITS = re.compile(r"[0-9]+")
_WHITESPACE = re.compile(r"\s+")
# Codes are often pasted from office documents that use full-width digits.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def normalize_code(code: str) -> str:
    """Return the code without whitespace and with ASCII digits.

    Codes arrive from spreadsheets and forms with stray spaces and full-width digits; both are
    typing noise, not part of the code.
    """
    if not isinstance(code, str):
        raise CodeError(
            gettext_noop("a code must be text, not %(type)s"), type=type(code).__name__
        )
    return _WHITESPACE.sub("", code).translate(_FULL_WIDTH_DIGITS)


def _as_level(level: Level | str) -> Level:
    try:
        return Level(level)
    except ValueError:
        names = ", ".join(item.value for item in Level)
        raise CodeError(
            gettext_noop("unknown level %(level)s; expected one of %(names)s"),
            level=repr(level),
            names=names,
        ) from None


def _require_digits(what: str, code: str, lengths: tuple[int, ...]) -> None:
    wanted = " or ".join(str(n) for n in lengths)
    if not code:
        raise CodeError(
            gettext_noop("%(what)s code is empty; expected %(wanted)s digits"),
            what=what,
            wanted=wanted,
        )
    if not _DIGITS.fullmatch(code):
        raise CodeError(
            gettext_noop("%(what)s code %(code)s must contain only digits 0-9"),
            what=what,
            code=repr(code),
        )
    if len(code) not in lengths:
        raise CodeError(
            gettext_noop("%(what)s code %(code)s has %(length)s digits; expected %(wanted)s"),
            what=what,
            code=code,
            length=len(code),
            wanted=wanted,
        )


def _check_division(what: str, division: str) -> None:
    province = int(division[:2])
    if not _PROVINCE_MIN <= province <= _PROVINCE_MAX:
        raise CodeError(
            gettext_noop(
                "%(what)s code %(code)s: province part %(province)s is not a GB/T 2260 "
                "province code (%(min)s-%(max)s)"
            ),
            what=what,
            code=division,
            province=division[:2],
            min=_PROVINCE_MIN,
            max=_PROVINCE_MAX,
        )


def _check_not_zero(what: str, code: str, part_name: str, part: str) -> None:
    # An all-zero part means "the parent itself" in division registers, never a child.
    if set(part) == {"0"}:
        raise CodeError(
            gettext_noop("%(what)s code %(code)s: %(part)s part %(value)s must not be all zeros"),
            what=what,
            code=code,
            part=part_name,
            value=part,
        )


def _check_structure(level: Level, code: str) -> None:
    what = level.value
    _require_digits(what, code, _LENGTHS[level])
    _check_division(what, code[:6])
    if level is Level.DISTRICT:
        return
    _check_not_zero(what, code, "street", code[6:9])
    if level is Level.STREET:
        return
    _check_not_zero(what, code, "community", code[9:12])
    if level is Level.GRID:
        _check_not_zero(what, code, "sequence", code[12:])


def parent_code(level: Level | str, code: str) -> str:
    """Return the code of the place one level up, taken from the code's own prefix.

    A district has no parent in this scheme, so asking for one is an error.
    """
    level = _as_level(level)
    if level is Level.DISTRICT:
        raise CodeError(gettext_noop("a district code has no parent code in the place hierarchy"))
    code = normalize_code(code)
    _check_structure(level, code)
    return code[: _LENGTHS[_PARENT[level]][0]]


def validate_code(level: Level | str, code: str, parent_code: str | None = None) -> str:
    """Check a place code's structure and, if given, its parent; return the normalized code.

    The parent is the code one level up (district for a street, street for a community,
    community for a grid cell). It must be a valid code of that level and a prefix of ``code``.
    """
    level = _as_level(level)
    code = normalize_code(code)
    _check_structure(level, code)
    if parent_code is None:
        return code
    if level is Level.DISTRICT:
        raise CodeError(gettext_noop("a district code has no parent code to check against"))
    parent_level = _PARENT[level]
    parent = normalize_code(parent_code)
    _check_structure(parent_level, parent)
    if not code.startswith(parent):
        raise CodeError(
            gettext_noop(
                "%(what)s code %(code)s does not start with its %(parent)s's code %(value)s"
            ),
            what=level.value,
            code=code,
            parent=parent_level.value,
            value=parent,
        )
    return code


@dataclass(frozen=True)
class GridCode:
    """Hold a parsed grid cell code; district, street and community are full codes."""

    district: str
    street: str
    community: str
    sequence: str
    form: GridForm

    @property
    def code(self) -> str:
        """Return the full grid cell code."""
        return self.community + self.sequence

    def __str__(self) -> str:
        return self.code


def parse_grid_code(code: str) -> GridCode:
    """Split a 15-digit (GB/T 30428.1) or 14-digit (CJ/T 213) grid cell code into its parts."""
    code = validate_code(Level.GRID, code)
    return GridCode(
        district=code[:6],
        street=code[:9],
        community=code[:12],
        sequence=code[12:],
        form=_GRID_FORMS[len(code)],
    )


@dataclass(frozen=True)
class AssetCode:
    """Hold a parsed asset code; ``minor`` keeps the width of its form (2 or 3 digits)."""

    division: str
    major: str
    minor: str
    sequence: str
    form: AssetForm

    @property
    def category_code(self) -> str:
        """Return the 5-digit GB/T 47678.5 category code (major + 3-digit minor).

        CJ/T 214 minors have 2 digits; the 2020s municipal tables show they kept their numbers
        in the 3-digit space, so zero-padding maps 01+01 onto 01001.
        """
        return self.major + self.minor.zfill(3)

    @property
    def code(self) -> str:
        """Return the full asset code."""
        return self.division + self.major + self.minor + self.sequence

    def __str__(self) -> str:
        return self.code


def parse_asset_code(code: str) -> AssetCode:
    """Split a 16-digit (CJ/T 214) or 17-digit (GB/T 47678.5-2026) asset code into its parts."""
    code = normalize_code(code)
    _require_digits("asset", code, tuple(_ASSET_FORMS))
    _check_division("asset", code[:6])
    minor_end = len(code) - 6
    major, minor, sequence = code[6:8], code[8:minor_end], code[minor_end:]
    _check_not_zero("asset", code, "major class", major)
    _check_not_zero("asset", code, "minor class", minor)
    _check_not_zero("asset", code, "sequence", sequence)
    return AssetCode(
        division=code[:6],
        major=major,
        minor=minor,
        sequence=sequence,
        form=_ASSET_FORMS[len(code)],
    )


def normalize_category_code(category_code: str) -> str:
    """Return a category code in the 5-digit GB/T 47678.5 form.

    Accept the older 4-digit form (2 major + 2 minor) too, because the census data and the
    municipal standards still use it.
    """
    code = normalize_code(category_code)
    _require_digits("category", code, (5, 4))
    major, minor = code[:2], code[2:]
    _check_not_zero("category", code, "major class", major)
    _check_not_zero("category", code, "minor class", minor)
    return major + minor.zfill(3)


def check_asset_category(code: str, category_code: str) -> AssetCode:
    """Confirm that an asset code carries the given category; return the parsed code.

    An asset filed under one category but coded with another would be dispatched by the wrong
    rules, so a mismatch is an error rather than a warning.
    """
    asset = parse_asset_code(code)
    expected = normalize_category_code(category_code)
    if asset.category_code != expected:
        raise CodeError(
            gettext_noop("asset code %(code)s carries category %(category)s, not %(expected)s"),
            code=asset.code,
            category=asset.category_code,
            expected=expected,
        )
    return asset

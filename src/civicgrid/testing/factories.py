"""Factories and small-city builders shared by the tests of every app.

Places are never made by factories: :func:`build_city` writes a tiny city
through the real :func:`civicgrid.places.services.import_places`, so tests
see exactly what a real import produces (normalized codes, bbox columns,
refreshed grid index). Everything else (departments, users with roles,
categories, filing conditions, assets, API keys) has a factory-boy factory.

The city layout is plain arithmetic so that tests can aim at borders and
vertices exactly:

* district ``d`` (0-based) has code ``13039{d + 1}``, one street
  (``…001``) and one community (``…001001``);
* each district is a block of ``rows × cols`` square cells of
  :data:`CELL_DEG` degrees; district blocks sit side by side, west to east,
  starting at the north-west corner :data:`ORIGIN`;
* cell sequence numbers run west to east, then north to south (GB/T
  30428.1 order), so in a 2 × 2 district ``…001`` is the north-west cell,
  ``…002`` north-east, ``…003`` south-west and ``…004`` south-east.

Typical use::

    from civicgrid.testing.factories import UserFactory, build_city

    city = build_city()                      # 1 district, 2 × 2 cells
    lon, lat = city.center(city.cells[0])    # a point inside the first cell
    dispatcher = UserFactory(roles=["dispatcher"], district=city.districts[0])
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from civicgrid.assets.choices import AssetState
from civicgrid.assets.models import Asset
from civicgrid.categories.choices import CategoryKind, LimitUnit
from civicgrid.categories.models import Category, FilingCondition
from civicgrid.org.models import ApiKey, Department
from civicgrid.places.models import Community, District, GridCell, Street

__all__ = [
    "CELL_DEG",
    "DEFAULT_PASSWORD",
    "ORIGIN",
    "AssetFactory",
    "CategoryFactory",
    "City",
    "DepartmentFactory",
    "FilingConditionFactory",
    "UserFactory",
    "asset_csv",
    "bearer",
    "build_city",
    "city_layers",
    "district_code",
    "feature",
    "feature_collection",
    "geojson_file",
    "issue_api_key",
    "point_feature",
    "square",
]

#: North-west corner (WGS-84 lon, lat) of the first district's first cell.
ORIGIN = (119.600, 39.935)
#: Side of a cell in degrees (about 85 m east-west, 111 m north-south).
CELL_DEG = 0.001
#: Password of every user made by :class:`UserFactory` unless given.
DEFAULT_PASSWORD = "civicgrid-test-pw"


# -- GeoJSON building blocks ---------------------------------------------------


def _lon(column: int) -> float:
    """Return the longitude of the vertex column ``column`` (rounded as stored)."""
    return round(ORIGIN[0] + column * CELL_DEG, 7)


def _lat(row: int) -> float:
    """Return the latitude of the vertex row ``row`` (rounded as stored)."""
    return round(ORIGIN[1] - row * CELL_DEG, 7)


def square(west: float, south: float, east: float, north: float) -> dict:
    """Return a GeoJSON Polygon for the box, counter-clockwise, closed."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _block(row0: int, col0: int, row1: int, col1: int) -> dict:
    """Return the polygon covering vertex rows ``row0..row1`` and columns ``col0..col1``."""
    return square(_lon(col0), _lat(row1), _lon(col1), _lat(row0))


def feature(code: str, name: str | None, geometry: Mapping | None, **props) -> dict:
    """Return a GeoJSON Feature with ``code``, ``name`` and extra properties.

    ``name=None`` leaves the property out (to test a missing name).
    """
    properties = {"code": code, **props}
    if name is not None:
        properties["name"] = name
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def point_feature(lon: float, lat: float, **props) -> dict:
    """Return a GeoJSON Point Feature (the asset census format)."""
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def feature_collection(features: Iterable[Mapping]) -> dict:
    """Return a GeoJSON FeatureCollection of ``features``."""
    return {"type": "FeatureCollection", "features": list(features)}


def geojson_file(document: Mapping | Iterable[Mapping], name: str = "test.geojson") -> io.StringIO:
    """Return an in-memory file holding ``document`` (or a collection of features).

    Import services accept paths and file objects alike; ``name`` lets the
    asset import pick its reader by extension.
    """
    if not isinstance(document, Mapping):
        document = feature_collection(document)
    handle = io.StringIO(json.dumps(document, ensure_ascii=False))
    handle.name = name
    return handle


def asset_csv(rows: Iterable[Mapping], name: str = "assets.csv") -> io.StringIO:
    """Return an in-memory census CSV (header from the first row's keys)."""
    rows = list(rows)
    columns = list(rows[0]) if rows else ["code", "category", "name", "lon", "lat"]
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    handle.seek(0)
    handle.name = name
    return handle


# -- small cities --------------------------------------------------------------


def district_code(index: int) -> str:
    """Return the code of district ``index`` (0-based) of a test city."""
    return f"13039{index + 1}"


def city_layers(
    rows: int = 2, cols: int = 2, districts: int = 1, grid_digits: int = 15
) -> dict[str, list[dict]]:
    """Return the GeoJSON features of a test city, per ``import_places`` level.

    Use this instead of :func:`build_city` to tamper with a layer before
    importing it. ``grid_digits`` is 15 (GB/T 30428.1) or 14 (CJ/T 213).
    """
    if grid_digits not in (14, 15):
        raise ValueError("grid_digits must be 14 or 15")
    if not 1 <= districts <= 9 or rows * cols >= 10 ** (grid_digits - 12):
        raise ValueError("too many districts or cells for the code layout")
    layers: dict[str, list[dict]] = {"district": [], "street": [], "community": [], "grid": []}
    for d in range(districts):
        d_code = district_code(d)
        s_code = f"{d_code}001"
        m_code = f"{s_code}001"
        outline = _block(0, d * cols, rows, (d + 1) * cols)
        layers["district"].append(feature(d_code, f"测试{d + 1}区", outline))
        layers["street"].append(feature(s_code, f"测试{d + 1}区一街道", outline))
        layers["community"].append(feature(m_code, f"测试{d + 1}区一社区", outline))
        width = grid_digits - 12
        for r in range(rows):
            for c in range(cols):
                seq = r * cols + c + 1
                column = d * cols + c
                layers["grid"].append(
                    feature(
                        f"{m_code}{seq:0{width}d}",
                        f"测试{d + 1}区{seq}号网格",
                        _block(r, column, r + 1, column + 1),
                    )
                )
    return layers


@dataclass
class City:
    """A test city built by :func:`build_city`; lists are ordered by code."""

    rows: int
    cols: int
    districts: list[District]
    streets: list[Street]
    communities: list[Community]
    cells: list[GridCell]
    layers: dict[str, list[dict]] = field(repr=False)

    def cell(self, row: int = 0, col: int = 0, district: int = 0) -> GridCell:
        """Return the cell at ``row``/``col`` (0-based, from the north-west) of a district."""
        return self.cells[district * self.rows * self.cols + row * self.cols + col]

    def center(self, cell: GridCell | int = 0) -> tuple[float, float]:
        """Return the WGS-84 centre of a cell (or of ``cells[index]``)."""
        if isinstance(cell, int):
            cell = self.cells[cell]
        return (
            (cell.min_lon + cell.max_lon) / 2,
            (cell.min_lat + cell.max_lat) / 2,
        )

    def vertex(self, row: int, col: int) -> tuple[float, float]:
        """Return the lattice vertex at ``row``/``col`` (columns counted across districts)."""
        return _lon(col), _lat(row)

    @property
    def outside(self) -> tuple[float, float]:
        """Return a point well outside every cell (1 km north-west of the city)."""
        return ORIGIN[0] - 0.01, ORIGIN[1] + 0.01


def build_city(rows: int = 2, cols: int = 2, districts: int = 1, grid_digits: int = 15) -> City:
    """Import a small city through ``import_places`` and return it.

    Needs database access (``@pytest.mark.django_db`` or the ``db`` fixture).
    """
    from civicgrid.places.services import import_places

    layers = city_layers(rows, cols, districts, grid_digits)
    for level, features in layers.items():
        import_places(geojson_file(features), level, show_progress=False)
    codes = [district_code(d) for d in range(districts)]
    return City(
        rows=rows,
        cols=cols,
        districts=list(District.objects.filter(code__in=codes).order_by("code")),
        streets=list(Street.objects.filter(district__code__in=codes).order_by("code")),
        communities=list(
            Community.objects.filter(street__district__code__in=codes).order_by("code")
        ),
        cells=list(GridCell.objects.filter(district__code__in=codes).order_by("code")),
        layers=layers,
    )


# -- factories -----------------------------------------------------------------


class DepartmentFactory(DjangoModelFactory):
    """A city-level department; pass ``district=`` for a district body."""

    class Meta:
        model = Department
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"DEPT{n:03d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")
    short_name = factory.Sequence(lambda n: f"部门{n}")
    district = None
    is_district_default = False

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        """Attach ``categories=[...]`` when given."""
        if create and extracted:
            self.categories.set(extracted)


class UserFactory(DjangoModelFactory):
    """A staff user with :data:`DEFAULT_PASSWORD`; ``roles=["dispatcher", ...]`` adds groups."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)
    is_active = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """Put the user in the role groups named by ``roles`` (created if missing)."""
        if not create or not extracted:
            return
        groups = [Group.objects.get_or_create(name=str(role))[0] for role in extracted]
        self.groups.add(*groups)
        self._roles_cache = None


class CategoryFactory(DjangoModelFactory):
    """An asset class; ``code`` is 5 digits and sets ``major_code``."""

    class Meta:
        model = Category
        django_get_or_create = ("kind", "code")

    kind = CategoryKind.ASSET
    code = factory.Sequence(lambda n: f"9{n // 1000 % 10}{n % 1000 + 1:03d}")
    major_code = factory.LazyAttribute(lambda o: o.code[:2])
    major_name = "测试大类"
    name = factory.Sequence(lambda n: f"测试小类{n}")
    source = "test"


class FilingConditionFactory(DjangoModelFactory):
    """A filing condition of 2 working hours."""

    class Meta:
        model = FilingCondition

    category = factory.SubFactory(CategoryFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = "破损、缺失"
    closing_condition = "修复"
    limit_amount = Decimal("2")
    limit_unit = LimitUnit.WORKING_HOURS
    limit_text = "2工作时"


class AssetFactory(DjangoModelFactory):
    """An asset whose 17-digit code carries its category; place it with ``lon``/``lat``.

    ``division`` (a parameter, default the first test district) is the
    code's 6-digit division part.
    """

    class Meta:
        model = Asset

    class Params:
        division = district_code(0)

    category = factory.SubFactory(CategoryFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.division}{o.category.code}{n + 1:06d}")
    name = factory.LazyAttribute(lambda o: o.category.name)
    lon = ORIGIN[0] + CELL_DEG / 2
    lat = ORIGIN[1] - CELL_DEG / 2
    state = AssetState.INTACT


def issue_api_key(name: str = "test client", user=None, expires_at=None) -> tuple[ApiKey, str]:
    """Create an API key (or a user's token when ``user`` is given); return it and its secret."""
    return ApiKey.issue(name=name, user=user, expires_at=expires_at)


def bearer(secret: str) -> dict[str, str]:
    """Return the headers that authenticate with ``secret`` (for ``client.get(..., headers=)``)."""
    return {"Authorization": f"Bearer {secret}"}

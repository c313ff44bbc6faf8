"""Load the category directory and the default case standard into the database.

The national directory (GB/T 47678.5-2026) gives the classes. The 运城
municipal case standard gives, per class, the filing conditions with their
closing conditions and time limits; its classes are mapped onto the national
ones by name, and a class with no national match becomes a city extension
class (major code 2x, as the extension range in use) so no condition is lost.
Rows whose time limit cannot be parsed are reported, never dropped silently.
Loading is idempotent: classes update by (kind, code), conditions by position.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import models, transaction
from django.db.models import Count, Max

from civicgrid.categories.models import Category, FilingCondition
from civicgrid.common.cache import FingerprintCache
from civicgrid.core.classification import (
    GB_47678_SOURCE,
    CategoryRecord,
    StandardRow,
    match_to_directory,
    read_case_standard,
    read_categories,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DIRECTORY_FILE = DATA_DIR / "categories.csv"
STANDARD_FILES = {
    "asset": DATA_DIR / "case_standard_yuncheng_assets.csv",
    "incident": DATA_DIR / "case_standard_yuncheng_incidents.csv",
}
STANDARD_SOURCE = "运城市城市综合管理服务立案、处置和结案标准"
EXTENSION_MAJOR_OFFSET = 20


@dataclass
class LoadReport:
    """What a load did, and every row it could not use."""

    categories_created: int = 0
    categories_updated: int = 0
    extension_classes: list[str] = field(default_factory=list)
    conditions: int = 0
    row_errors: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return a human-readable summary, one line per fact or problem."""
        out = [
            f"categories: {self.categories_created} created, {self.categories_updated} updated",
            f"filing conditions: {self.conditions}",
            f"city extension classes (no national match): {len(self.extension_classes)}",
        ]
        out += [f"  extension {name}" for name in self.extension_classes]
        out += [f"  repaired {text}" for text in self.repairs]
        out += [f"  NOT LOADED {text}" for text in self.row_errors]
        return out


def _national(records: list[CategoryRecord]) -> list[CategoryRecord]:
    return [r for r in records if r.source.startswith(GB_47678_SOURCE)]


def _upsert(kind, code, major_code, major_name, name, source, report, **extra) -> Category:
    obj, created = Category.objects.update_or_create(
        kind=kind,
        code=code,
        defaults={
            "major_code": major_code,
            "major_name": major_name,
            "name": name,
            "source": source[:300],
            **extra,
        },
    )
    if created:
        report.categories_created += 1
    else:
        report.categories_updated += 1
    return obj


@transaction.atomic
def load_reference_categories(with_standard: bool = True) -> LoadReport:
    """Load the national directory and (by default) the 运城 case standard."""
    report = LoadReport()
    records = read_categories(DIRECTORY_FILE)
    by_key = {}
    for record in _national(records):
        obj = _upsert(
            record.kind,
            record.minor_code,
            record.major_code,
            record.major_name,
            record.minor_name,
            record.source,
            report,
        )
        by_key[(record.kind, record.minor_code)] = obj
    if with_standard:
        for kind, path in STANDARD_FILES.items():
            _load_standard(kind, path, records, by_key, report)
    return report


def _load_standard(kind, path, records, by_key, report) -> None:
    load = read_case_standard(path, kind)
    report.row_errors += [f"{path.name} line {e.line_no}: {e.reason}" for e in load.errors]
    report.repairs += [
        f"{path.name} line {r.line_no} {r.column}: {r.original!r} → {r.repaired!r} ({r.reason})"
        for r in load.repairs
    ]
    mapping = match_to_directory(load.rows, records, kind)
    grouped: dict[tuple[str, str], list[StandardRow]] = {}
    for row in load.rows:
        if row.time_limit is not None:
            grouped.setdefault(row.key, []).append(row)
    for key, rows in grouped.items():
        record = mapping.get(key)
        first = rows[0]
        if record is not None:
            category = by_key[(kind, record.minor_code)]
            if not category.legacy_code:
                category.legacy_code = "".join(key)
                category.save(update_fields=["legacy_code"])
        else:
            major = f"{EXTENSION_MAJOR_OFFSET + int(first.major_code):02d}"
            code = f"{major}{int(first.minor_code):03d}"
            category = _upsert(
                kind,
                code,
                major,
                first.major_name,
                first.minor_name,
                STANDARD_SOURCE,
                report,
                is_extension=True,
                legacy_code="".join(key),
            )
            report.extension_classes.append(f"{kind} {code} {first.minor_name}")
        _replace_conditions(category, rows)
        report.conditions += len(rows)


def _replace_conditions(category: Category, rows: list[StandardRow]) -> None:
    """Write a class's conditions by position; extra old positions are deactivated."""
    for position, row in enumerate(rows, start=1):
        FilingCondition.objects.update_or_create(
            category=category,
            position=position,
            defaults={
                "text": row.filing_condition,
                "closing_condition": row.closing_condition,
                "limit_amount": Decimal(row.time_limit.amount),
                "limit_unit": str(row.time_limit.unit),
                "limit_text": row.time_limit_text[:30],
                "handling_bodies": row.handling_bodies,
                "supervising_bodies": row.supervising_bodies,
                "source": f"{STANDARD_SOURCE} line {row.line_no}",
                "active": True,
            },
        )
    category.filing_conditions.filter(position__gt=len(rows)).update(active=False)


class UnknownCategory(LookupError):
    """Raise when a category reference names no active category."""


def _category_lookup() -> dict:
    """Index the active categories by id, by (kind, code) and by bare code."""
    return _lookup_of(Category.objects.filter(active=True))


def _category_fingerprint():
    # The largest id too: rows deleted and loaded again (a flushed test database
    # on PostgreSQL, whose sequences go on) may keep the count and the times.
    stats = Category.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return stats["n"], stats["last"], stats["top"]


# Every report names a category; reading ~450 rows once per process beats a
# query per report. Edits show at once here and within seconds elsewhere.
CATEGORY_LOOKUP = FingerprintCache(_category_lookup, _category_fingerprint)


def resolve_category(value) -> Category:
    """Return the active category a client names.

    Accepted forms: an id (a JSON number, or digits of any length but five),
    ``kind:code`` (``asset:01037``), or a bare 5-digit code — which both kinds
    may use, so the asset class wins then (as in GB/T 47678.5, where the
    incident ``〈部件〉异常`` mirrors it).
    """
    found = _find(CATEGORY_LOOKUP.get(), value)
    if found is None:
        # A miss may be a category added since this process last looked (another
        # process's edit, rows loaded again): ask the database for this one value
        # before refusing, so a stale lookup never refuses a real category.
        found = _find(_lookup_of(_candidates(value)), value)
        if found is not None:
            CATEGORY_LOOKUP.invalidate()
    if found is None:
        raise UnknownCategory(f"unknown category {value!r}")
    return found


def _candidates(value):
    """Return the active categories ``value`` could name (one indexed query, or none)."""
    text = str(value).strip()
    active = Category.objects.filter(active=True)
    if isinstance(value, bool) or not text:
        return active.none()
    if ":" in text:
        kind, code = text.split(":", 1)
        return active.filter(kind=kind[:20], code=code[:20])
    if isinstance(value, str) and text.isdigit() and len(text) == 5:
        return active.filter(models.Q(code=text) | models.Q(pk=int(text)))
    if text.isdigit() and len(text) <= 18:
        return active.filter(pk=int(text))
    return active.none()


def _lookup_of(categories) -> dict:
    """Index ``categories`` by id, by (kind, code) and by bare code ("asset" sorts first)."""
    by_id, by_kind_code, by_code = {}, {}, {}
    for category in categories.order_by("kind", "code"):
        by_id[category.pk] = category
        by_kind_code[(category.kind, category.code)] = category
        by_code.setdefault(category.code, category)
    return {"id": by_id, "kind_code": by_kind_code, "code": by_code}


def _find(lookup: dict, value) -> Category | None:
    text = str(value).strip()
    if isinstance(value, bool) or not text:
        return None
    if ":" in text:
        return lookup["kind_code"].get(tuple(text.split(":", 1)))
    if isinstance(value, str) and text.isdigit() and len(text) == 5:
        # A code first; a form field sends ids as text too, and ids reach five
        # digits, so a 5-digit text that is no class's code is read as an id.
        return lookup["code"].get(text) or lookup["id"].get(int(text))
    if text.isdigit():
        return lookup["id"].get(int(text))
    return None

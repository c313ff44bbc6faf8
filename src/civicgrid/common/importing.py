"""What every all-or-nothing import shares: errors, results, reading, progress.

An import first validates every row or feature and collects *all* problems;
only a file without any is written, inside one transaction. The report names
each bad item by its index (0-based, as in the file) so a person can fix the
file in one pass.
"""

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm


@dataclass(frozen=True)
class FeatureError:
    """One bad feature or row: where it is and what is wrong with it."""

    index: int
    reason: str
    code: str = ""

    def __str__(self):
        label = f"#{self.index}" + (f" ({self.code})" if self.code else "")
        return f"{label}: {self.reason}"


class ImportRefused(Exception):
    """Raise when a file has any bad item; nothing of it was stored."""

    def __init__(self, errors: list[FeatureError], total: int):
        self.errors = errors
        self.total = total
        super().__init__(f"{len(errors)} of {total} items are invalid; nothing was imported")

    def report(self, limit: int | None = None) -> str:
        """Return the message and one line per bad item."""
        shown = self.errors if limit is None else self.errors[:limit]
        lines = [str(self), *(f"  {error}" for error in shown)]
        if limit is not None and len(self.errors) > limit:
            lines.append(f"  … and {len(self.errors) - limit} more")
        return "\n".join(lines)


@dataclass
class ImportResult:
    """Counts of a successful import."""

    created: int = 0
    updated: int = 0
    total: int = 0
    warnings: list[str] = field(default_factory=list)

    def __str__(self):
        return f"{self.total} items: {self.created} created, {self.updated} updated"


def progress(items: Iterable, total: int | None, label: str, enabled: bool | None = None):
    """Wrap ``items`` in a progress bar on stderr when it is a terminal (or asked)."""
    if enabled is None:
        enabled = sys.stderr.isatty() and (total or 0) > 500
    return tqdm(items, total=total, desc=label, unit="item", disable=not enabled, leave=False)


def read_text(source) -> str:
    """Return the text of a path or a file object, decoding UTF-8 (BOM allowed)."""
    if isinstance(source, str | Path):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused([FeatureError(-1, f"file is not UTF-8 text: {exc}")], 0) from exc
    return data.lstrip("\ufeff")


def read_feature_collection(source) -> list:
    """Return the features of a GeoJSON FeatureCollection, or refuse the file."""
    text = read_text(source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused([FeatureError(-1, f"file is not valid JSON: {exc}")], 0) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ImportRefused([FeatureError(-1, "file is not a GeoJSON FeatureCollection")], 0)
    features = document.get("features")
    if not isinstance(features, list):
        raise ImportRefused([FeatureError(-1, "FeatureCollection has no 'features' list")], 0)
    if not features:
        raise ImportRefused([FeatureError(-1, "FeatureCollection has no features")], 0)
    return features


def read_csv_rows(source) -> list[dict]:
    """Return the rows of a CSV file with a header line, or refuse the file."""
    text = read_text(source)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportRefused([FeatureError(-1, "CSV file has no header line")], 0)
    rows = list(reader)
    if not rows:
        raise ImportRefused([FeatureError(-1, "CSV file has no rows")], 0)
    return rows


def iter_chunks(items: list, size: int) -> Iterator[list]:
    """Yield successive slices of ``items`` of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

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
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
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
        super().__init__(
            _("%(bad)s of %(total)s items are invalid; nothing was imported")
            % {"bad": len(errors), "total": total}
        )

    def report(self, limit: int | None = None) -> str:
        """Return the message and one line per bad item."""
        shown = self.errors if limit is None else self.errors[:limit]
        lines = [str(self), *(f"  {error}" for error in shown)]
        if limit is not None and len(self.errors) > limit:
            lines.append("  " + _("… and %(count)s more") % {"count": len(self.errors) - limit})
        return "\n".join(lines)


@dataclass
class ImportResult:
    """Counts of a successful import."""

    created: int = 0
    updated: int = 0
    total: int = 0
    warnings: list[str] = field(default_factory=list)

    def __str__(self):
        return _("%(total)s items: %(created)s created, %(updated)s updated") % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
        }


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
            reason = _("file is not UTF-8 text: %(detail)s") % {"detail": exc}
            raise ImportRefused([FeatureError(-1, reason)], 0) from exc
    return data.lstrip("\ufeff")


def read_feature_collection(source) -> list:
    """Return the features of a GeoJSON FeatureCollection, or refuse the file."""
    text = read_text(source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = _("file is not valid JSON: %(detail)s") % {"detail": exc}
        raise ImportRefused([FeatureError(-1, reason)], 0) from exc
    except ValueError as exc:
        # Python refuses integers of thousands of digits (int_max_str_digits).
        reason = _("file holds a number too long to read: %(detail)s") % {"detail": exc}
        raise ImportRefused([FeatureError(-1, reason)], 0) from exc
    except RecursionError as exc:
        reason = _("file is nested too deeply to read")
        raise ImportRefused([FeatureError(-1, reason)], 0) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        reason = _("file is not a GeoJSON FeatureCollection")
        raise ImportRefused([FeatureError(-1, reason)], 0)
    features = document.get("features")
    if not isinstance(features, list):
        reason = _("FeatureCollection has no 'features' list")
        raise ImportRefused([FeatureError(-1, reason)], 0)
    if not features:
        raise ImportRefused([FeatureError(-1, _("FeatureCollection has no features"))], 0)
    return features


def read_csv_rows(source) -> list[dict]:
    """Return the rows of a CSV file with a header line, or refuse the file."""
    text = read_text(source)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportRefused([FeatureError(-1, _("CSV file has no header line"))], 0)
    rows = list(reader)
    if not rows:
        raise ImportRefused([FeatureError(-1, _("CSV file has no rows"))], 0)
    return rows


def iter_chunks(items: list, size: int) -> Iterator[list]:
    """Yield successive slices of ``items`` of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Unicode categories that never belong in a name or code: control characters
# (NUL included), format characters (zero-width and bidirectional overrides,
# which make a name display differently from what it is), lone surrogates,
# private-use and unassigned code points, line and paragraph separators.
_ODD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def read_property_text(props: dict, key: str) -> tuple[str, str | None]:
    """Return a text property stripped and NFC-normalized, and a reason when it is unusable.

    Files come from outside: a name may be a number or a list, or carry a NUL
    byte or an invisible character that would store one thing and show
    another. Integers are accepted as text (codes are often written as numbers).
    """
    value = props.get(key)
    if value is None:
        return "", None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return "", _("property %(name)s must be text") % {"name": repr(key)}
    text = (
        unicodedata.normalize("NFC", str(value).strip()) if isinstance(value, str) else str(value)
    )
    for position, char in enumerate(text):
        if unicodedata.category(char) in _ODD_CATEGORIES:
            reason = _(
                "property %(name)s contains a control or invisible character "
                "(U+%(codepoint)s) at position %(position)s"
            ) % {"name": repr(key), "codepoint": f"{ord(char):04X}", "position": position}
            return "", reason
    return text, None

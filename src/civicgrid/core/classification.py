"""Readers for the category directory and the municipal case standard.

Pure functions over paths or text streams, so that the loaders, the tests and any command-line
check read the data the same way. Two inputs:

* ``categories.csv``: one category per row with its source (GB/T 47678.5-2026 directory,
  运城 municipal numbering, older lists). ``kind`` says ``component`` or ``event`` there; the
  project says ``asset`` and ``incident`` (see the glossary).
* the 运城 立案、处置和结案标准 tables: a title line, a header line, then one row per filing
  condition. Merged cells were exported as blanks, so the class and body columns must be filled
  down from the row that starts each class.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from civicgrid.core.timelimits import TimeLimit, TimeLimitError

__all__ = [
    "DATA_DIR",
    "GB_47678_SOURCE",
    "NAME_SYNONYMS",
    "YUNCHENG_SOURCE",
    "CategoryRecord",
    "ClassificationError",
    "RowError",
    "RowRepair",
    "StandardLoad",
    "StandardRow",
    "match_to_directory",
    "normalize_name",
    "read_case_standard",
    "read_categories",
    "unmatched",
]

Kind = Literal["asset", "incident"]
Source = str | os.PathLike[str] | TextIO

# The project copies of the reference data (see data/README.md there).
DATA_DIR = Path(__file__).resolve().parent.parent / "categories" / "data"

# Prefixes of the ``source`` column that identify the rows this module works with.
GB_47678_SOURCE = "GB/T 47678.5-2026"
YUNCHENG_SOURCE = "github zhcg2026/smart_cityguard:muban.xlsx"

_KINDS: dict[str, Kind] = {
    "component": "asset",
    "asset": "asset",
    "event": "incident",
    "matter": "incident",
    "incident": "incident",
}


class ClassificationError(ValueError):
    """Say why a category or case-standard file cannot be read at all."""


@dataclass(frozen=True)
class CategoryRecord:
    """Hold one category row.

    ``minor_code`` is the full class code as the directory writes it, major prefix included:
    5 digits for GB/T 47678.5 (``01001``), 4 digits for the older lists (``0101``).
    """

    kind: Kind
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    source: str


@dataclass(frozen=True)
class StandardRow:
    """Hold one filing condition of the case standard, with merged cells filled down.

    ``minor_code`` is the 2-digit number within the major class, as the table writes it.
    ``extras`` keeps the columns this module does not interpret (legal basis, collection
    requirements) as (header, value) pairs.
    """

    line_no: int
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    handling_bodies: str
    supervising_bodies: str
    filing_condition: str
    closing_condition: str
    time_limit_text: str
    time_limit: TimeLimit | None
    extras: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """Return the (major_code, minor_code) pair that names the class."""
        return (self.major_code, self.minor_code)


@dataclass(frozen=True)
class RowError:
    """Say why one row was not loaded; ``line_no`` is the physical line in the file."""

    line_no: int
    reason: str
    text: str = ""


@dataclass(frozen=True)
class RowRepair:
    """Record an explicit repair of a known defect, so that it is reported and not hidden."""

    line_no: int
    column: str
    original: str
    repaired: str
    reason: str


@dataclass(frozen=True)
class StandardLoad:
    """Hold the result of reading one case-standard table."""

    kind: Kind
    title: str
    rows: list[StandardRow]
    errors: list[RowError]
    repairs: list[RowRepair] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)


@contextmanager
def _open_text(source: Source):
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            yield stream
    else:
        yield source


def _kind(value: str) -> Kind:
    try:
        return _KINDS[value]
    except KeyError:
        raise ClassificationError(f"unknown kind {value!r}; expected asset or incident") from None


def read_categories(source: Source) -> list[CategoryRecord]:
    """Read ``categories.csv`` into records, mapping component/event onto asset/incident."""
    with _open_text(source) as stream:
        text = stream.read().removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    needed = {"kind", "major_code", "major_name", "minor_code", "minor_name", "source"}
    missing = needed - set(reader.fieldnames or ())
    if missing:
        raise ClassificationError(f"category file lacks columns: {', '.join(sorted(missing))}")
    records = []
    for row in reader:
        try:
            kind = _kind(row["kind"].strip())
        except ClassificationError as error:
            raise ClassificationError(f"line {reader.line_num}: {error}") from None
        records.append(
            CategoryRecord(
                kind=kind,
                major_code=row["major_code"].strip(),
                major_name=_clean_name(row["major_name"]),
                minor_code=row["minor_code"].strip(),
                minor_name=_clean_name(row["minor_name"]),
                source=row["source"].strip(),
            )
        )
    return records


# Header names of the case-standard tables mapped onto StandardRow fields. The newer tables say
# 处置单位/主管部门; the earlier one says 责任主体/监管主体 for the same bodies.
_HEADERS: dict[str, str] = {
    "大类代码": "major_code",
    "大类名称": "major_name",
    "小类代码": "minor_code",
    "小类名称": "minor_name",
    "处置单位": "handling_bodies",
    "责任主体": "handling_bodies",
    "主管部门": "supervising_bodies",
    "监管主体": "supervising_bodies",
    "立案条件": "filing_condition",
    "结案条件": "closing_condition",
    "处置时限": "time_limit_text",
}
_REQUIRED = ("major_code", "major_name", "minor_code", "minor_name", "filing_condition",
             "closing_condition", "time_limit_text")  # fmt: skip
# Columns that belong to the filing condition itself; every other column is merged per class.
_PER_CONDITION = ("filing_condition", "closing_condition", "time_limit_text")
_MAJOR_LEVEL = ("major_code", "major_name")


def _clean_name(name: str) -> str:
    # Names wrap inside spreadsheet cells ("烟头收集器\n或灭烟处"); the break is not part of it.
    return re.sub(r"\s*\n\s*", "", name).strip()


def _pad_code(value: str) -> str:
    value = value.strip()
    return value.zfill(2) if value.isdigit() else value


def _title_kind(title: str) -> Kind | None:
    # The title ends in "(部件类)", "(事件类)" or "（部件）"; the rest names both kinds.
    match = re.search(r"[（(]([^（()）]*)[)）]\s*$", title)
    if match is None:
        return None
    if "部件" in match[1]:
        return "asset"
    if "事件" in match[1]:
        return "incident"
    return None


def read_case_standard(source: Source, kind: Kind | str) -> StandardLoad:
    """Read a 立案、处置和结案标准 table, filling merged cells down.

    Columns are found by header name, so both column orders of the 运城 tables work. Fully blank
    rows are skipped and listed in ``blank_lines``; a row that cannot be used (unknown class,
    missing condition, unreadable time limit) goes into ``errors`` with its line number.
    """
    kind = _kind(str(kind))
    with _open_text(source) as stream:
        text = stream.read().removeprefix("\ufeff")
    stream = io.StringIO(text, newline="")
    first = stream.readline()
    # The title is the first cell; exporters pad the rest of the line ("Unnamed: 1", blanks).
    title, line_offset = (next(csv.reader([first]), None) or [""])[0].strip(), 1
    if "大类代码" in first:
        # No title line: the first line is already the header.
        title, line_offset = "", 0
        stream.seek(0)
    declared = _title_kind(title)
    if declared is not None and declared != kind:
        raise ClassificationError(f"table {title!r} holds {declared} classes, not {kind}")

    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise ClassificationError("case-standard table has no header line")
    columns: dict[str, int] = {}
    extras: list[tuple[str, int]] = []
    for index, name in enumerate(header):
        name = name.strip()
        target = _HEADERS.get(name)
        if target is None:
            if name:
                extras.append((name, index))
        elif target in columns:
            raise ClassificationError(f"header names {target} twice (column {name!r})")
        else:
            columns[target] = index
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise ClassificationError(f"case-standard header lacks: {', '.join(missing)}")

    rows: list[StandardRow] = []
    errors: list[RowError] = []
    repairs: list[RowRepair] = []
    blank_lines: list[int] = []
    current: dict[str, str] = {}
    current_extras: dict[str, str] = {}
    seen_keys: set[tuple[str, str]] = set()
    last_line = reader.line_num

    for record in reader:
        line_no = last_line + 1 + line_offset
        last_line = reader.line_num
        if not any(cell.strip() for cell in record):
            blank_lines.append(line_no)
            continue
        cells = {name: (record[i] if i < len(record) else "") for name, i in columns.items()}
        more = {name: (record[i] if i < len(record) else "").strip() for name, i in extras}
        major = _pad_code(cells["major_code"])
        minor = _pad_code(cells.get("minor_code", ""))

        if major:
            current = {"major_code": major, "major_name": _clean_name(cells["major_name"])}
            current_extras = {}
            if not minor:
                errors.append(RowError(line_no, "a new major class starts without a minor class"))
                continue
        if minor:
            if "major_code" not in current:
                errors.append(RowError(line_no, "a minor class appears before any major class"))
                continue
            key = (current["major_code"], minor)
            if key in seen_keys and rows and rows[-1].key != key:
                errors.append(
                    RowError(line_no, f"class {key[0]}-{key[1]} appears twice in the table")
                )
            seen_keys.add(key)
            # A new class starts: take every merged column from this row.
            for name, value in cells.items():
                if name not in _PER_CONDITION and name not in _MAJOR_LEVEL:
                    current[name] = _clean_name(value) if name == "minor_name" else value.strip()
            current["minor_code"] = minor
            current_extras = more
        elif "minor_code" not in current:
            errors.append(RowError(line_no, "a filing condition appears before any class"))
            continue

        filing = cells["filing_condition"].strip()
        closing = cells["closing_condition"].strip()
        limit_text = cells["time_limit_text"].strip()
        if not filing:
            errors.append(RowError(line_no, "the filing condition is empty", limit_text))
            continue
        if not closing:
            errors.append(RowError(line_no, "the closing condition is empty", filing))
            continue
        limit, limit_text, problem = _read_limit(limit_text, closing)
        if problem is not None:
            errors.append(RowError(line_no, problem, limit_text))
            continue
        if limit_text != cells["time_limit_text"].strip():
            repairs.append(
                RowRepair(
                    line_no,
                    "处置时限",
                    cells["time_limit_text"].strip(),
                    limit_text,
                    f"the closing condition {closing!r} was repeated after the time limit",
                )
            )
        rows.append(
            StandardRow(
                line_no=line_no,
                major_code=current["major_code"],
                major_name=current["major_name"],
                minor_code=current["minor_code"],
                minor_name=current["minor_name"],
                handling_bodies=current.get("handling_bodies", ""),
                supervising_bodies=current.get("supervising_bodies", ""),
                filing_condition=filing,
                closing_condition=closing,
                time_limit_text=limit_text,
                time_limit=limit,
                extras=tuple(
                    (name, more[name] or current_extras.get(name, "")) for name, _ in extras
                ),
            )
        )
    return StandardLoad(kind, title, rows, errors, repairs, blank_lines)


def _read_limit(text: str, closing: str) -> tuple[TimeLimit | None, str, str | None]:
    """Parse a limit; repair the one known defect of a closing condition pasted after it."""
    try:
        return TimeLimit.parse(text), text, None
    except TimeLimitError as error:
        problem = str(error)
    if closing and text.endswith(closing) and len(text) > len(closing):
        stem = text[: -len(closing)].strip()
        try:
            return TimeLimit.parse(stem), stem, None
        except TimeLimitError:
            pass
    return None, text, problem


# Differences of wording between the 运城 tables and GB/T 47678.5-2026 that name the same class.
# Kept short and explicit. Where the 运城 minor number is in the standard range (below 78) the
# numbering carried over (0101 上水井盖 = 01001 供水井盖; events 01-04 became 06-09), and the
# tests check that every match there agrees by code. Local extension numbers (78-99) were
# renumbered when the national directory adopted them, so those entries rest on the names alone.
NAME_SYNONYMS: dict[Kind, dict[str, str]] = {
    "asset": {
        "上水井盖": "供水井盖",
        "监控电子眼": "监控电子眼设施",
        "岗亭(治安亭)": "治安岗亭",
        "充电站(桩)": "充电桩",
        "公交站亭(牌)": "公交站设施",
        "限高架(杆)": "限高架标志",
        "渠化岛": "安全岛",
        "垃圾中转站": "垃圾间(楼)",
        "垃圾箱(果皮箱、桶)": "垃圾箱",
        "花钵花架": "花架花钵",
        "树池树篦": "树池树穴",
        "综合管廊设施": "综合管廊附属设施",
    },
    "incident": {
        "临街建筑物外立面不洁": "建筑物外立面污损",
        "擅自在临街建筑物上挂彩旗": "擅自在临街的建筑物上挂彩旗",
        "暴露生活垃圾": "暴露垃圾",
        "道路遗撒": "道路遗撒(洒)",
        "商业噪音": "噪声扰民",
        "乱堆物堆料": "乱堆杂物",
        "私设地桩、地锁、停车杆": "私设地锁、阻车桩",
        "垃圾满溢": "垃圾站(箱)满溢",
        "公益性宣传品": "公益性宣传品缺损",
        "施工工地围挡": "施工工地围挡问题",
        "施工公示牌": "施工公示牌污损",
        "预埋件裸露钢筋": "预埋件设施裸露",
        "占道废品收购": "废品收购乱象",
        "农贸市场管理": "农贸市场秩序问题",
        "占道清洗装潢车辆": "占道洗车",
        "共享单车管理": "共享单车乱象",
        "道路积雪、积冰": "道路积雪、结冰",
        "桥下空间管理": "违规占用桥下空间",
    },
}

# 通讯 and 通信 are interchangeable in these names (通讯交接箱 / 通信交接箱).
_WORD_VARIANTS = (("通讯", "通信"),)
_COMPONENT_MIRROR_MAJORS = frozenset({"01", "02", "03", "04", "05"})


def normalize_name(name: str) -> str:
    """Return a class name reduced for comparison: NFKC, no whitespace, one spelling per word.

    NFKC folds full-width brackets and digits onto their half-width forms, which the two
    sources mix freely.
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
    for variant, canonical in _WORD_VARIANTS:
        text = text.replace(variant, canonical)
    return text


def _directory_name(record: CategoryRecord) -> str:
    name = normalize_name(record.minor_name)
    # GB/T 47678.5 matters 01-05 mirror a component as "〈部件〉异常"; compare on the component.
    if record.kind == "incident" and record.major_code in _COMPONENT_MIRROR_MAJORS:
        name = name.removesuffix("异常")
    return name


def match_to_directory(
    standard_rows: Iterable[StandardRow],
    categories: Iterable[CategoryRecord],
    kind: Kind | str,
    *,
    synonyms: Mapping[str, str] | None = None,
    source_prefix: str = GB_47678_SOURCE,
) -> dict[tuple[str, str], CategoryRecord | None]:
    """Map each class of the case standard onto a national directory row by name.

    Names match exactly after ``normalize_name``; failing that, through ``synonyms`` (by default
    ``NAME_SYNONYMS[kind]``; pass ``{}`` to measure exact matches only). A class with no match,
    or with more than one, maps to None so the caller can report it.
    """
    kind = _kind(str(kind))
    table = NAME_SYNONYMS[kind] if synonyms is None else synonyms
    synonym_map = {normalize_name(k): normalize_name(v) for k, v in table.items()}
    index: dict[str, list[CategoryRecord]] = {}
    for record in categories:
        if record.kind == kind and record.source.startswith(source_prefix):
            index.setdefault(_directory_name(record), []).append(record)

    result: dict[tuple[str, str], CategoryRecord | None] = {}
    for row in standard_rows:
        if row.key in result:
            continue
        name = normalize_name(row.minor_name)
        candidates = index.get(name) or index.get(synonym_map.get(name, ""), [])
        result[row.key] = candidates[0] if len(candidates) == 1 else None
    return result


def unmatched(
    mapping: Mapping[tuple[str, str], CategoryRecord | None],
    standard_rows: Iterable[StandardRow],
) -> list[tuple[str, str, str]]:
    """List the (major_code, minor_code, minor_name) classes that found no directory row."""
    names = {row.key: row.minor_name for row in standard_rows}
    return [(*key, names.get(key, "")) for key, record in mapping.items() if record is None]

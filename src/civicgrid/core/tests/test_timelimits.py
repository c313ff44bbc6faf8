"""Tests for time limits, including every limit written in the 运城 case-standard tables."""

import csv
import json
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core.classification import DATA_DIR, read_case_standard
from civicgrid.core.timelimits import TimeLimit, TimeLimitError, Unit

TABLES = {
    "asset": DATA_DIR / "case_standard_yuncheng_assets.csv",
    "incident": DATA_DIR / "case_standard_yuncheng_incidents.csv",
}

# Texts of the 运城 tables that TimeLimit.parse rejects on purpose, with the reason. The
# case-standard reader must report each one (as an error or as an explicit repair).
REJECTED = {
    # 非法伐树, incidents line 29: the closing condition 制止 was pasted after the limit.
    "1紧急工作时制止": "unknown unit",
    # An earlier 运城 version (with legal basis), 行道树 缺失: a seasonal limit.
    "种植季节15工作日": "not a number followed by a unit",
}

# Every distinct 处置时限 value of case-standard-yuncheng-assets-with-legal-basis.csv (the earlier
# version, not copied into the project), with its count, so the spellings stay covered.
LEGAL_BASIS_LIMITS = {
    "1工作日": 78,
    "3工作日": 58,
    "2工作日": 47,
    "5工作日": 42,
    "4工作时": 23,
    "2紧急工作时": 15,
    "7工作日": 5,
    "4紧急工作时": 4,
    "2工作时": 3,
    "4工作日": 1,
    "10工作日": 1,
    " 5工作日": 1,
    "种植季节15工作日": 1,
}


def _raw_limits(path):
    """Yield (line_no, text) of every non-blank row, read without the module under test."""
    with open(path, encoding="utf-8-sig", newline="") as stream:
        stream.readline()  # title
        reader = csv.reader(stream)
        header = next(reader)
        column = header.index("处置时限")
        last = reader.line_num
        for record in reader:
            line_no, last = last + 2, reader.line_num
            if any(cell.strip() for cell in record):
                yield line_no, record[column]


@pytest.mark.parametrize("kind", sorted(TABLES))
def test_every_row_of_the_tables_parses_or_is_a_documented_rejection(kind):
    rejected = []
    for line_no, text in _raw_limits(TABLES[kind]):
        if text in REJECTED:
            with pytest.raises(TimeLimitError, match=REJECTED[text]):
                TimeLimit.parse(text)
            rejected.append((line_no, text))
        else:
            limit = TimeLimit.parse(text)
            assert TimeLimit.parse(limit.label_zh()) == limit, text
    load = read_case_standard(TABLES[kind], kind)
    reported = {(e.line_no, e.text) for e in load.errors}
    reported |= {(r.line_no, r.original) for r in load.repairs}
    assert set(rejected) <= reported
    expected = {"asset": [], "incident": [(29, "1紧急工作时制止")]}
    assert rejected == expected[kind]


def test_distinct_values_of_the_tables():
    # Pin the spellings, so a new data file with a new spelling shows up here first.
    seen = Counter()
    for path in TABLES.values():
        seen.update(text.strip() for _, text in _raw_limits(path))
    assert set(seen) == {
        "1天", "2天", "3天", "4天", "5天", "7天", "10天", "15天",
        "2小时", "4小时",
        "1紧急工作时", "2紧急工作时", "4紧急工作时",
        "1紧急工作日", "2紧急工作日",
        "1紧急工作时制止",
    }  # fmt: skip
    assert sum(seen.values()) == 375 + 144


@pytest.mark.parametrize("text", sorted(LEGAL_BASIS_LIMITS))
def test_every_spelling_of_the_earlier_table(text):
    if text in REJECTED:
        with pytest.raises(TimeLimitError, match=REJECTED[text]):
            TimeLimit.parse(text)
    else:
        assert TimeLimit.parse(text).unit in (
            Unit.WORKING_DAYS,
            Unit.WORKING_HOURS,
            Unit.URGENT_HOURS,
        )


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("2紧急工作时", "2", Unit.URGENT_HOURS),
        ("4小时", "4", Unit.WORKING_HOURS),
        ("24小时", "24", Unit.WORKING_HOURS),
        ("4工作时", "4", Unit.WORKING_HOURS),
        ("4工作小时", "4", Unit.WORKING_HOURS),
        ("2天", "2", Unit.WORKING_DAYS),
        ("15天", "15", Unit.WORKING_DAYS),
        ("1工作日", "1", Unit.WORKING_DAYS),
        ("1个工作日", "1", Unit.WORKING_DAYS),
        ("0.5天", "0.5", Unit.WORKING_DAYS),
        ("2紧急工作日", "2", Unit.URGENT_DAYS),
        ("3自然日", "3", Unit.NATURAL_DAYS),
        ("30分钟", "30", Unit.WORKING_MINUTES),
        ("15紧急分钟", "15", Unit.URGENT_MINUTES),
        ("２紧急工作时", "2", Unit.URGENT_HOURS),
        ("１．５天", "1.5", Unit.WORKING_DAYS),
        (" 5工作日", "5", Unit.WORKING_DAYS),
        ("1紧急工作时\n", "1", Unit.URGENT_HOURS),
        ("2 紧急工作时", "2", Unit.URGENT_HOURS),
        ("\u3000４小时\u3000", "4", Unit.WORKING_HOURS),
    ],
)
def test_parse(text, amount, unit):
    assert TimeLimit.parse(text) == TimeLimit(Decimal(amount), unit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("立即", "not a number followed by a unit"),
        ("按规定时限", "not a number followed by a unit"),
        ("2", "not a number followed by a unit"),
        ("天", "not a number followed by a unit"),
        ("两半天", "not a number followed by a unit"),
        ("半", "not a number followed by a unit"),
        ("一天半半", "not a number followed by a unit"),
        ("两两天", "not a number followed by a unit"),
        ("十十天", "not a number followed by a unit"),
        ("半个半天", "not a number followed by a unit"),
        ("三周", "unknown unit '周'"),
        ("-2天", "not a number followed by a unit"),
        ("0天", "positive"),
        ("2周", "unknown unit '周'"),
        ("2天3小时", "not a number followed by a unit"),
        ("1紧急工作时制止", "unknown unit"),
        ("种植季节15工作日", "not a number followed by a unit"),
    ],
)
def test_parse_rejects(text, message):
    with pytest.raises(TimeLimitError, match=message):
        TimeLimit.parse(text)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("两天", "2", Unit.WORKING_DAYS),
        ("半天", "0.5", Unit.WORKING_DAYS),
        ("半个工作日", "0.5", Unit.WORKING_DAYS),
        ("一天半", "1.5", Unit.WORKING_DAYS),
        ("一个半小时", "1.5", Unit.WORKING_HOURS),
        ("2个半小时", "2.5", Unit.WORKING_HOURS),
        ("三个工作日", "3", Unit.WORKING_DAYS),
        ("十五个工作日", "15", Unit.WORKING_DAYS),
        ("二十四紧急工作时", "24", Unit.URGENT_HOURS),
        ("一百二十分钟", "120", Unit.WORKING_MINUTES),
        ("一百零五分钟", "105", Unit.WORKING_MINUTES),
        ("十天", "10", Unit.WORKING_DAYS),
        ("两个紧急工作日", "2", Unit.URGENT_DAYS),
        ("4小时", "4", Unit.WORKING_HOURS),
    ],
)
def test_parse_accepts_what_people_type(text, amount, unit):
    """Chinese numerals and halves, as an operator types them, read as the same limit."""
    assert TimeLimit.parse(text) == TimeLimit(Decimal(amount), unit)


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty"), ("立即", "format"), ("2周", "unknown_unit"), ("0天", "not_positive"),
     ("400天", "too_long")],
)  # fmt: skip
def test_errors_carry_a_code_for_translation(text, code):
    with pytest.raises(TimeLimitError) as caught:
        TimeLimit.parse(text)
    assert caught.value.code == code


def test_parse_rejects_non_text():
    with pytest.raises(TimeLimitError, match="must be text"):
        TimeLimit.parse(2)


def test_error_is_a_value_error():
    assert issubclass(TimeLimitError, ValueError)


class TestUnit:
    def test_continuous_units(self):
        assert {u for u in Unit if u.continuous} == {
            Unit.URGENT_HOURS,
            Unit.URGENT_DAYS,
            Unit.URGENT_MINUTES,
            Unit.NATURAL_DAYS,
        }

    def test_values_are_stable(self):
        # Stored in JSON and the database; renaming a value is a migration.
        assert [u.value for u in Unit] == [
            "urgent_hours",
            "working_hours",
            "working_days",
            "urgent_days",
            "natural_days",
            "working_minutes",
            "urgent_minutes",
        ]

    def test_every_label_parses_back(self):
        for unit in Unit:
            assert TimeLimit.parse("3" + unit.label_zh).unit is unit


class TestTimeLimit:
    def test_labels(self):
        assert str(TimeLimit.parse("2紧急工作时")) == "2紧急工作时"
        assert TimeLimit.parse("4小时").label_zh() == "4工作时"
        assert TimeLimit.parse("2天").label_zh() == "2工作日"
        assert TimeLimit.parse("0.50天").label_zh() == "0.5工作日"
        assert TimeLimit(Decimal("1E+1"), Unit.WORKING_DAYS).label_zh() == "10工作日"

    def test_continuous(self):
        assert TimeLimit.parse("2紧急工作时").continuous
        assert TimeLimit.parse("2紧急工作日").continuous
        assert not TimeLimit.parse("2小时").continuous
        assert not TimeLimit.parse("2天").continuous

    @pytest.mark.parametrize(
        ("text", "seconds"),
        [
            ("2紧急工作时", 7200),
            ("0.5紧急工作时", 1800),
            ("2紧急工作日", 172800),
            ("1自然日", 86400),
            ("30紧急分钟", 1800),
            ("4小时", None),
            ("1天", None),
            ("30分钟", None),
        ],
    )
    def test_seconds_if_continuous(self, text, seconds):
        assert TimeLimit.parse(text).seconds_if_continuous() == seconds

    def test_dict_round_trip_through_json(self):
        limit = TimeLimit.parse("0.5天")
        data = json.loads(json.dumps(limit.to_dict()))
        assert data == {"amount": "0.5", "unit": "working_days"}
        assert TimeLimit.from_dict(data) == limit

    def test_from_dict_accepts_int_amounts(self):
        assert TimeLimit.from_dict({"amount": 2, "unit": "urgent_hours"}) == TimeLimit.parse(
            "2紧急工作时"
        )

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"amount": "2"}, "needs 'amount' and 'unit'"),
            (None, "needs 'amount' and 'unit'"),
            ({"amount": "2", "unit": "weeks"}, "unknown time limit unit 'weeks'"),
            ({"amount": "x", "unit": "working_days"}, "not a number"),
            ({"amount": "-1", "unit": "working_days"}, "positive"),
            ({"amount": "NaN", "unit": "working_days"}, "positive"),
            ({"amount": 1.5, "unit": "working_days"}, "Decimal, int or str"),
            ({"amount": True, "unit": "working_days"}, "must be a number"),
        ],
    )
    def test_from_dict_rejects(self, data, message):
        with pytest.raises(TimeLimitError, match=message):
            TimeLimit.from_dict(data)

    def test_is_frozen_and_hashable(self):
        limit = TimeLimit.parse("2天")
        with pytest.raises(AttributeError):
            limit.amount = Decimal(3)
        assert len({limit, TimeLimit.parse("2工作日")}) == 1


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(366), places=2),
    st.sampled_from(list(Unit)),
)
def test_round_trips(amount, unit):
    limit = TimeLimit(amount, unit)
    assert TimeLimit.parse(limit.label_zh()) == limit
    assert TimeLimit.from_dict(limit.to_dict()) == limit


@pytest.mark.parametrize("text", ["9999999999天", "367工作日", "9000紧急工作时", "600000分钟"])
def test_absurdly_long_limits_are_refused(text):
    """A limit longer than a year is a typing error, refused before any date arithmetic."""
    with pytest.raises(TimeLimitError, match="too long"):
        TimeLimit.parse(text)


def test_the_longest_accepted_limit_is_a_year():
    """366 days (or its hours and minutes) is still a limit."""
    assert TimeLimit.parse("366天").amount == 366

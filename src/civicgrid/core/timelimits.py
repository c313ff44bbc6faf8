"""Time limits of the case standard (处置时限 and stage limits).

The municipal 立案、处置和结案标准 write each limit as a number and a Chinese unit:
``2紧急工作时``, ``4小时``, ``2天``, ``2紧急工作日``, ``1工作日``. Units with 紧急 run on the
continuous clock (nights, weekends and holidays count); the others count working time only. The
tables use two spellings for the same working-time units: the newer one writes 小时 and 天, the
earlier one 工作时 and 工作日 (standards notes, section 4.4).

Parsing is strict on purpose: a limit the parser cannot read must reach a person, not become a
guess. Texts seen in the 运城 tables that are deliberately rejected:

* ``种植季节15工作日`` ("15 working days, in planting season"): the limit depends on the season,
  which one amount and unit cannot express;
* ``1紧急工作时制止``: the closing condition 制止 leaked into the limit cell; the case-standard
  reader repairs it because the suffix equals the row's closing condition, and reports the repair;
* empty text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

__all__ = ["TimeLimit", "TimeLimitError", "Unit"]


class TimeLimitError(ValueError):
    """Say why a time limit text or value cannot be used.

    ``code`` names the reason and ``params`` its values, so that the web layer can say it in
    the reader's language; the message itself is English for logs and developers.
    """

    def __init__(self, message: str, code: str = "invalid", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class Unit(StrEnum):
    """Name the units a time limit is counted in."""

    URGENT_HOURS = "urgent_hours"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    URGENT_DAYS = "urgent_days"
    NATURAL_DAYS = "natural_days"
    WORKING_MINUTES = "working_minutes"
    URGENT_MINUTES = "urgent_minutes"

    @property
    def continuous(self) -> bool:
        """Tell whether the unit runs on the continuous clock rather than working time."""
        return self in _CONTINUOUS

    @property
    def label_zh(self) -> str:
        """Return the Chinese unit name shown to users."""
        return _LABELS[self]


_CONTINUOUS = frozenset(
    {Unit.URGENT_HOURS, Unit.URGENT_DAYS, Unit.URGENT_MINUTES, Unit.NATURAL_DAYS}
)

_LABELS: dict[Unit, str] = {
    Unit.URGENT_HOURS: "紧急工作时",
    Unit.WORKING_HOURS: "工作时",
    Unit.WORKING_DAYS: "工作日",
    Unit.URGENT_DAYS: "紧急工作日",
    Unit.NATURAL_DAYS: "自然日",
    Unit.WORKING_MINUTES: "工作分钟",
    Unit.URGENT_MINUTES: "紧急分钟",
}

# Every spelling accepted after a number. 小时 and 天 without 工作 still mean working time: the
# 运城 tables write "4小时" and "1天" for what the earlier version wrote "4工作时" and "1工作日".
_UNIT_WORDS: dict[str, Unit] = {
    "紧急工作时": Unit.URGENT_HOURS,
    "紧急工作小时": Unit.URGENT_HOURS,
    "紧急小时": Unit.URGENT_HOURS,
    "工作时": Unit.WORKING_HOURS,
    "工作小时": Unit.WORKING_HOURS,
    "小时": Unit.WORKING_HOURS,
    "工作日": Unit.WORKING_DAYS,
    "工作天": Unit.WORKING_DAYS,
    "天": Unit.WORKING_DAYS,
    "紧急工作日": Unit.URGENT_DAYS,
    "紧急日": Unit.URGENT_DAYS,
    "紧急天": Unit.URGENT_DAYS,
    "自然日": Unit.NATURAL_DAYS,
    "自然天": Unit.NATURAL_DAYS,
    "工作分钟": Unit.WORKING_MINUTES,
    "分钟": Unit.WORKING_MINUTES,
    "紧急分钟": Unit.URGENT_MINUTES,
    "紧急工作分钟": Unit.URGENT_MINUTES,
}

_TEXT = re.compile(r"(?P<amount>[0-9]+(?:\.[0-9]+)?)个?(?P<unit>[^0-9.]+)")

# What people type in a form or say on the phone: Chinese numerals (两天, 十五个工作日), a half
# (半天, 半个工作日) and a number with a half after the unit (一天半, 一个半小时, 2个半小时).
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
_NUMERAL = "零〇一二两三四五六七八九十百"
_SPOKEN = re.compile(
    rf"(?P<number>[0-9]+(?:\.[0-9]+)?|[{_NUMERAL}]+)?(?P<half_before>个半|半)?个?"
    rf"(?P<unit>[^0-9.{_NUMERAL}半个]+)(?P<half_after>半)?"
)


def _chinese_number(text: str) -> int | None:
    """Return the value of a Chinese numeral below 1,000 (e.g. 十五, 二十四, 一百二十), or None."""
    if not text:
        return None
    if all(char in _DIGITS for char in text):
        # Digit by digit, as in 一二〇; 两 only stands alone.
        if "两" in text and len(text) > 1:
            return None
        return int("".join(str(_DIGITS[char]) for char in text))
    match = re.fullmatch(
        r"(?:(?P<h>[一二两三四五六七八九])百)?(?:(?P<t>[一二两三四五六七八九])?(?P<ten>十))?"
        r"零?(?P<u>[一二两三四五六七八九])?",
        text,
    )
    if match is None or not any(match.group("h", "ten", "u")):
        return None
    hundreds = _DIGITS[match["h"]] if match["h"] else 0
    tens = (_DIGITS[match["t"]] if match["t"] else 1) if match["ten"] else 0
    units = _DIGITS[match["u"]] if match["u"] else 0
    return hundreds * 100 + tens * 10 + units


def _spoken_amount(cleaned: str) -> tuple[Decimal, str] | None:
    """Read a spoken-style amount; return (amount, unit word) or None when it is not one."""
    match = _SPOKEN.fullmatch(cleaned)
    if match is None:
        return None
    number, half_before, half_after = match["number"], match["half_before"], match["half_after"]
    if number is None:
        if half_before != "半" or half_after:
            return None
        return Decimal("0.5"), match["unit"]
    if half_before == "半":
        return None  # "2半天" is not how anyone writes it
    if number[0].isdigit():
        amount = Decimal(number)
    else:
        value = _chinese_number(number)
        if value is None:
            return None
        amount = Decimal(value)
    if half_before or half_after:
        if half_before and half_after:
            return None
        amount += Decimal("0.5")
    return amount, match["unit"]


_SECONDS: dict[Unit, int] = {
    Unit.URGENT_MINUTES: 60,
    Unit.URGENT_HOURS: 3600,
    Unit.URGENT_DAYS: 86400,
    Unit.NATURAL_DAYS: 86400,
}


# No step of a case runs for more than a year; larger amounts are typing errors
# (and would overflow date arithmetic).
MAX_AMOUNT: dict[Unit, int] = {
    Unit.URGENT_MINUTES: 366 * 24 * 60,
    Unit.WORKING_MINUTES: 366 * 24 * 60,
    Unit.URGENT_HOURS: 366 * 24,
    Unit.WORKING_HOURS: 366 * 24,
    Unit.URGENT_DAYS: 366,
    Unit.WORKING_DAYS: 366,
    Unit.NATURAL_DAYS: 366,
}


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TimeLimitError(f"time limit amount must be a number, not {value!r}", "amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise TimeLimitError(
                f"time limit amount {value!r} is not a number", "amount"
            ) from None
    else:
        raise TimeLimitError(
            f"time limit amount must be a Decimal, int or str, not {type(value).__name__}",
            "amount",
        )
    if not amount.is_finite() or amount <= 0:
        raise TimeLimitError(
            f"time limit amount must be a positive number, not {value!r}", "not_positive"
        )
    return amount


def _format_amount(amount: Decimal) -> str:
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class TimeLimit:
    """Hold one time limit: a positive amount of a unit."""

    amount: Decimal
    unit: Unit

    def __post_init__(self) -> None:
        # Coerce here so that TimeLimit(2, "urgent_hours") built by hand is as safe as a parse.
        object.__setattr__(self, "amount", _to_decimal(self.amount))
        try:
            object.__setattr__(self, "unit", Unit(self.unit))
        except ValueError:
            raise TimeLimitError(
                f"unknown time limit unit {self.unit!r}", "unknown_unit", unit=str(self.unit)
            ) from None
        if self.amount > MAX_AMOUNT[self.unit]:
            raise TimeLimitError(
                f"time limit {_format_amount(self.amount)} {self.unit.value} is too long "
                f"(at most {MAX_AMOUNT[self.unit]})",
                "too_long",
                most=MAX_AMOUNT[self.unit],
                unit=self.unit.label_zh,
            )

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Read a limit written as in the case standard, e.g. ``2紧急工作时`` or ``0.5天``.

        Accept full-width digits, surrounding and inner spaces, the measure word 个
        (``1个工作日``) and what people type: Chinese numerals (``两天``, ``十五个工作日``) and
        halves (``半天``, ``一天半``, ``一个半小时``). Reject anything else with a message
        naming the text.
        """
        if not isinstance(text, str):
            raise TimeLimitError(f"time limit must be text, not {type(text).__name__}", "not_text")
        # NFKC turns full-width digits and the full-width full stop into ASCII.
        cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        if not cleaned:
            raise TimeLimitError("time limit is empty", "empty")
        match = _TEXT.fullmatch(cleaned)
        spoken = None
        if match is not None and match["unit"] in _UNIT_WORDS:
            amount, word = Decimal(match["amount"]), match["unit"]
        elif (spoken := _spoken_amount(cleaned)) is not None and spoken[1] in _UNIT_WORDS:
            amount, word = spoken
        elif match is not None or spoken is not None:
            word = match["unit"] if match is not None else spoken[1]
            raise TimeLimitError(
                f"time limit {text!r} has an unknown unit {word!r}", "unknown_unit", unit=word
            )
        else:
            raise TimeLimitError(
                f"time limit {text!r} is not a number followed by a unit (e.g. 2紧急工作时)",
                "format",
                text=text,
            )
        unit = _UNIT_WORDS.get(word)
        if unit is None:
            raise TimeLimitError(
                f"time limit {text!r} has an unknown unit {word!r}", "unknown_unit", unit=word
            )
        return cls(amount, unit)

    @property
    def continuous(self) -> bool:
        """Tell whether the limit runs on the continuous clock."""
        return self.unit.continuous

    def seconds_if_continuous(self) -> int | None:
        """Return the limit in seconds for continuous units, else None.

        Working-time limits depend on the working calendar, so they cannot be turned into a
        fixed duration here.
        """
        if not self.unit.continuous:
            return None
        return int(self.amount * _SECONDS[self.unit])

    def label_zh(self) -> str:
        """Return the limit in its canonical Chinese form, e.g. ``2紧急工作时``."""
        return _format_amount(self.amount) + self.unit.label_zh

    def __str__(self) -> str:
        return self.label_zh()

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready dict; the amount is a string so it stays exact."""
        return {"amount": _format_amount(self.amount), "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimeLimit:
        """Rebuild a limit stored by ``to_dict``."""
        try:
            amount, unit = data["amount"], data["unit"]
        except (KeyError, TypeError):
            raise TimeLimitError(
                f"a stored time limit needs 'amount' and 'unit', got {data!r}", "stored"
            ) from None
        return cls(amount, unit)

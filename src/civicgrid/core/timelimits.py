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
    """Say why a time limit text or value cannot be used."""


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
        raise TimeLimitError(f"time limit amount must be a number, not {value!r}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise TimeLimitError(f"time limit amount {value!r} is not a number") from None
    else:
        raise TimeLimitError(
            f"time limit amount must be a Decimal, int or str, not {type(value).__name__}"
        )
    if not amount.is_finite() or amount <= 0:
        raise TimeLimitError(f"time limit amount must be a positive number, not {value!r}")
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
            raise TimeLimitError(f"unknown time limit unit {self.unit!r}") from None
        if self.amount > MAX_AMOUNT[self.unit]:
            raise TimeLimitError(
                f"time limit {_format_amount(self.amount)} {self.unit.value} is too long "
                f"(at most {MAX_AMOUNT[self.unit]})"
            )

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Read a limit written as in the case standard, e.g. ``2紧急工作时`` or ``0.5天``.

        Accept full-width digits, surrounding and inner spaces and the measure word 个
        (``1个工作日``); reject anything else with a message naming the text.
        """
        if not isinstance(text, str):
            raise TimeLimitError(f"time limit must be text, not {type(text).__name__}")
        # NFKC turns full-width digits and the full-width full stop into ASCII.
        cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        if not cleaned:
            raise TimeLimitError("time limit is empty")
        match = _TEXT.fullmatch(cleaned)
        if match is None:
            raise TimeLimitError(
                f"time limit {text!r} is not a number followed by a unit (e.g. 2紧急工作时)"
            )
        unit = _UNIT_WORDS.get(match["unit"])
        if unit is None:
            raise TimeLimitError(f"time limit {text!r} has an unknown unit {match['unit']!r}")
        return cls(Decimal(match["amount"]), unit)

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
                f"a stored time limit needs 'amount' and 'unit', got {data!r}"
            ) from None
        return cls(amount, unit)

"""Deadlines from time limits, with suspensions (挂账) and the three-colour warning.

Every step of a case has a time limit (:class:`~civicgrid.core.timelimits.TimeLimit`). How
the limit is counted depends on its unit:

* **Continuous** units (紧急工作时/紧急工作日/紧急分钟 and 自然日) count clock time, nights,
  weekends and holidays included: 1 urgent minute/hour/day = 60/3600/86400 s.
* **Working** units count only the working time of a :class:`WorkCalendar`: 1 working
  minute/hour = 60/3600 working seconds, and **1 working day = one full set of work periods**
  (``calendar.day_length_seconds``, 7.5 h with the default 08:30–12:00, 13:30–17:30). So a
  1-working-day limit filed on Friday at 17:00 falls due on Monday at 17:00
  (0.5 h on Friday, then 3.5 h + 3.5 h on Monday): "the same time on the next working day".

Suspended time (挂账) does not count (standards-notes §4.4: the suspension duration is added
back to the deadline). ``pauses`` is a sequence of ``(start, end)`` intervals; ``end=None``
means the case is still suspended. For working units only the working time inside a pause is
excluded, for continuous units its clock time. Overlapping pauses are merged and the parts
before the start of the limit are ignored.

Warning levels (standards-notes §4.4): green while the time used is at most 80 % of the limit,
yellow up to 100 %, red when over.

All functions are pure; the current time is always passed in (``now``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, ClassVar

from civicgrid.core.timelimits import TimeLimit, Unit
from civicgrid.core.workcalendar import WorkCalendar
from civicgrid.core.workflow import State

__all__ = [
    "Pause",
    "Progress",
    "StageEvent",
    "StageLimits",
    "StageOutcome",
    "StageRecord",
    "WarningLevel",
    "due",
    "elapsed",
    "extend",
    "limit_seconds",
    "progress",
    "progress_until",
    "stage_for",
    "stage_history",
    "remaining",
    "warning_level",
]

Pause = tuple[datetime, datetime | None]

# Clock seconds per unit for the continuous units.
_CONTINUOUS_SECONDS: dict[Unit, int] = {
    Unit.URGENT_MINUTES: 60,
    Unit.URGENT_HOURS: 3600,
    Unit.URGENT_DAYS: 86400,
    Unit.NATURAL_DAYS: 86400,
}
# Working seconds per unit for the working units (working days depend on the calendar).
_WORKING_SECONDS: dict[Unit, int | None] = {
    Unit.WORKING_MINUTES: 60,
    Unit.WORKING_HOURS: 3600,
    Unit.WORKING_DAYS: None,
}

YELLOW_THRESHOLD = Fraction(4, 5)
"""Share of the limit up to which the warning stays green."""


class WarningLevel(StrEnum):
    """The three-colour warning of a running time limit (compares equal to its string)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


# --------------------------------------------------------------------- helpers


def _unit_of(unit: Unit | TimeLimit) -> Unit:
    return unit.unit if isinstance(unit, TimeLimit) else Unit(unit)


def _is_continuous(unit: Unit) -> bool:
    if unit not in _CONTINUOUS_SECONDS and unit not in _WORKING_SECONDS:
        raise ValueError(f"unsupported time-limit unit: {unit!r}")
    return unit.continuous


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _limit_timedelta(calendar: WorkCalendar, limit: TimeLimit) -> timedelta:
    amount = Decimal(limit.amount)
    if amount < 0:
        raise ValueError(f"a time limit must not be negative: {limit!r}")
    unit = _unit_of(limit)
    if _is_continuous(unit):
        per_unit = Decimal(_CONTINUOUS_SECONDS[unit])
    else:
        factor = _WORKING_SECONDS[unit]
        per_unit = (
            Decimal(factor) if factor is not None else Decimal(str(calendar.day_length_seconds))
        )
    micro = (amount * per_unit * 1_000_000).to_integral_value()
    return timedelta(microseconds=int(micro))


class _Clock:
    """Add and measure time either continuously or in a calendar's working time."""

    def __init__(self, calendar: WorkCalendar, continuous: bool) -> None:
        self.calendar = calendar
        self.continuous = continuous

    # Continuous time is absolute: go through UTC, because Python subtracts and adds aware
    # datetimes that share a tzinfo in wall-clock time (wrong across a DST change).
    def between(self, a: datetime, b: datetime) -> timedelta:
        if self.continuous:
            return b.astimezone(UTC) - a.astimezone(UTC)
        return self.calendar.working_time_between(a, b)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        if self.continuous:
            return (start.astimezone(UTC) + amount).astimezone(self.calendar.tz)
        return self.calendar.add_working_time(start, amount)


def _merged_pauses(
    pauses: Iterable[Pause], not_before: datetime
) -> list[tuple[datetime, datetime | None]]:
    """Validate ``pauses``, clip them to start at ``not_before``, sort and merge them.

    An open pause (``end is None``) absorbs every pause after its start.
    """
    clipped: list[tuple[datetime, datetime | None]] = []
    for pause in pauses:
        try:
            begin, end = pause
        except (TypeError, ValueError):
            raise ValueError(f"a pause is a (start, end) pair, got {pause!r}") from None
        _require_aware(begin, "pause start")
        if end is not None:
            _require_aware(end, "pause end")
            if end < begin:
                raise ValueError(f"pause ends before it starts: {begin} > {end}")
            if end <= not_before:
                continue
        clipped.append((max(begin, not_before), end))
    clipped.sort(key=lambda p: p[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for begin, end in clipped:
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break  # still suspended: nothing after this matters
            if begin <= last_end:
                new_end = None if end is None else max(last_end, end)
                merged[-1] = (last_begin, new_end)
                continue
        if end is not None and end <= begin:
            continue  # empty after clipping
        merged.append((begin, end))
    return merged


# --------------------------------------------------------------------- API


def limit_seconds(calendar: WorkCalendar, limit: TimeLimit) -> float:
    """Return the length of ``limit`` in seconds of its own clock (working or continuous)."""
    return _limit_timedelta(calendar, limit).total_seconds()


def due(
    calendar: WorkCalendar,
    start: datetime,
    limit: TimeLimit,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """Return when ``limit``, started at ``start``, falls due (in the calendar tz).

    The result is the earliest moment by which the whole limit has been used, not counting
    suspended time. Return None if the case is still suspended (a pause with ``end=None``)
    and that suspension began before the limit ran out; a suspension opened after the
    deadline had already passed does not move it.
    """
    _require_aware(start, "start")
    clock = _Clock(calendar, _is_continuous(_unit_of(limit)))
    rest = _limit_timedelta(calendar, limit)
    cursor = start
    for pause_start, pause_end in _merged_pauses(pauses, start):
        candidate = clock.add(cursor, rest)
        if candidate <= pause_start:
            return candidate
        rest -= clock.between(cursor, pause_start)
        if pause_end is None:
            return None
        cursor = max(cursor, pause_end)
    return clock.add(cursor, rest)


def _elapsed_timedelta(
    calendar: WorkCalendar,
    start: datetime,
    now: datetime,
    unit: Unit,
    pauses: Sequence[Pause],
) -> timedelta:
    _require_aware(start, "start")
    _require_aware(now, "now")
    if now <= start:
        return timedelta()
    clock = _Clock(calendar, _is_continuous(unit))
    used = clock.between(start, now)
    for pause_start, pause_end in _merged_pauses(pauses, start):
        if pause_start >= now:
            break
        end = now if pause_end is None else min(pause_end, now)
        used -= clock.between(pause_start, end)
    return used


def elapsed(
    calendar: WorkCalendar,
    start: datetime,
    now: datetime,
    limit_unit: Unit | TimeLimit,
    pauses: Sequence[Pause] = (),
) -> float:
    """Return the seconds of ``limit_unit``'s clock used from ``start`` to ``now``.

    Suspended time is excluded. Zero if ``now`` is not after ``start``.
    """
    unit = _unit_of(limit_unit)
    return _elapsed_timedelta(calendar, start, now, unit, pauses).total_seconds()


def remaining(
    calendar: WorkCalendar,
    start: datetime,
    now: datetime,
    limit: TimeLimit,
    pauses: Sequence[Pause] = (),
) -> float:
    """Return the seconds of ``limit`` left at ``now`` (negative once overdue)."""
    used = _elapsed_timedelta(calendar, start, now, _unit_of(limit), pauses)
    return (_limit_timedelta(calendar, limit) - used).total_seconds()


def warning_level(used_seconds: float, limit_seconds: float) -> WarningLevel:
    """Return green while used ≤ 80 % of the limit, yellow while ≤ 100 %, red when over.

    The comparison is exact (no floating-point rounding at the 80 % boundary).
    """
    used = Fraction(used_seconds)
    limit = Fraction(limit_seconds)
    if used <= limit * YELLOW_THRESHOLD:
        return WarningLevel.GREEN
    if used <= limit:
        return WarningLevel.YELLOW
    return WarningLevel.RED


@dataclass(frozen=True)
class Progress:
    """Where a running time limit stands at one moment.

    ``due_at`` is None while the case is suspended (see :func:`due`).
    """

    limit_seconds: float
    used_seconds: float
    remaining_seconds: float
    level: WarningLevel
    due_at: datetime | None

    @property
    def overdue(self) -> bool:
        """Return True if more than the whole limit has been used."""
        return self.remaining_seconds < 0


def progress(
    calendar: WorkCalendar,
    start: datetime,
    limit: TimeLimit,
    now: datetime,
    pauses: Sequence[Pause] = (),
) -> Progress:
    """Return the :class:`Progress` of ``limit`` (started at ``start``) at ``now``."""
    total = _limit_timedelta(calendar, limit)
    used = _elapsed_timedelta(calendar, start, now, _unit_of(limit), pauses)
    return Progress(
        limit_seconds=total.total_seconds(),
        used_seconds=used.total_seconds(),
        remaining_seconds=(total - used).total_seconds(),
        level=warning_level(used.total_seconds(), total.total_seconds()),
        due_at=due(calendar, start, limit, pauses),
    )


def progress_until(
    calendar: WorkCalendar,
    start: datetime,
    due_at: datetime,
    now: datetime,
    unit: Unit | TimeLimit,
    pauses: Sequence[Pause] = (),
) -> Progress:
    """Return the :class:`Progress` of a deadline whose due time is already known.

    Extensions and suspensions move a due time after it was set, so the limit
    that counts is the time from ``start`` to ``due_at`` on ``unit``'s clock
    (pauses excluded), not the original amount.
    """
    total = elapsed(calendar, start, due_at, unit, pauses)
    used = elapsed(calendar, start, now, unit, pauses)
    return Progress(
        limit_seconds=total,
        used_seconds=used,
        remaining_seconds=total - used,
        level=warning_level(used, max(total, 1.0)),
        due_at=due_at,
    )


def extend(calendar: WorkCalendar, current_due: datetime, extension: TimeLimit) -> datetime:
    """Return the due time after granting ``extension`` (延期), counted from ``current_due``.

    The extension is counted on its own unit's clock, starting at the current due time, so
    the result is never earlier than ``current_due``.
    """
    result = due(calendar, current_due, extension)
    assert result is not None  # no pauses were given
    return result


# --------------------------------------------------------------------- stage limits

#: The stage whose limit runs while a case sits in a state. ``reported`` runs
#: on 核实 (verify) unless an inspector reported it (already seen on site), then
#: on 受理 (accept); ``dispatched`` runs on the filing condition's handling
#: limit ("handle"). Suspended and in-ruling cases run on no stage limit.
STATE_STAGE: Mapping[State, str] = MappingProxyType(
    {
        State.verified: "file",
        State.filed: "dispatch",
        State.returned: "dispatch",
        State.resolved: "check",
        State.checked: "close",
    }
)


def stage_for(state: State | str, reported_by_inspector: bool) -> str | None:
    """Return the stage whose limit runs in ``state``, or None when none runs."""
    state = State(state)
    if state is State.reported:
        return "accept" if reported_by_inspector else "verify"
    if state is State.dispatched:
        return "handle"
    return STATE_STAGE.get(state)


def _tl(amount: str, unit: Unit) -> TimeLimit:
    return TimeLimit(amount=Decimal(amount), unit=unit)


def _coerce_limit(value: Any, stage: str) -> TimeLimit:
    if isinstance(value, TimeLimit):
        return value
    if isinstance(value, str):
        return TimeLimit.parse(value)
    if isinstance(value, Mapping):
        return TimeLimit.from_dict(dict(value))
    raise TypeError(f"time limit for stage {stage!r} must be text, a mapping or a TimeLimit")


@dataclass(frozen=True)
class StageLimits:
    """Default time limits of the stages of the case loop, all in working time.

    Defaults (configuration may override them, see :meth:`from_mapping`):

    ========  ======  ======================
    stage     中文     default
    ========  ======  ======================
    accept    受理     30 working minutes
    verify    核实     2 working hours
    file      立案     30 working minutes
    dispatch  派遣     30 working minutes
    check     核查     2 working hours
    close     结案     1 working hour
    ========  ======  ======================

    They follow the implementations cited in standards-notes §4.4: eGova (宁波) gives the
    inspector 120 min for 核实 and 核查 and the operator 30 min to send those tasks (the
    product default is 30 min). The official GB/T 30428.8 stage limits were not found, and
    no source gives 立案 or 结案 limits; the 30 min for 立案/派遣 and 1 h for 结案 are
    CivicGrid's own choice. Cities should configure their own values.
    """

    accept: TimeLimit = field(default_factory=lambda: _tl("30", Unit.WORKING_MINUTES))
    verify: TimeLimit = field(default_factory=lambda: _tl("2", Unit.WORKING_HOURS))
    file: TimeLimit = field(default_factory=lambda: _tl("30", Unit.WORKING_MINUTES))
    dispatch: TimeLimit = field(default_factory=lambda: _tl("30", Unit.WORKING_MINUTES))
    check: TimeLimit = field(default_factory=lambda: _tl("2", Unit.WORKING_HOURS))
    close: TimeLimit = field(default_factory=lambda: _tl("1", Unit.WORKING_HOURS))

    #: Chinese stage names accepted by :meth:`from_mapping`.
    ALIASES: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "受理": "accept",
            "核实": "verify",
            "立案": "file",
            "派遣": "dispatch",
            "核查": "check",
            "结案": "close",
        }
    )

    @classmethod
    def stages(cls) -> tuple[str, ...]:
        """Return the stage names in loop order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> StageLimits:
        """Return stage limits with the defaults overridden by ``mapping``.

        Keys are stage names (``accept`` … ``close``, or 受理 … 结案). Values are time-limit
        text for ``TimeLimit.parse`` (e.g. ``"2紧急工作时"``), a mapping
        ``{"amount": "30", "unit": "working_minutes"}`` (``TimeLimit.to_dict`` form) or a
        ``TimeLimit``. Unknown stages and unreadable limits raise ``ValueError``
        (``TimeLimitError`` is a subclass).
        """
        known = set(cls.stages())
        overrides: dict[str, TimeLimit] = {}
        for key, value in (mapping or {}).items():
            stage = cls.ALIASES.get(key, key)
            if stage not in known:
                raise ValueError(f"unknown stage {key!r}; expected one of {sorted(known)}")
            if stage in overrides:
                raise ValueError(f"stage {stage!r} is configured twice")
            overrides[stage] = _coerce_limit(value, stage)
        return cls(**overrides)

    def to_mapping(self) -> dict[str, dict[str, str]]:
        """Return the limits as a JSON-friendly mapping accepted by :meth:`from_mapping`."""
        return {name: getattr(self, name).to_dict() for name in self.stages()}

    def for_stage(self, stage: str) -> TimeLimit:
        """Return the limit of ``stage`` (English or Chinese name)."""
        name = self.ALIASES.get(stage, stage)
        if name not in self.stages():
            raise ValueError(f"unknown stage {stage!r}")
        return getattr(self, name)


# --------------------------------------------------------------------- stage history

#: Actions that leave a stage unfinished: its limit stops, or (handling) runs on later.
INTERRUPTING_ACTIONS = frozenset({"suspend", "refer_to_experts", "return"})


class StageOutcome(StrEnum):
    """Whether one stage of a case kept its deadline (compares equal to its string)."""

    MET = "met"
    MISSED = "missed"
    RUNNING = "running"
    OVERDUE = "overdue"
    INTERRUPTED = "interrupted"
    NO_LIMIT = "no_limit"


@dataclass(frozen=True)
class StageEvent:
    """What :func:`stage_history` reads of one case event (its deadline snapshot)."""

    at: datetime
    action: str
    from_state: str
    to_state: str
    stage: str = ""
    stage_due: datetime | None = None


@dataclass(frozen=True)
class StageRecord:
    """One stage of a case from the event that entered it to the one that left it.

    ``finished_at`` is None while the stage runs; ``extended`` says the due time
    moved while it ran (an extension granted, a suspension made up).
    """

    stage: str
    started_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    finished_by: str
    outcome: StageOutcome
    extended: bool = False

    @property
    def met(self) -> bool | None:
        """Return True/False once the stage is decided, None while it is open or undecided."""
        if self.outcome is StageOutcome.MET:
            return True
        if self.outcome in (StageOutcome.MISSED, StageOutcome.OVERDUE):
            return False
        return None


def _outcome(stage: str, due_at, finished_at, finished_by: str, now) -> StageOutcome:
    if due_at is None:
        return StageOutcome.NO_LIMIT
    if finished_at is None:
        return StageOutcome.RUNNING if now <= due_at else StageOutcome.OVERDUE
    if finished_at > due_at:
        return StageOutcome.MISSED
    if finished_by in INTERRUPTING_ACTIONS:
        return StageOutcome.INTERRUPTED
    return StageOutcome.MET


def stage_history(events: Iterable[StageEvent], now: datetime) -> list[StageRecord]:
    """Return every stage the events ran through, in order, with its due time and verdict.

    A stage starts at an event that changes the state (or opens the case) and
    whose snapshot names a stage; it ends at the next state-changing event. Its
    due time is the last one a snapshot gave it while it ran, so a granted
    extension or a resumed suspension counts. A stage left by a suspension, a
    referral to experts or a return before its due time is *interrupted* (the
    handling limit runs on when the case comes back); left after, it was
    *missed*. A stage still running at ``now`` is *running* or *overdue*.
    """
    _require_aware(now, "now")
    records: list[StageRecord] = []
    current: dict | None = None

    def close(at, action):
        finished = {**current, "finished_at": at, "finished_by": action}
        records.append(
            StageRecord(
                outcome=_outcome(current["stage"], current["due_at"], at, action, now),
                **finished,
            )
        )

    for event in events:
        changes_state = event.from_state != event.to_state
        if changes_state:
            if current is not None:
                close(event.at, event.action)
                current = None
            if event.stage:
                current = {
                    "stage": event.stage,
                    "started_at": event.at,
                    "due_at": event.stage_due,
                    "extended": False,
                }
        elif (
            current is not None
            and event.stage == current["stage"]
            and event.stage_due not in (None, current["due_at"])
        ):
            current["extended"] = current["due_at"] is not None
            current["due_at"] = event.stage_due
    if current is not None:
        records.append(
            StageRecord(
                finished_at=None,
                finished_by="",
                outcome=_outcome(current["stage"], current["due_at"], None, "", now),
                **current,
            )
        )
    return records

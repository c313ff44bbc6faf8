"""Working-time calendar: which days and hours count towards a case's time limits.

A :class:`WorkCalendar` knows

* the daily **work periods** (default 08:30–12:00 and 13:30–17:30, i.e. 7.5 h a day),
* the **time zone** the periods are read in (default Asia/Shanghai),
* the statutory **holidays** (法定节假日) that close a day that would otherwise be worked,
* the **make-up workdays** (调休上班) that open a Saturday or Sunday, and
* the **covered years** for which the holiday tables are known to be complete.

Day rule, in this order: a date in ``holidays`` is off; a date in ``makeup_workdays`` is worked;
otherwise Monday to Friday are worked. Explicit holiday and make-up dates are always honoured,
even in a year that is not covered (a city may add a local holiday ahead of the national
announcement). For a year that is not in ``covered_years`` there is simply no national data, so
the calendar falls back to "weekends off" for it; :meth:`WorkCalendar.missing_years` tells the
application which years need an administrator's attention.

Working time is measured in local wall-clock time inside the work periods. Daylight-saving
transitions are not compensated (Asia/Shanghai has none; elsewhere they happen at night, outside
ordinary work periods).

:func:`holidays_from_chinese_calendar` seeds the tables from the ``chinese_calendar`` package.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_PERIODS",
    "DEFAULT_TZ",
    "WorkCalendar",
    "holidays_from_chinese_calendar",
]

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


def _offset(t: time) -> timedelta:
    """Return the time of day ``t`` as an offset from midnight."""
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _as_timedelta(seconds: float | int | Decimal | timedelta) -> timedelta:
    if isinstance(seconds, timedelta):
        return seconds
    if isinstance(seconds, Decimal):
        # Avoid binary rounding of values like Decimal("0.1") before timedelta sees them.
        micro = (seconds * 1_000_000).to_integral_value()
        return timedelta(microseconds=int(micro))
    return timedelta(seconds=seconds)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _weekdays_between(start: date, end: date) -> int:
    """Return how many Mondays–Fridays lie in the half-open range [start, end)."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


def _date_set(values: Iterable[date], name: str) -> frozenset[date]:
    result = frozenset(values)
    for value in result:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(f"{name} must contain datetime.date values, got {value!r}")
    return result


class WorkCalendar:
    """A working-time calendar (work periods, time zone, holidays and make-up workdays).

    Instances are immutable and hashable; build a new one to change the configuration.
    """

    __slots__ = (
        "_covered_years",
        "_day_length",
        "_holidays",
        "_makeup_workdays",
        "_offsets",
        "_periods",
        "_tz",
        "_weekday_holidays",
        "_weekend_makeups",
    )

    def __init__(
        self,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        tz: tzinfo | str = DEFAULT_TZ,
        holidays: Iterable[date] = frozenset(),
        makeup_workdays: Iterable[date] = frozenset(),
        covered_years: Iterable[int] = frozenset(),
    ) -> None:
        """Validate and store the configuration.

        ``periods`` must be a non-empty sequence of ``(start, end)`` naive ``time`` pairs, each
        with ``start < end``, sorted and not overlapping (touching is allowed). A period cannot
        run past midnight. ``holidays`` and ``makeup_workdays`` must be disjoint.
        ``covered_years`` lists the years whose holiday data is complete; it defaults to none.
        """
        self._periods = self._validate_periods(periods)
        self._offsets = tuple((_offset(s), _offset(e)) for s, e in self._periods)
        self._day_length = sum((e - s for s, e in self._offsets), timedelta())
        if isinstance(tz, str):
            tz = ZoneInfo(tz)
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo or a zone name, not {type(tz).__name__}")
        self._tz = tz
        self._holidays = _date_set(holidays, "holidays")
        self._makeup_workdays = _date_set(makeup_workdays, "makeup_workdays")
        clash = self._holidays & self._makeup_workdays
        if clash:
            raise ValueError(
                "dates cannot be both holidays and make-up workdays: "
                + ", ".join(d.isoformat() for d in sorted(clash))
            )
        years = frozenset(covered_years)
        for year in years:
            if isinstance(year, bool) or not isinstance(year, int):
                raise TypeError(f"covered_years must contain ints, got {year!r}")
        self._covered_years = years
        # Sorted exceptions to the Monday–Friday rule, for counting by bisection.
        self._weekday_holidays = sorted(d for d in self._holidays if d.weekday() < 5)
        self._weekend_makeups = sorted(d for d in self._makeup_workdays if d.weekday() >= 5)

    @staticmethod
    def _validate_periods(periods: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
        result = tuple(tuple(p) for p in periods)
        if not result:
            raise ValueError("at least one work period is required")
        previous_end: time | None = None
        for period in result:
            if len(period) != 2:
                raise ValueError(f"a work period is a (start, end) pair, got {period!r}")
            start, end = period
            if not isinstance(start, time) or not isinstance(end, time):
                raise TypeError(f"work periods are pairs of datetime.time, got {period!r}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("work period times must be naive (read in the calendar tz)")
            if not start < end:
                raise ValueError(f"work period must start before it ends: {start}–{end}")
            if previous_end is not None and start < previous_end:
                raise ValueError(
                    f"work periods must be sorted and must not overlap: {start} < {previous_end}"
                )
            previous_end = end
        return result  # type: ignore[return-value]

    # ----------------------------------------------------------------- configuration

    @classmethod
    def from_chinese_calendar(
        cls, years: Iterable[int] | None = None, **kwargs: object
    ) -> WorkCalendar:
        """Return a calendar seeded with :func:`holidays_from_chinese_calendar`.

        Extra keyword arguments (``periods``, ``tz``) are passed to the constructor.
        """
        holidays, makeup, covered = holidays_from_chinese_calendar(years)
        return cls(
            holidays=holidays,
            makeup_workdays=makeup,
            covered_years=covered,
            **kwargs,  # type: ignore[arg-type]
        )

    @property
    def periods(self) -> tuple[tuple[time, time], ...]:
        """Return the daily work periods."""
        return self._periods

    @property
    def tz(self) -> tzinfo:
        """Return the time zone the work periods are read in."""
        return self._tz

    @property
    def holidays(self) -> frozenset[date]:
        """Return the configured holiday dates."""
        return self._holidays

    @property
    def makeup_workdays(self) -> frozenset[date]:
        """Return the configured make-up workdays (调休上班)."""
        return self._makeup_workdays

    @property
    def covered_years(self) -> frozenset[int]:
        """Return the years whose holiday data is complete."""
        return self._covered_years

    @property
    def day_length(self) -> timedelta:
        """Return the working time of one full working day."""
        return self._day_length

    @property
    def day_length_seconds(self) -> float:
        """Return the working time of one full working day in seconds (27000 by default)."""
        return self._day_length.total_seconds()

    def is_covered(self, year: int) -> bool:
        """Return True if the holiday data for ``year`` is known to be complete."""
        return year in self._covered_years

    def missing_years(self, start: date | int, end: date | int) -> tuple[int, ...]:
        """Return the years from ``start`` to ``end`` (inclusive) without holiday data.

        ``start`` and ``end`` may be years, dates or datetimes, in either order. For these
        years the calendar falls back to weekends-only, so administrators should be warned.
        """
        first = start if isinstance(start, int) else start.year
        last = end if isinstance(end, int) else end.year
        if first > last:
            first, last = last, first
        return tuple(y for y in range(first, last + 1) if y not in self._covered_years)

    # ----------------------------------------------------------------- days

    def _local(self, value: datetime) -> datetime:
        """Return ``value`` as a naive wall-clock datetime in the calendar tz."""
        return value.astimezone(self._tz).replace(tzinfo=None)

    def _aware(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self._tz)

    def is_workday(self, day: date) -> bool:
        """Return True if ``day`` is a working day.

        An aware datetime is first converted to the calendar tz; a naive one is read as a date.
        """
        if isinstance(day, datetime):
            day = self._local(day).date() if day.tzinfo is not None else day.date()
        if day in self._holidays:
            return False
        if day in self._makeup_workdays:
            return True
        return day.weekday() < 5

    def count_workdays(self, start: date, end: date) -> int:
        """Return the number of working days in the half-open range [start, end).

        Runs in O(log n) of the holiday table size, whatever the span.
        """
        if end <= start:
            return 0
        holidays = self._weekday_holidays
        makeups = self._weekend_makeups
        return (
            _weekdays_between(start, end)
            - (bisect.bisect_left(holidays, end) - bisect.bisect_left(holidays, start))
            + (bisect.bisect_left(makeups, end) - bisect.bisect_left(makeups, start))
        )

    def nth_workday_after(self, day: date, n: int) -> date:
        """Return the ``n``-th working day strictly after ``day`` (``n`` >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        first = day + _ONE_DAY
        lo = day + timedelta(days=n)  # at best every day is worked
        hi = lo
        step = n + 7
        while self.count_workdays(first, hi + _ONE_DAY) < n:
            lo = hi + _ONE_DAY
            hi = hi + timedelta(days=step)
            step *= 2
        # Smallest date in [lo, hi] with n workdays in [first, date].
        while lo < hi:
            mid = lo + timedelta(days=(hi - lo).days // 2)
            if self.count_workdays(first, mid + _ONE_DAY) >= n:
                hi = mid
            else:
                lo = mid + _ONE_DAY
        return lo

    # ----------------------------------------------------------------- working time

    def _day_overlap(self, day: date, lo: timedelta, hi: timedelta) -> timedelta:
        """Return the working time on ``day`` between the offsets ``lo`` and ``hi``."""
        total = timedelta()
        if hi <= lo or not self.is_workday(day):
            return total
        for start, end in self._offsets:
            a = max(start, lo)
            b = min(end, hi)
            if b > a:
                total += b - a
        return total

    def is_working_time(self, moment: datetime) -> bool:
        """Return True if the aware ``moment`` falls inside a work period (start inclusive)."""
        _require_aware(moment, "moment")
        local = self._local(moment)
        if not self.is_workday(local.date()):
            return False
        offset = local - datetime.combine(local.date(), time())
        return any(start <= offset < end for start, end in self._offsets)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time from ``a`` to ``b`` (negative if ``b`` is before ``a``)."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        la, lb = self._local(a), self._local(b)
        da, db = la.date(), lb.date()
        oa = la - datetime.combine(da, time())
        ob = lb - datetime.combine(db, time())
        if da == db:
            return self._day_overlap(da, oa, ob)
        return (
            self._day_overlap(da, oa, _ONE_DAY)
            + self.count_workdays(da + _ONE_DAY, db) * self._day_length
            + self._day_overlap(db, timedelta(), ob)
        )

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Return the working seconds from ``a`` to ``b`` (negative if ``b`` is before ``a``).

        Both must be timezone-aware (any tz). Whole days in the middle are counted, not
        stepped through, so long spans are cheap.
        """
        return self.working_time_between(a, b).total_seconds()

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return the earliest moment at which ``amount`` of working time after ``start`` is used.

        See :meth:`add_working_seconds`.
        """
        _require_aware(start, "start")
        if amount < timedelta():
            raise ValueError("working time to add must not be negative")
        local = self._local(start)
        if not amount:
            return self._aware(local)
        day = local.date()
        offset = local - datetime.combine(day, time())
        rest = amount
        if self.is_workday(day):
            for period_start, period_end in self._offsets:
                if offset < period_end:
                    begin = max(offset, period_start)
                    available = period_end - begin
                    if rest <= available:
                        return self._aware(datetime.combine(day, time()) + begin + rest)
                    rest -= available
        # ``rest`` > 0 is left: skip whole working days, then finish inside the next one.
        # ceil(rest / day) - 1 whole days, so an exact multiple ends at the last period end.
        whole_days = (rest - _ONE_MICROSECOND) // self._day_length
        rest -= whole_days * self._day_length
        target = self.nth_workday_after(day, whole_days + 1)
        midnight = datetime.combine(target, time())
        for period_start, period_end in self._offsets:
            available = period_end - period_start
            if rest <= available:
                return self._aware(midnight + period_start + rest)
            rest -= available
        raise AssertionError("unreachable: the remainder fits in one working day")

    def add_working_seconds(
        self, start: datetime, seconds: float | int | Decimal | timedelta
    ) -> datetime:
        """Return the moment ``seconds`` of working time after the aware ``start``.

        The result is the earliest moment ``t`` with ``working_seconds_between(start, t) ==
        seconds``, in the calendar tz. Hence:

        * when ``start`` is outside working time, counting begins at the next period start;
        * when the result lands exactly at a period end, that end is returned (not the next
          period start);
        * adding zero returns ``start`` itself (converted to the calendar tz).

        ``seconds`` must not be negative; sub-microsecond fractions are rounded.
        """
        return self.add_working_time(start, _as_timedelta(seconds))

    def next_working_moment(self, moment: datetime) -> datetime:
        """Return ``moment`` if it is working time, else the start of the next work period."""
        _require_aware(moment, "moment")
        if self.is_working_time(moment):
            return moment.astimezone(self._tz)
        # The first microsecond of working time after ``moment`` starts at a period start.
        return self.add_working_time(moment, _ONE_MICROSECOND) - _ONE_MICROSECOND

    # ----------------------------------------------------------------- dunder

    def _key(self) -> tuple[object, ...]:
        return (
            self._periods,
            str(self._tz),
            self._holidays,
            self._makeup_workdays,
            self._covered_years,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        periods = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self._periods)
        years = sorted(self._covered_years)
        covered = f"{years[0]}..{years[-1]}" if years else "none"
        return (
            f"<WorkCalendar {periods} {self._tz}; {len(self._holidays)} holidays, "
            f"{len(self._makeup_workdays)} make-up workdays, covered years {covered}>"
        )


# --------------------------------------------------------------------- chinese_calendar


def _chinese_calendar_years(cc: object) -> list[int]:
    """Return the years the installed ``chinese_calendar`` has data for, found by probing.

    The package raises ``NotImplementedError`` outside its table, so probe instead of
    hard-coding its last year (new releases add a year every winter).
    """
    this_year = date.today().year
    years = []
    for year in range(1949, this_year + 30):
        try:
            cc.is_workday(date(year, 1, 1))  # type: ignore[attr-defined]
            cc.is_workday(date(year, 12, 31))  # type: ignore[attr-defined]
        except NotImplementedError:
            continue
        years.append(year)
    return years


def holidays_from_chinese_calendar(
    years: Iterable[int] | None = None,
) -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    """Return ``(holidays, makeup_workdays, covered_years)`` from ``chinese_calendar``.

    * ``holidays``: every day that ``chinese_calendar`` marks as a day off and that is either
      a Monday–Friday or a named statutory holiday (so weekend days inside a holiday block,
      such as 2026-02-15, are included too; this is harmless and keeps the block whole).
    * ``makeup_workdays``: every Saturday or Sunday that ``chinese_calendar`` marks as a
      workday (调休上班).
    * ``covered_years``: the requested years the package has data for. With ``years=None``
      all years the package supports are used. Unsupported requested years are left out
      (the calendar then falls back to weekends-only for them).
    """
    import chinese_calendar as cc

    supported = _chinese_calendar_years(cc)
    wanted = supported if years is None else sorted(set(years) & set(supported))
    holidays: set[date] = set()
    makeups: set[date] = set()
    for year in wanted:
        day = date(year, 1, 1)
        while day.year == year:
            if cc.is_workday(day):
                if day.weekday() >= 5:
                    makeups.add(day)
            else:
                _, name = cc.get_holiday_detail(day)
                if day.weekday() < 5 or name is not None:
                    holidays.add(day)
            day += _ONE_DAY
    return frozenset(holidays), frozenset(makeups), frozenset(wanted)

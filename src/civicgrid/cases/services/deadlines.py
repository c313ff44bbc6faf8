"""Deadlines of a case: the configured limits and a case's progress, for the API.

The rules (which limit runs in which state, how time is counted) live in
``core.deadlines``; this module feeds them the configuration and the case.
"""

from datetime import datetime

from django.conf import settings

from civicgrid.core import deadlines as core_deadlines
from civicgrid.core.deadlines import StageLimits
from civicgrid.core.timelimits import TimeLimit, Unit


def stage_limits() -> StageLimits:
    """Return the configured stage limits (defaults from ``core.deadlines``)."""
    overrides = settings.CIVICGRID.get("STAGE_LIMITS") or {}
    # Parsed once per configuration: deadlines are read for every case on a map.
    key = repr(sorted(overrides.items()))
    limits = _PARSED.get(key)
    if limits is None:
        limits = _PARSED[key] = StageLimits.from_mapping(overrides)
    return limits


_PARSED: dict[str, StageLimits] = {}


def stage_limit(stage: str, handling_limit: dict | None) -> TimeLimit | None:
    """Return the time limit of ``stage``; ``handle`` is the case's own limit."""
    if stage == "handle":
        return TimeLimit.from_dict(handling_limit) if handling_limit else None
    return stage_limits().for_stage(stage)


def progress(calendar, start: datetime | None, due: datetime | None, now: datetime,
             unit: Unit, pauses=()) -> dict | None:  # fmt: skip
    """Return remaining time and the three-colour level of a running deadline."""
    if start is None or due is None:
        return None
    state = core_deadlines.progress_until(calendar, start, due, now, unit, pauses)
    return {
        "due": due,
        "limit_seconds": round(state.limit_seconds),
        "used_seconds": round(state.used_seconds),
        "remaining_seconds": round(state.remaining_seconds),
        "level": str(state.level),
        "overdue": now > due,
    }

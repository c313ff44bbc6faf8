"""Deadlines of a case: which limit applies in which state, and how far along it is.

The rules of counting live in ``core.deadlines``; this module only decides
which limit a state runs on and stores the results on the case.
"""

from datetime import datetime

from django.conf import settings

from civicgrid.core import deadlines as core_deadlines
from civicgrid.core.deadlines import StageLimits
from civicgrid.core.timelimits import TimeLimit
from civicgrid.core.workflow import State

# The stage whose limit runs while a case sits in a state. ``reported`` runs
# on 核实 (verify) unless an inspector reported it (already seen on site),
# then on 受理 (accept). ``dispatched`` runs on the handling limit of the
# filing condition. Suspended and in-ruling cases run on no stage limit.
STATE_STAGE = {
    State.verified: "file",
    State.filed: "dispatch",
    State.returned: "dispatch",
    State.resolved: "check",
    State.checked: "close",
}


def stage_limits() -> StageLimits:
    """Return the configured stage limits (defaults from ``core.deadlines``)."""
    return StageLimits.from_mapping(settings.CIVICGRID.get("STAGE_LIMITS") or {})


def stage_for(state: str, reported_by_inspector: bool) -> str | None:
    """Return the stage name whose limit runs in ``state``, or None."""
    state = State(state)
    if state is State.reported:
        return "accept" if reported_by_inspector else "verify"
    if state is State.dispatched:
        return "handle"
    return STATE_STAGE.get(state)


def stage_limit(stage: str, handling_limit: dict | None) -> TimeLimit | None:
    """Return the time limit of ``stage``; ``handle`` is the case's own limit."""
    if stage == "handle":
        return TimeLimit.from_dict(handling_limit) if handling_limit else None
    return stage_limits().for_stage(stage)


def progress(calendar, start: datetime | None, due: datetime | None, now: datetime,
             continuous: bool, pauses=()) -> dict | None:  # fmt: skip
    """Return remaining time and the three-colour level of a running deadline."""
    if start is None or due is None:
        return None
    if continuous:

        def span(a, b):
            return max((b - a).total_seconds(), 0.0)

    else:

        def span(a, b):
            return max(calendar.working_seconds_between(a, b), 0.0)

    paused = [(s, e or now) for s, e in pauses]
    total = span(start, due) - sum(span(max(s, start), min(e, due)) for s, e in paused if e > s)
    used = span(start, now) - sum(span(max(s, start), min(e, now)) for s, e in paused if e > s)
    level = core_deadlines.warning_level(used, max(total, 1.0))
    return {
        "due": due,
        "limit_seconds": round(total),
        "used_seconds": round(used),
        "remaining_seconds": round(total - used),
        "level": str(level),
        "overdue": now > due,
    }

"""The stage history of a case: each stage's start, due time, end and verdict."""

from datetime import UTC, datetime, timedelta

from civicgrid.core.deadlines import StageEvent, StageOutcome, stage_history

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(minute, action, from_state, to_state, stage="", due=None) -> StageEvent:
    return StageEvent(
        at=at(minute),
        action=action,
        from_state=from_state,
        to_state=to_state,
        stage=stage,
        stage_due=at(due) if due is not None else None,
    )


def test_a_case_closed_on_time_meets_every_stage():
    """Each state change closes one stage and opens the next; all kept their due times."""
    events = [
        ev(0, "report", "", "reported", "verify", 120),
        ev(30, "verify", "reported", "verified", "file", 60),
        ev(40, "file", "verified", "filed", "dispatch", 70),
        ev(50, "dispatch", "filed", "dispatched", "handle", 500),
        ev(60, "urge", "dispatched", "dispatched", "handle", 500),
        ev(400, "resolve", "dispatched", "resolved", "check", 520),
        ev(450, "check", "resolved", "checked", "close", 510),
        ev(470, "close", "checked", "closed"),
    ]
    history = stage_history(events, now=at(1000))
    assert [r.stage for r in history] == ["verify", "file", "dispatch", "handle", "check", "close"]
    assert all(r.outcome is StageOutcome.MET for r in history)
    handle = history[3]
    assert (handle.started_at, handle.due_at, handle.finished_at) == (at(50), at(500), at(400))
    assert handle.finished_by == "resolve" and handle.met is True


def test_an_extension_moves_the_due_time_and_is_flagged():
    """A granted extension (no state change) gives the running stage its new due time."""
    events = [
        ev(0, "dispatch", "filed", "dispatched", "handle", 100),
        ev(50, "grant_extension", "dispatched", "dispatched", "handle", 300),
        ev(200, "resolve", "dispatched", "resolved", "check", 320),
    ]
    handle = stage_history(events, now=at(210))[0]
    assert handle.due_at == at(300) and handle.extended is True
    assert handle.outcome is StageOutcome.MET


def test_overdue_missed_and_running_stages():
    """Finished late is missed; still open past due is overdue; still open in time runs."""
    events = [
        ev(0, "dispatch", "filed", "dispatched", "handle", 100),
        ev(150, "mark_overdue", "dispatched", "dispatched", "handle", 100),
        ev(200, "resolve", "dispatched", "resolved", "check", 320),
    ]
    handle, check = stage_history(events, now=at(250))
    assert handle.outcome is StageOutcome.MISSED and handle.met is False
    assert check.outcome is StageOutcome.RUNNING and check.finished_at is None
    assert check.met is None
    (_, late) = stage_history(events, now=at(400))
    assert late.outcome is StageOutcome.OVERDUE and late.met is False


def test_a_suspension_interrupts_and_the_resumed_stage_has_the_moved_due():
    """Suspended before due: interrupted, no stage while suspended, resumed with more time."""
    events = [
        ev(0, "dispatch", "filed", "dispatched", "handle", 100),
        ev(40, "suspend", "dispatched", "suspended"),
        ev(90, "resume", "suspended", "dispatched", "handle", 150),
        ev(140, "resolve", "dispatched", "resolved", "check", 260),
    ]
    first, second, check = stage_history(events, now=at(145))
    assert first.outcome is StageOutcome.INTERRUPTED and first.finished_by == "suspend"
    assert first.met is None
    assert (second.started_at, second.due_at) == (at(90), at(150))
    assert second.outcome is StageOutcome.MET
    assert check.stage == "check"


def test_events_without_a_snapshot_open_no_stage():
    """Legacy events with no deadline snapshot, and stages with no due time, are no-limit."""
    events = [
        ev(0, "report", "", "reported"),
        ev(10, "file", "reported", "filed", "dispatch", None),
        ev(20, "void", "filed", "voided"),
    ]
    (record,) = stage_history(events, now=at(30))
    assert record.outcome is StageOutcome.NO_LIMIT

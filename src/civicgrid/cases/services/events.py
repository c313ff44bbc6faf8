"""Append events to a case's hash chain (used only by the case services)."""

from django.db import transaction

from civicgrid.cases.models import CaseEvent
from civicgrid.common.pubsub import publish_case_change
from civicgrid.core.eventlog import GENESIS, event_hash


def append_event(case, *, action, actor, role, from_state, to_state, at, note="", data=None,
                 department_id=None, deadlines=None) -> CaseEvent:  # fmt: skip
    """Append the next event of ``case`` (locked by the caller) and chain it."""
    event = CaseEvent(
        case=case,
        seq=case.version + 1,
        action=str(action),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor) if getattr(actor, "pk", None) else "system",
        role=str(role),
        from_state=str(from_state or ""),
        to_state=str(to_state),
        at=at,
        note=note or "",
        data=data or {},
        department_id=department_id,
        deadlines=deadlines or {},
    )
    event.prev_hash = case.last_event_hash or GENESIS
    event.hash = event_hash(event.prev_hash, event.chain_payload())
    event.save()
    # Open live screens in every process learn of it once it is visible to them.
    transaction.on_commit(publish_case_change)
    case.version = event.seq
    case.last_event_hash = event.hash
    return event


def verify_case_chain(case) -> tuple[bool, str]:
    """Check one case's chain; return (ok, reason)."""
    from civicgrid.core.eventlog import verify_chain

    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    report = verify_chain((e.chain_payload(), e.prev_hash, e.hash) for e in events)
    if report.ok and events and events[-1].hash != case.last_event_hash:
        return False, "the case's last hash does not match its last event"
    if report.ok and [e.seq for e in events] != list(range(1, len(events) + 1)):
        return False, "event sequence numbers have gaps"
    return report.ok, report.reason or ""

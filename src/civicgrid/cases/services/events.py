"""Append events to a case's keyed hash chain (used only by the case services)."""

import hashlib
import hmac

from django.db import transaction

from civicgrid.cases.models import CaseEvent
from civicgrid.cases.services.auditkeys import keyring
from civicgrid.common.pubsub import publish_case_change
from civicgrid.core.eventlog import GENESIS, canonical_json, keyed_event_hash, to_jsonable


def append_event(case, *, action, actor, role, from_state, to_state, at, note="", data=None,
                 department_id=None, deadlines=None) -> CaseEvent:  # fmt: skip
    """Append the next event of ``case`` (locked by the caller) and chain it under the key."""
    ring = keyring()
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
        key_id=ring.active_id,
    )
    event.prev_hash = case.last_event_hash or GENESIS
    event.hash = keyed_event_hash(event.prev_hash, event.chain_payload(), ring.active)
    event.save()
    # Open live screens in every process learn of it once it is visible to them.
    transaction.on_commit(publish_case_change)
    case.version = event.seq
    case.last_event_hash = event.hash
    return event


def reporter_ref(name: str, phone: str, key: bytes) -> str | None:
    """Return a keyed reference to a citizen reporter's name and phone, or None if neither.

    The event log must cover who reported without holding the phone number in clear; a plain
    hash of an 11-digit phone number is reversed by trying them all, an HMAC is not.
    """
    if not (name or phone):
        return None
    message = b"reporter\x00" + canonical_json({"name": name, "phone": phone})
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def report_content(report, photos, key: bytes) -> dict:
    """Return what the ``report`` event records of the report it opened the case with."""
    return to_jsonable(
        {
            "description": report.description,
            "lon": report.lon,
            "lat": report.lat,
            "address": report.address,
            "category_guess": report.category_guess_id,
            "asset": report.asset_id,
            "channel": report.channel,
            "reported_at": report.reported_at,
            "reporter": report.reporter_id,
            "reporter_ref": reporter_ref(report.reporter_name, report.reporter_phone, key),
            "photo_sha256": sorted(photo.sha256 for photo in photos),
        }
    )


def verify_case_chain(case) -> tuple[bool, str]:
    """Check one case (chain, head, state, version, content); return (ok, first reason)."""
    from civicgrid.cases.services.auditing import verify_case

    problems = verify_case(case, keyring())
    return (not problems, problems[0] if problems else "")

"""The tamper-evident hash chain for case events (pure).

Each event stores ``previous_hash`` (the hash of the event before it, :data:`GENESIS` for the
first) and ``hash = sha256(previous_hash + canonical_json(payload))``. Editing a payload breaks
that event's hash; dropping, inserting or reordering events breaks the ``previous_hash`` links.
Dropping events from the *end* is only caught when the caller passes the head hash it keeps
elsewhere (e.g. on the case row) as ``expected_head``.

Payloads are hashed in a canonical JSON form so that the hash survives a round trip through a
JSON column: store :func:`to_jsonable` of the payload, and re-hashing the stored value gives the
same bytes.

A plain SHA-256 chain only shows *accidental* damage: anyone who can write the table can edit an
event and recompute every later hash. :func:`keyed_event_hash` therefore makes each link an
HMAC-SHA256 under a secret key that lives outside the database; events name the key by id so
keys can rotate, and :func:`verify_chain` takes the key ring to check them (``keys=``).
:func:`merkle_root` condenses the heads of all chains into one value for the global checkpoint
chain, so a history that disappears entirely is caught as well.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = [
    "GENESIS",
    "ChainReport",
    "build_chain",
    "canonical_json",
    "event_hash",
    "is_hash",
    "key_id_of",
    "keyed_event_hash",
    "merkle_leaf",
    "merkle_root",
    "to_jsonable",
    "verify_chain",
]

#: The ``previous_hash`` of the first event in a chain.
GENESIS = "0" * 64

_HASH_RE = re.compile(r"[0-9a-f]{64}")


def is_hash(value: Any) -> bool:
    """Return whether ``value`` is a lowercase 64-digit hex SHA-256 string."""
    return isinstance(value, str) and _HASH_RE.fullmatch(value) is not None


def _format_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone; store UTC")
    utc = value.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def to_jsonable(obj: Any) -> Any:
    """Return ``obj`` as plain JSON values, in the canonical forms used for hashing.

    Aware datetimes become ISO-8601 UTC strings with microseconds and ``Z``; dates become
    ``YYYY-MM-DD``; Decimals and UUIDs become strings; enums become their values; tuples become
    lists. Raise ValueError for NaN or infinity, naive datetimes and bare times, and TypeError
    for non-string keys and types with no single JSON form (sets, bytes, …).
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{obj!r} has no JSON form")
        return obj
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            raise ValueError(f"Decimal {obj} has no JSON form")
        return str(obj)
    if isinstance(obj, datetime):
        return _format_datetime(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, time):
        raise ValueError("a time of day without a date is ambiguous; use a datetime")
    if isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, Mapping):
        result: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, not {type(key).__name__}")
            result[key] = to_jsonable(value)
        return result
    if isinstance(obj, list | tuple):
        return [to_jsonable(item) for item in obj]
    raise TypeError(f"{type(obj).__name__} has no canonical JSON form")


def canonical_json(obj: Any) -> bytes:
    """Return the canonical UTF-8 JSON bytes of ``obj``: sorted keys, no whitespace."""
    return json.dumps(
        to_jsonable(obj),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def event_hash(previous_hash: str, payload: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest of ``previous_hash`` followed by the canonical payload."""
    if not is_hash(previous_hash):
        raise ValueError(f"previous_hash must be 64 lowercase hex digits, got {previous_hash!r}")
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be a mapping, not {type(payload).__name__}")
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(canonical_json(payload))
    return digest.hexdigest()


def keyed_event_hash(previous_hash: str, payload: Mapping[str, Any], key: bytes) -> str:
    """Return HMAC-SHA256 under ``key`` of ``previous_hash`` followed by the canonical payload.

    Without the key nobody can produce a matching hash, so rewriting an event and recomputing
    the chain after it is no longer possible for someone who can only write the database.
    """
    if not is_hash(previous_hash):
        raise ValueError(f"previous_hash must be 64 lowercase hex digits, got {previous_hash!r}")
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be a mapping, not {type(payload).__name__}")
    if not isinstance(key, bytes | bytearray) or len(key) < 16:
        raise ValueError("an audit key must be at least 16 bytes")
    mac = hmac.new(bytes(key), digestmod=hashlib.sha256)
    mac.update(previous_hash.encode("ascii"))
    mac.update(canonical_json(payload))
    return mac.hexdigest()


def key_id_of(key: bytes) -> str:
    """Return the public id of ``key``: 12 hex digits of a domain-separated SHA-256.

    The id is stored beside each event so the verifier knows which key to use; it reveals
    nothing useful about the key itself.
    """
    return hashlib.sha256(b"civicgrid-audit-key-id\x00" + bytes(key)).hexdigest()[:12]


def merkle_leaf(*parts: Any) -> bytes:
    """Return the canonical bytes of one Merkle leaf (e.g. case id, version, head hash)."""
    return canonical_json(list(parts))


def merkle_root(leaves: Iterable[bytes]) -> str:
    """Return the hex Merkle root of ``leaves`` in order (RFC 6962 tree hashing).

    Leaves and inner nodes are hashed with different one-byte prefixes so a leaf can never pass
    for a node. The root of no leaves is SHA-256 of the empty string.
    """
    level = [hashlib.sha256(b"\x00" + bytes(leaf)).digest() for leaf in leaves]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    return _subtree(level).hex()


def _subtree(nodes: list[bytes]) -> bytes:
    if len(nodes) == 1:
        return nodes[0]
    split = 1 << ((len(nodes) - 1).bit_length() - 1)  # largest power of two below len
    left, right = _subtree(nodes[:split]), _subtree(nodes[split:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def build_chain(
    payloads: Iterable[Mapping[str, Any]], start: str = GENESIS
) -> Iterator[tuple[Mapping[str, Any], str, str]]:
    """Yield ``(payload, previous_hash, hash)`` for each payload, linked from ``start``."""
    previous = start
    for payload in payloads:
        current = event_hash(previous, payload)
        yield payload, previous, current
        previous = current


@dataclass(frozen=True)
class ChainReport:
    """The result of :func:`verify_chain`.

    ``checked`` counts the events examined; on failure verification stops at the first bad
    event, so ``checked == first_bad_index + 1`` (or ``len(events)`` when the chain is too short
    for ``expected_head``).
    """

    ok: bool
    checked: int
    first_bad_index: int | None = None
    reason: str | None = None
    head: str | None = None


def verify_chain(
    events: Iterable[tuple],
    *,
    start: str = GENESIS,
    expected_head: str | None = None,
    keys: Mapping[str, bytes] | None = None,
) -> ChainReport:
    """Check a chain of ``(payload, stored_previous_hash, stored_hash)`` in order.

    The first event must link to ``start`` (GENESIS for a whole chain), each later one to the
    stored hash of the one before, and each stored hash must match its recomputed hash. When
    ``expected_head`` is given the last hash must equal it, which catches events dropped from
    the end. With ``keys`` (key id → key) the chain is keyed: every event is a
    ``(payload, previous, hash, key_id)`` and its hash must be the HMAC under that key; an
    unkeyed or unknown-key event fails. Never raises for bad data; the report says where and why.
    """
    expected_previous = start
    checked = 0
    for index, event in enumerate(events):
        checked = index + 1
        key = None
        try:
            if keys is None:
                payload, stored_previous, stored_hash = event
            else:
                payload, stored_previous, stored_hash, key_id = event
        except (TypeError, ValueError):
            return ChainReport(False, checked, index, "event is not a (payload, previous, hash)")
        if keys is not None:
            key = keys.get(key_id) if isinstance(key_id, str) else None
            if key is None:
                return ChainReport(
                    False,
                    checked,
                    index,
                    f"event is signed with key id {key_id!r}, which is not in the key ring "
                    "(an unkeyed event, or a key that was lost)",
                )
        if stored_previous != expected_previous:
            return ChainReport(
                False,
                checked,
                index,
                f"previous_hash {stored_previous!r} does not link to {expected_previous!r} "
                "(an event was dropped, inserted or reordered)",
            )
        try:
            recomputed = (
                event_hash(stored_previous, payload)
                if key is None
                else keyed_event_hash(stored_previous, payload, key)
            )
        except (TypeError, ValueError) as exc:
            return ChainReport(False, checked, index, f"payload cannot be hashed: {exc}")
        if stored_hash != recomputed:
            return ChainReport(
                False,
                checked,
                index,
                f"stored hash {stored_hash!r} does not match the payload (recomputed "
                f"{recomputed!r}); the event was altered",
            )
        expected_previous = stored_hash
    if expected_head is not None and expected_previous != expected_head:
        return ChainReport(
            False,
            checked,
            checked,
            f"chain ends at {expected_previous!r} but the expected head is {expected_head!r} "
            "(events are missing, or were added, at the end)",
        )
    return ChainReport(True, checked, None, None, expected_previous)

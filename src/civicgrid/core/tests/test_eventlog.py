"""Tests for the case event hash chain (civicgrid.core.eventlog)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core.eventlog import (
    GENESIS,
    ChainReport,
    build_chain,
    canonical_json,
    event_hash,
    is_hash,
    to_jsonable,
    verify_chain,
)
from civicgrid.core.workflow import Action, State

SHANGHAI = timezone(timedelta(hours=8))


def payloads(n: int = 5) -> list[dict]:
    base = datetime(2026, 3, 1, 9, 30, tzinfo=SHANGHAI)
    return [
        {
            "case": "C-2026-000123",
            "seq": i,
            "action": ["file", "dispatch", "resolve", "check", "close"][i % 5],
            "actor": {"id": 7, "role": "dispatcher"},
            "at": base + timedelta(minutes=17 * i, microseconds=i),
            "note": f"第{i}步",
        }
        for i in range(n)
    ]


def chain(n: int = 5) -> list[tuple[dict, str, str]]:
    return list(build_chain(payloads(n)))


# ---------------------------------------------------------------------------------------------
# canonical_json
# ---------------------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_without_whitespace_in_utf8():
    """Keys are sorted at every level, no spaces, non-ASCII kept as UTF-8."""
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": "井盖"}}) == (
        '{"a":{"c":"井盖","d":[1,2]},"b":1}'.encode()
    )


def test_canonical_json_ignores_insertion_order():
    """The same mapping in another insertion order gives the same bytes."""
    assert canonical_json({"x": 1, "y": 2}) == canonical_json({"y": 2, "x": 1})


def test_datetimes_are_utc_with_microseconds_and_z():
    """Aware datetimes become ISO-8601 UTC with microseconds and a Z."""
    at = datetime(2026, 3, 1, 9, 30, tzinfo=SHANGHAI)
    assert canonical_json({"at": at}) == b'{"at":"2026-03-01T01:30:00.000000Z"}'
    same_instant = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    assert canonical_json({"at": same_instant}) == canonical_json({"at": at})
    assert to_jsonable(datetime(9, 1, 1, tzinfo=UTC)) == "0009-01-01T00:00:00.000000Z"


def test_naive_datetimes_and_bare_times_are_rejected():
    """A naive datetime is ambiguous and is refused rather than guessed."""
    with pytest.raises(ValueError):
        canonical_json({"at": datetime(2026, 3, 1, 9, 30)})
    with pytest.raises(ValueError):
        canonical_json({"at": time(9, 30)})


def test_decimals_dates_uuids_enums_and_tuples():
    """Decimals and UUIDs are strings, dates ISO, enums their values, tuples lists."""
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert json.loads(
        canonical_json(
            {
                "d": Decimal("12.50"),
                "day": date(2026, 2, 29 - 1),
                "u": u,
                "s": State.closed,
                "a": Action.return_,
                "t": (1, "a"),
            }
        )
    ) == {
        "d": "12.50",
        "day": "2026-02-28",
        "u": str(u),
        "s": "closed",
        "a": "return",
        "t": [1, "a"],
    }


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), -float("inf"), Decimal("NaN"), Decimal("Infinity")]
)
def test_nan_and_infinity_are_rejected(bad):
    """NaN and infinities have no JSON form."""
    with pytest.raises(ValueError):
        canonical_json({"v": [bad]})


@pytest.mark.parametrize("bad", [{1: "a"}, {"a": {1, 2}}, {"a": b"x"}, {"a": object()}])
def test_ambiguous_values_are_rejected(bad):
    """Non-string keys, sets, bytes and unknown objects have no single canonical form."""
    with pytest.raises(TypeError):
        canonical_json(bad)


def test_round_trip_through_a_json_column_keeps_the_hash():
    """Hashing the stored (JSON) form of a payload gives the same hash as the original."""
    original = payloads(1)[0] | {"amount": Decimal("3.10"), "id": uuid.uuid4()}
    stored = json.loads(json.dumps(to_jsonable(original)))
    assert event_hash(GENESIS, stored) == event_hash(GENESIS, original)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_canonical_json_is_stable_under_reparse(payload):
    """Canonical bytes parse back to the same value and re-canonicalise to the same bytes."""
    data = canonical_json(payload)
    assert canonical_json(json.loads(data)) == data


# ---------------------------------------------------------------------------------------------
# event_hash
# ---------------------------------------------------------------------------------------------


def test_event_hash_is_sha256_of_previous_and_canonical_payload():
    """The hash is sha256(previous_hash + canonical payload), as lowercase hex."""
    payload = {"b": 2, "a": "核查"}
    expected = hashlib.sha256(GENESIS.encode() + canonical_json(payload)).hexdigest()
    assert event_hash(GENESIS, payload) == expected
    assert is_hash(expected)
    assert GENESIS == "0" * 64


def test_event_hash_depends_on_previous_hash():
    """The same payload after a different event hashes differently."""
    other = "f" * 64
    assert event_hash(GENESIS, {"a": 1}) != event_hash(other, {"a": 1})


@pytest.mark.parametrize("bad", ["", "0" * 63, "F" * 64, "g" * 64, None, 0])
def test_event_hash_rejects_malformed_previous_hash(bad):
    """previous_hash must be 64 lowercase hex digits."""
    with pytest.raises(ValueError):
        event_hash(bad, {"a": 1})


def test_event_hash_rejects_non_mapping_payload():
    """Payloads are JSON objects."""
    with pytest.raises(TypeError):
        event_hash(GENESIS, ["a"])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# verify_chain
# ---------------------------------------------------------------------------------------------


def test_intact_chain_verifies():
    """An untouched chain is ok and every event is checked."""
    events = chain(5)
    report = verify_chain(events)
    assert report == ChainReport(ok=True, checked=5, first_bad_index=None, reason=None,
                                 head=events[-1][2])  # fmt: skip
    assert verify_chain(events, expected_head=events[-1][2]).ok


def test_empty_chain_verifies():
    """No events is a valid (empty) chain whose head is GENESIS."""
    assert verify_chain([]) == ChainReport(True, 0, None, None, GENESIS)
    assert not verify_chain([], expected_head="a" * 64).ok


def test_first_event_must_link_to_genesis():
    """The first event's previous hash is GENESIS."""
    payload = {"a": 1}
    fake_prev = "1" * 64
    report = verify_chain([(payload, fake_prev, event_hash(fake_prev, payload))])
    assert not report.ok and report.first_bad_index == 0


@pytest.mark.parametrize("index", [0, 2, 4])
def test_edited_payload_is_detected(index):
    """Changing any payload value breaks that event's hash."""
    events = chain(5)
    payload, prev, h = events[index]
    events[index] = ({**payload, "note": "改过"}, prev, h)
    report = verify_chain(events)
    assert not report.ok
    assert report.first_bad_index == index
    assert report.checked == index + 1
    assert "altered" in report.reason


def test_edit_with_recomputed_hash_breaks_the_next_link():
    """Re-hashing an edited event does not help: the next event no longer links to it."""
    events = chain(5)
    payload, prev, _ = events[1]
    edited = {**payload, "actor": {"id": 8, "role": "dispatcher"}}
    events[1] = (edited, prev, event_hash(prev, edited))
    report = verify_chain(events)
    assert not report.ok and report.first_bad_index == 2
    assert "does not link" in report.reason


@pytest.mark.parametrize("index", [0, 1, 3])
def test_dropped_event_is_detected(index):
    """Removing an event from the middle or start breaks the link after the gap."""
    events = chain(5)
    del events[index]
    report = verify_chain(events)
    assert not report.ok and report.first_bad_index == index


def test_dropped_last_event_needs_the_expected_head():
    """Truncation at the end is invisible to the links alone; the stored head catches it."""
    events = chain(5)
    head = events[-1][2]
    truncated = events[:-1]
    assert verify_chain(truncated).ok
    report = verify_chain(truncated, expected_head=head)
    assert not report.ok and report.first_bad_index == 4
    assert "missing" in report.reason


@pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 3), (3, 4)])
def test_reordered_events_are_detected(i, j):
    """Swapping two events breaks the chain at the earlier position."""
    events = chain(5)
    events[i], events[j] = events[j], events[i]
    report = verify_chain(events)
    assert not report.ok and report.first_bad_index == i


def test_inserted_event_is_detected():
    """An extra event spliced in breaks the link of the event after it."""
    events = chain(4)
    prev = events[1][2]
    extra = {"case": "C-2026-000123", "seq": 99, "action": "close"}
    events.insert(2, (extra, prev, event_hash(prev, extra)))
    report = verify_chain(events)
    assert not report.ok and report.first_bad_index == 3


def test_tampered_stored_hash_is_detected():
    """Editing a stored hash is caught at that event."""
    events = chain(3)
    payload, prev, _ = events[1]
    events[1] = (payload, prev, "a" * 64)
    report = verify_chain(events)
    assert not report.ok and report.first_bad_index == 1


def test_bad_data_is_reported_not_raised():
    """Unhashable payloads and malformed rows give a failing report, not an exception."""
    events = chain(2)
    events.append(({"v": float("nan")}, events[-1][2], "0" * 64))
    report = verify_chain(events)
    assert not report.ok and report.first_bad_index == 2
    assert "cannot be hashed" in report.reason
    report = verify_chain([("not", "a triple")])
    assert not report.ok and report.first_bad_index == 0


def test_segment_verifies_from_a_given_start():
    """A later segment verifies when started from the hash before it."""
    events = chain(5)
    assert verify_chain(events[2:], start=events[1][2]).ok
    assert not verify_chain(events[2:]).ok


def test_verify_accepts_any_iterable():
    """A generator of events (e.g. a queryset iterator) works."""
    assert verify_chain(e for e in chain(3)).checked == 3


@given(st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=4), max_size=8))
def test_any_built_chain_verifies_and_any_single_edit_is_caught(items):
    """Chains built by build_chain verify; changing any one payload is detected at that index."""
    events = list(build_chain(items))
    assert verify_chain(events).ok
    for index, (payload, prev, h) in enumerate(events):
        tampered = [*events]
        tampered[index] = ({**payload, "\x00tamper": True}, prev, h)
        report = verify_chain(tampered)
        assert not report.ok and report.first_bad_index == index

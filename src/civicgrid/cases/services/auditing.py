"""Verify the case log against its keys and checkpoints; write and export checkpoints.

What ``civicgrid audit verify`` proves, per case: the events form one keyed chain from
GENESIS (every HMAC under a key of the ring, no gaps in ``seq``), the case row's head hash,
``version`` and ``state`` are the last event's, a case has at least one event, and the report
and photos its events describe still have the recorded content. Globally: the checkpoint chain
is intact and keyed, each checkpoint's root is the Merkle root of its heads, and every case
the latest checkpoint recorded still exists with the recorded hash at the recorded version — so
truncating a history, or deleting a whole case with its events, is caught too.
"""

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from civicgrid.cases.models import AuditCheckpoint, Case, CaseEvent, Photo, Report
from civicgrid.cases.services.auditkeys import Keyring, keyring
from civicgrid.cases.services.events import report_content
from civicgrid.core.eventlog import (
    GENESIS,
    keyed_event_hash,
    merkle_leaf,
    merkle_root,
    to_jsonable,
    verify_chain,
)

__all__ = [
    "CheckpointRefused",
    "Problem",
    "export_checkpoint",
    "export_checkpoint_s3",
    "verify_all",
    "verify_case",
    "verify_checkpoints",
    "verify_export",
    "write_checkpoint",
]


@dataclass(frozen=True)
class Problem:
    """One finding of the verifier: which case (code, or None for global) and why."""

    case: str | None
    reason: str

    def __str__(self) -> str:
        return f"case {self.case}: {self.reason}" if self.case else self.reason


class CheckpointRefused(Exception):
    """A new checkpoint would seal a log that no longer matches the last one."""


def _chain_problems(case, events: list, ring: Keyring) -> list[str]:
    if not events:
        return ["the case has no events (its history was deleted)"]
    report = verify_chain(
        ((e.chain_payload(), e.prev_hash, e.hash, e.key_id) for e in events), keys=ring.keys
    )
    if not report.ok:
        seq = events[report.first_bad_index].seq if report.first_bad_index < len(events) else "?"
        return [f"event {seq}: {report.reason}"]
    problems = []
    if [e.seq for e in events] != list(range(1, len(events) + 1)):
        problems.append("event sequence numbers have gaps")
    last = events[-1]
    if last.hash != case.last_event_hash:
        problems.append("the case's last hash does not match its last event")
    if case.version != last.seq:
        problems.append(f"the case is at version {case.version} but its last event is {last.seq}")
    if case.state != last.to_state:
        problems.append(
            f"the case is {case.state!r} but its last event leaves it {last.to_state!r}"
        )
    return problems


def _content_problems(events: list, ring: Keyring) -> list[str]:
    """Compare the report and photos each event recorded with the rows as they are now."""
    problems = []
    for event in events:
        content = event.data.get("content") if event.action == "report" else None
        if content is not None:
            report = Report.objects.filter(pk=event.data.get("report")).first()
            if report is None:
                problems.append(f"event {event.seq}: its report was deleted")
            else:
                photos = Photo.objects.filter(report=report)
                now = to_jsonable(report_content(report, photos, ring.keys[event.key_id]))
                changed = sorted(k for k in content if content.get(k) != now.get(k))
                if changed:
                    problems.append(
                        f"event {event.seq}: the report's {', '.join(changed)} changed since"
                    )
        recorded = event.data.get("photo_sha256") if event.action != "report" else None
        if recorded is not None:
            now = sorted(Photo.objects.filter(event=event).values_list("sha256", flat=True))
            if now != sorted(recorded):
                problems.append(f"event {event.seq}: its photos changed since")
    return problems


def verify_case(case, ring: Keyring | None = None) -> list[str]:
    """Return every problem found in one case's log (empty when it verifies)."""
    ring = ring or keyring()
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    problems = _chain_problems(case, events, ring)
    if not problems:
        problems = _content_problems(events, ring)
    return problems


def _checkpoint_hash(checkpoint, key: bytes) -> str:
    return keyed_event_hash(checkpoint.prev_hash, checkpoint.chain_payload(), key)


def verify_checkpoints(ring: Keyring | None = None) -> list[Problem]:
    """Check the checkpoint chain, then the live log against the latest checkpoint."""
    ring = ring or keyring()
    problems: list[Problem] = []
    previous, latest = GENESIS, None
    # The heads only matter for the latest checkpoint (each older one is sealed by the chain).
    checkpoints = AuditCheckpoint.objects.order_by("seq").defer("heads")
    for expected_seq, checkpoint in enumerate(checkpoints.iterator(), 1):
        where = f"checkpoint {checkpoint.seq}"
        key = ring.keys.get(checkpoint.key_id)
        if checkpoint.seq != expected_seq or checkpoint.prev_hash != previous:
            problems.append(Problem(None, f"{where}: a checkpoint was removed or inserted"))
        elif key is None:
            problems.append(Problem(None, f"{where}: key id {checkpoint.key_id!r} is unknown"))
        elif _checkpoint_hash(checkpoint, key) != checkpoint.hash:
            problems.append(Problem(None, f"{where}: its hash does not match; it was altered"))
        previous, latest = checkpoint.hash, checkpoint
    if latest is not None and not problems:
        latest = AuditCheckpoint.objects.get(pk=latest.pk)
        if merkle_root(merkle_leaf(*head) for head in latest.heads) != latest.root:
            where = f"checkpoint {latest.seq}"
            return [Problem(None, f"{where}: its case heads do not match its root")]
        problems += _against_checkpoint(latest)
    return problems


def _against_checkpoint(checkpoint) -> list[Problem]:
    """Return cases whose log no longer reaches what ``checkpoint`` recorded."""
    heads = {case_id: (version, head) for case_id, version, head in checkpoint.heads}
    codes = dict(Case.objects.filter(pk__in=heads).values_list("pk", "code"))
    recorded = {
        (case_id, seq): digest
        for case_id, seq, digest in CaseEvent.objects.filter(case_id__in=heads).values_list(
            "case_id", "seq", "hash"
        )
    }
    problems = []
    where = f"checkpoint {checkpoint.seq}"
    for case_id, (version, head) in sorted(heads.items()):
        if case_id not in codes:
            problems.append(Problem(f"#{case_id}", f"deleted after {where} recorded it"))
        elif recorded.get((case_id, version)) != head:
            problems.append(
                Problem(
                    codes[case_id],
                    f"its log no longer holds event {version} as {where} recorded it "
                    "(events were cut or rewritten)",
                )
            )
    return problems


def verify_export(document: bytes) -> list[Problem]:
    """Compare an exported checkpoint with the database's copy of it.

    The export is the copy the database's writers cannot reach: if the database's checkpoint
    with that number is gone or differs, the checkpoint chain itself was rewritten.
    """
    try:
        exported = json.loads(document)
        seq, digest, root = int(exported["seq"]), exported["hash"], exported["root"]
    except (ValueError, TypeError, KeyError):
        return [Problem(None, "the exported checkpoint is not a checkpoint document")]
    stored = AuditCheckpoint.objects.filter(seq=seq).defer("heads").first()
    if stored is None:
        return [Problem(None, f"exported checkpoint {seq} is missing from the database")]
    if (stored.hash, stored.root) != (digest, root):
        return [Problem(None, f"exported checkpoint {seq} differs from the database's")]
    return []


def verify_all(cases=None) -> tuple[int, list[Problem]]:
    """Verify ``cases`` (default: all) and the checkpoints; return (cases checked, problems)."""
    ring = keyring()
    problems: list[Problem] = []
    checked = 0
    for case in (cases if cases is not None else Case.objects.order_by("pk")).iterator():
        checked += 1
        problems += [Problem(case.code or f"#{case.pk}", r) for r in verify_case(case, ring)]
    if cases is None:
        problems += verify_checkpoints(ring)
    return checked, problems


def _heads() -> list[list]:
    rows = Case.objects.order_by("pk").values_list("pk", "version", "last_event_hash")
    return [[pk, version, head] for pk, version, head in rows]


def write_checkpoint(at: datetime | None = None) -> AuditCheckpoint:
    """Append a checkpoint over the heads of all cases, if the log still matches the last one.

    Refused (:class:`CheckpointRefused`) when the checkpoint chain or the log no longer
    matches the latest checkpoint: sealing it anew would launder the damage.
    """
    from civicgrid.cases.services.transitions import now

    ring = keyring()
    with transaction.atomic():
        # One writer at a time: the unique seq refuses a racing second checkpoint.
        problems = verify_checkpoints(ring)
        if problems:
            raise CheckpointRefused("; ".join(str(p) for p in problems))
        latest = AuditCheckpoint.objects.order_by("-seq").first()
        heads = _heads()
        checkpoint = AuditCheckpoint(
            seq=(latest.seq + 1) if latest else 1,
            created_at=at or now(),
            case_count=len(heads),
            root=merkle_root(merkle_leaf(*head) for head in heads),
            heads=heads,
            prev_hash=latest.hash if latest else GENESIS,
            key_id=ring.active_id,
        )
        checkpoint.hash = _checkpoint_hash(checkpoint, ring.active)
        checkpoint.save()
    return checkpoint


def _document(checkpoint) -> bytes:
    body = {
        "format": "civicgrid-audit-checkpoint/1",
        **to_jsonable(checkpoint.chain_payload()),
        "prev_hash": checkpoint.prev_hash,
        "hash": checkpoint.hash,
        "heads": checkpoint.heads,
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def export_checkpoint(checkpoint, path: Path) -> Path:
    """Write ``checkpoint`` as JSON to ``path`` (a directory gets checkpoint-SEQ.json).

    Never overwrites: an export is evidence, and a second write would be a place to edit it.
    """
    path = Path(path)
    if path.is_dir():
        path = path / f"checkpoint-{checkpoint.seq:08d}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_document(checkpoint))
    return path


def export_checkpoint_s3(checkpoint) -> str:
    """Put ``checkpoint`` into the S3 bucket under object lock (compliance mode); return the key.

    The bucket (``CIVICGRID_AUDIT_S3_BUCKET``) must have object lock enabled; credentials and
    endpoint are the photo storage's ``CIVICGRID_S3_*`` variables.
    """
    import boto3

    from civicgrid.cases.services.transitions import now

    conf = settings.CIVICGRID
    client = boto3.client(
        "s3",
        endpoint_url=os.environ.get("CIVICGRID_S3_ENDPOINT_URL") or None,
        aws_access_key_id=os.environ.get("CIVICGRID_S3_ACCESS_KEY") or None,
        aws_secret_access_key=os.environ.get("CIVICGRID_S3_SECRET_KEY") or None,
        region_name=os.environ.get("CIVICGRID_S3_REGION") or None,
    )
    key = f"audit/checkpoint-{checkpoint.seq:08d}.json"
    client.put_object(
        Bucket=conf["AUDIT_S3_BUCKET"],
        Key=key,
        Body=_document(checkpoint),
        ContentType="application/json",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=now() + timedelta(days=conf["AUDIT_S3_RETENTION_DAYS"]),
    )
    return key

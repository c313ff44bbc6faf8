"""The case log is tamper-evident against someone who can write the database.

Each test plays one attack with raw SQL, as a person with database access would, and checks
that ``civicgrid audit verify`` names the damaged case. The attacks use only SQL and the public
SHA-256 of ``core.eventlog``, never the audit key, which lives outside the database.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.tests.conftest import Api, upload
from civicgrid.core.eventlog import event_hash
from civicgrid.testing.factories import (
    DEFAULT_PASSWORD,
    FilingConditionFactory,
    UserFactory,
    build_city,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    """A 2 × 2 city, a category with a filing condition, an operator and an inspector."""
    city = build_city()
    condition = FilingConditionFactory()
    UserFactory(username="op", roles=["operator"])
    UserFactory(username="insp", roles=["inspector"])
    return city, condition


def report(city, cell=0, photos=(), **extra) -> int:
    """Open a case through the API as the operator; return its id."""
    response = Api("op", DEFAULT_PASSWORD).report(
        *city.center(cell), channel="hotline", description="井盖缺失", photos=photos, **extra
    )
    assert response.status_code == 201, response.content
    return response.json()["case_id"]


def file_case(case_id, condition) -> None:
    Api("op", DEFAULT_PASSWORD).ok(
        case_id, "file", category=condition.category_id, filing_condition=condition.pk
    )


@contextlib.contextmanager
def as_database_owner():
    """Write as someone who can bypass the append-only triggers (PostgreSQL superuser)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def audit(*args) -> tuple[bool, str]:
    """Run ``civicgrid audit ARGS``; return (succeeded, stdout + stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue() + err.getvalue() + str(exc)
    return True, out.getvalue() + err.getvalue()


def code_of(case_id) -> str:
    return Case.objects.get(pk=case_id).code


def verify_fails() -> str:
    """Run ``civicgrid audit verify``, check that it fails and return its output."""
    ok, output = audit("verify")
    assert not ok
    return output


def tamper(sql: str, params=()) -> None:
    """Run one statement as the database owner."""
    with as_database_owner() as cursor:
        cursor.execute(sql, params)


def delete_events(cursor, case_id, *, seq: int | None = None) -> None:
    """Delete a case's events (only ``seq`` when given) and the notifications that cite them."""
    where, params = ("case_id=%s AND seq=%s", [case_id, seq]) if seq else ("case_id=%s", [case_id])
    cursor.execute(
        f"DELETE FROM notify_notification WHERE event_id IN "
        f"(SELECT id FROM cases_caseevent WHERE {where})",
        params,
    )
    cursor.execute(f"DELETE FROM cases_caseevent WHERE {where}", params)


# ------------------------------------------------------------------------- the attacks


def test_an_untouched_log_verifies_with_checkpoints(town):
    """Cases opened and moved through the services verify, before and after a checkpoint."""
    city, condition = town
    file_case(report(city, photos=[upload()]), condition)
    report(city, cell=3)
    ok, output = audit("verify")
    assert ok, output
    assert audit("checkpoint")[0]
    ok, output = audit("verify")
    assert ok, output


def test_rewritten_event_with_recomputed_chain_is_caught(town):
    """Editing an event and recomputing every later hash and the head no longer passes."""
    city, condition = town
    case_id = report(city)
    file_case(case_id, condition)
    events = list(CaseEvent.objects.filter(case_id=case_id).order_by("seq"))
    with as_database_owner() as cursor:
        previous = events[0].prev_hash
        for event in events:
            if event.action == "file":
                event.note = "forged"
            digest = event_hash(previous, event.chain_payload())
            cursor.execute(
                "UPDATE cases_caseevent SET note=%s, prev_hash=%s, hash=%s WHERE id=%s",
                [event.note, previous, digest, event.pk],
            )
            previous = digest
        cursor.execute("UPDATE cases_case SET last_event_hash=%s WHERE id=%s", [previous, case_id])
    assert code_of(case_id) in verify_fails()


def test_deleting_all_events_of_a_case_is_caught(town):
    """A case whose whole history was deleted fails: every case has at least one event."""
    city, _ = town
    case_id = report(city)
    with as_database_owner() as cursor:
        delete_events(cursor, case_id)
    assert code_of(case_id) in verify_fails()


def test_raw_state_change_is_caught(town):
    """``UPDATE cases_case SET state='closed'`` fails: the state must be the last to_state."""
    city, _ = town
    case_id = report(city)
    tamper("UPDATE cases_case SET state='closed' WHERE id=%s", [case_id])
    output = verify_fails()
    assert code_of(case_id) in output and "closed" in output


def test_version_mismatch_is_caught(town):
    """A case whose version is not its last event's sequence number fails."""
    city, _ = town
    case_id = report(city)
    tamper("UPDATE cases_case SET version=version+1 WHERE id=%s", [case_id])
    assert code_of(case_id) in verify_fails()


def test_consistent_truncation_after_a_checkpoint_is_caught(town):
    """Cutting the last event and winding the case row back to match is caught by the checkpoint."""
    city, condition = town
    case_id = report(city)
    file_case(case_id, condition)
    assert audit("checkpoint")[0]
    first = CaseEvent.objects.get(case_id=case_id, seq=1)
    with as_database_owner() as cursor:
        delete_events(cursor, case_id, seq=2)
        cursor.execute(
            "UPDATE cases_case SET state=%s, version=1, last_event_hash=%s WHERE id=%s",
            [first.to_state, first.hash, case_id],
        )
    assert code_of(case_id) in verify_fails()
    # Sealing the damage with a new checkpoint is refused.
    ok, output = audit("checkpoint")
    assert not ok


def test_deleting_a_whole_case_after_a_checkpoint_is_caught(town):
    """A case removed with its events and reports after a checkpoint is named by id."""
    city, _ = town
    keep = report(city)
    gone = report(city, cell=3)
    assert audit("checkpoint")[0]
    with as_database_owner() as cursor:
        for sql in (
            "DELETE FROM notify_notification WHERE case_id=%s",
            "DELETE FROM cases_caseevent WHERE case_id=%s",
            "DELETE FROM cases_photo WHERE case_id=%s",
            "UPDATE cases_report SET duplicate_of_id=NULL WHERE duplicate_of_id=%s",
            "DELETE FROM cases_report WHERE case_id=%s",
            "DELETE FROM cases_case WHERE id=%s",
        ):
            cursor.execute(sql, [gone])
    assert f"#{gone}" in verify_fails()
    assert Case.objects.filter(pk=keep).exists()


def test_edited_report_content_is_caught(town):
    """The report event covers the description, place and photos; editing the report fails."""
    city, _ = town
    case_id = report(city, photos=[upload()])
    event = CaseEvent.objects.get(case_id=case_id, seq=1)
    content = event.data["content"]
    assert content["description"] == "井盖缺失" and len(content["photo_sha256"]) == 1
    assert "reporter_phone" not in content  # only a keyed reference to the reporter
    tamper("UPDATE cases_report SET description='没有问题' WHERE case_id=%s", [case_id])
    assert "description" in verify_fails()


def test_swapped_report_photo_is_caught(town):
    """Replacing a report photo's content (its SHA-256) fails verification."""
    city, _ = town
    case_id = report(city, photos=[upload()])
    tamper("UPDATE cases_photo SET sha256=%s WHERE case_id=%s", ["f" * 64, case_id])
    assert "photo_sha256" in verify_fails()


def test_altered_checkpoint_is_caught(town):
    """A checkpoint whose recorded heads were edited no longer matches its keyed root."""
    city, _ = town
    report(city)
    assert audit("checkpoint")[0]
    tamper("UPDATE cases_auditcheckpoint SET heads='[]'")
    assert "checkpoint 1" in verify_fails()


def test_checkpoint_exports_to_a_file_once(town, tmp_path):
    """``--export`` writes the checkpoint's root and hash as JSON and never overwrites."""
    from civicgrid.cases.models import AuditCheckpoint

    city, _ = town
    report(city)
    target = tmp_path / "cp.json"
    ok, output = audit("checkpoint", "--export", str(target))
    assert ok, output
    saved = json.loads(target.read_text(encoding="utf-8"))
    checkpoint = AuditCheckpoint.objects.get()
    assert saved["root"] == checkpoint.root and saved["hash"] == checkpoint.hash
    assert saved["heads"] == checkpoint.heads and saved["case_count"] == 1
    ok, output = audit("checkpoint", "--export", str(target))
    assert not ok


# ------------------------------------------------------------------------------ keys


@pytest.fixture
def key_file(settings, tmp_path):
    """Point the key ring at a fresh key file in a temporary data dir."""
    path = tmp_path / "audit_key"
    settings.CIVICGRID = {**settings.CIVICGRID, "AUDIT_KEY": "", "AUDIT_KEY_FILE": str(path)}
    return path


def test_key_file_is_created_once_and_private(key_file):
    """Without a configured key, a random key file is created with mode 0600, once."""
    from civicgrid.cases.services.auditkeys import keyring

    ring = keyring()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert keyring().active_id == ring.active_id
    os.chmod(key_file, 0o644)
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        keyring()


def test_short_configured_key_is_refused(settings):
    """A configured key shorter than 32 characters is refused rather than used."""
    from django.core.exceptions import ImproperlyConfigured

    from civicgrid.cases.services.auditkeys import keyring

    settings.CIVICGRID = {**settings.CIVICGRID, "AUDIT_KEY": "short"}
    with pytest.raises(ImproperlyConfigured):
        keyring()


def test_rotation_keeps_old_events_verifiable(town, key_file):
    """After rotate-key, old events verify with the old key and new ones use the new key id."""
    city, condition = town
    first = report(city)
    old_id = CaseEvent.objects.get(case_id=first, seq=1).key_id
    ok, output = audit("rotate-key")
    assert ok, output
    file_case(first, condition)
    new_id = CaseEvent.objects.get(case_id=first, seq=2).key_id
    assert new_id != old_id
    ok, output = audit("verify")
    assert ok, output
    # Losing the old key makes the old events unverifiable: the key really is what signs.
    key_file.write_text(key_file.read_text(encoding="utf-8").splitlines()[0] + "\n")
    ok, output = audit("verify")
    assert not ok and old_id in output


def test_legacy_chains_are_signed_only_when_they_verify(town):
    """Migration 0007 re-signs intact unkeyed chains; a broken one stays reported."""
    from django.apps import apps

    city, _ = town
    intact, broken = report(city), report(city, cell=3)
    migration = importlib.import_module("civicgrid.cases.migrations.0007_sign_legacy_event_chains")
    # Turn both chains into the old form: plain SHA-256 over the old payload, no key id.
    with as_database_owner() as cursor:
        for case_id in (intact, broken):
            previous = "0" * 64
            for event in CaseEvent.objects.filter(case_id=case_id).order_by("seq"):
                digest = event_hash(previous, migration._legacy_payload(event))
                cursor.execute(
                    "UPDATE cases_caseevent SET key_id='', prev_hash=%s, hash=%s WHERE id=%s",
                    [previous, digest, event.pk],
                )
                previous = digest
            cursor.execute(
                "UPDATE cases_case SET last_event_hash=%s WHERE id=%s", [previous, case_id]
            )
        cursor.execute("UPDATE cases_caseevent SET note='forged' WHERE case_id=%s", [broken])
        migration.sign_legacy_chains(apps, connection.schema_editor())
    output = verify_fails()
    assert code_of(broken) in output and code_of(intact) not in output
    assert CaseEvent.objects.filter(case_id=intact, key_id="").count() == 0


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_events():
    """On PostgreSQL a trigger refuses UPDATE and DELETE of events even in raw SQL."""
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from django.db import DatabaseError, transaction

    city = build_city()
    UserFactory(username="op", roles=["operator"])
    case_id = report(city)
    assert audit("checkpoint")[0]
    for sql in (
        "UPDATE cases_caseevent SET note='x' WHERE case_id=%s",
        "DELETE FROM cases_caseevent WHERE case_id=%s",
        "UPDATE cases_auditcheckpoint SET root='x' WHERE seq=%s",
        "DELETE FROM cases_auditcheckpoint WHERE seq=%s",
    ):
        param = 1 if "checkpoint" in sql else case_id
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [param])
    assert CaseEvent.objects.filter(case_id=case_id).count() == 1


def test_hourly_task_writes_and_exports_a_checkpoint(town, settings, tmp_path):
    """The periodic task writes a checkpoint and exports it to CIVICGRID_AUDIT_EXPORT_DIR."""
    from civicgrid.cases.audit_tasks import audit_checkpoint

    city, _ = town
    report(city)
    settings.CIVICGRID = {**settings.CIVICGRID, "AUDIT_EXPORT_DIR": str(tmp_path)}
    assert audit_checkpoint.call(reschedule=False) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint-00000001.json"]


def test_hourly_task_refuses_to_seal_a_damaged_log(town, caplog):
    """When the log no longer matches the last checkpoint the task writes none and logs why."""
    from civicgrid.cases.audit_tasks import audit_checkpoint
    from civicgrid.cases.models import AuditCheckpoint

    city, _ = town
    case_id = report(city)
    assert audit_checkpoint.call(reschedule=False) == 1
    with as_database_owner() as cursor:
        delete_events(cursor, case_id)
    assert audit_checkpoint.call(reschedule=False) is None
    assert AuditCheckpoint.objects.count() == 1
    assert "audit checkpoint refused" in caplog.text


def test_exported_checkpoint_exposes_a_rewritten_checkpoint_chain(town, tmp_path):
    """Deleting every checkpoint in the database is caught by comparing with the export."""
    city, _ = town
    report(city)
    export = tmp_path / "cp.json"
    assert audit("checkpoint", "--export", str(export))[0]
    assert audit("verify", "--checkpoint-file", str(export))[0]
    tamper("DELETE FROM cases_auditcheckpoint")
    ok, output = audit("verify")
    assert ok, output  # the database alone no longer knows there was a checkpoint …
    ok, output = audit("verify", "--checkpoint-file", str(export))
    assert not ok and "checkpoint 1" in output  # … the export does


def test_s3_export_puts_the_checkpoint_under_compliance_lock(town, settings, monkeypatch):
    """``--export-s3`` puts the document with a COMPLIANCE object lock until the retention."""
    import boto3

    from civicgrid.cases.models import AuditCheckpoint

    calls = []

    class FakeS3:
        def put_object(self, **kwargs):
            calls.append(kwargs)

    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: FakeS3())
    settings.CIVICGRID = {
        **settings.CIVICGRID,
        "AUDIT_S3_BUCKET": "cg-audit",
        "AUDIT_S3_RETENTION_DAYS": 30,
    }
    city, _ = town
    report(city)
    ok, output = audit("checkpoint", "--export-s3")
    assert ok, output
    (call,) = calls
    checkpoint = AuditCheckpoint.objects.get()
    assert call["Bucket"] == "cg-audit" and call["Key"] == "audit/checkpoint-00000001.json"
    assert call["ObjectLockMode"] == "COMPLIANCE"
    assert call["ObjectLockRetainUntilDate"] > checkpoint.created_at
    assert json.loads(call["Body"])["hash"] == checkpoint.hash

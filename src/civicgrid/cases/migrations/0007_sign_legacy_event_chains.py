"""Re-sign the unkeyed (plain SHA-256) event chains of older databases under the audit key.

Leaving them as a "legacy form" that verification accepts would let anyone with database
access rewrite any case in that weaker form. So each old chain is first verified exactly as
the old code did (SHA-256 over the old payload, head on the case row); only a chain that
verifies is re-signed. A chain that does not keep its events unkeyed, and
``civicgrid audit verify`` goes on reporting it: damage done before the upgrade stays visible.

The old payload is frozen here (a copy, not the model's method), as migrations must be.
Reverse: a no-op; the keyed chain verifies as well as the old one did and the key id field
is dropped by reversing 0006.
"""

from django.db import migrations

from civicgrid.core.eventlog import GENESIS, keyed_event_hash, verify_chain


def _legacy_payload(event) -> dict:
    return {
        "case": event.case_id,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor_id,
        "role": event.role,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "at": event.at,
        "note": event.note,
        "data": event.data,
        "department": event.department_id,
        "deadlines": event.deadlines,
    }


def _keyed_payload(event) -> dict:
    # Must equal CaseEvent.chain_payload() as of this migration.
    payload = _legacy_payload(event)
    payload["actor_name"] = event.actor_name
    payload["key_id"] = event.key_id
    return payload


def sign_legacy_chains(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    alias = schema_editor.connection.alias
    if not CaseEvent.objects.using(alias).filter(key_id="").exists():
        return  # a new database: nothing to sign, and no key file to create yet
    from civicgrid.cases.services.auditkeys import keyring

    ring = keyring()
    for case in Case.objects.using(alias).order_by("pk").iterator():
        events = list(CaseEvent.objects.using(alias).filter(case=case).order_by("seq"))
        if not events or any(e.key_id for e in events):
            continue
        report = verify_chain(
            ((_legacy_payload(e), e.prev_hash, e.hash) for e in events),
            expected_head=case.last_event_hash,
        )
        if not report.ok:
            continue
        previous = GENESIS
        for event in events:
            event.key_id = ring.active_id
            event.prev_hash = previous
            event.hash = keyed_event_hash(previous, _keyed_payload(event), ring.active)
            # The base manager: a plain queryset even where the model refuses updates.
            CaseEvent._base_manager.using(alias).filter(pk=event.pk).update(
                key_id=event.key_id, prev_hash=event.prev_hash, hash=event.hash
            )
            previous = event.hash
        Case.objects.using(alias).filter(pk=case.pk).update(last_event_hash=previous)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_caseevent_key_id"),
    ]

    operations = [
        migrations.RunPython(sign_legacy_chains, migrations.RunPython.noop, elidable=True),
    ]

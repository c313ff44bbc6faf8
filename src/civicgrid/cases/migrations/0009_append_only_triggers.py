"""On PostgreSQL, refuse UPDATE and DELETE of case events and audit checkpoints in the database.

The ORM already refuses them; a trigger also stops raw SQL from the application's own
connection. TRUNCATE fires no row trigger, so test flushes still work. A database superuser
can still disable triggers: that is what the keyed chain and the exported checkpoints catch.
SQLite has no roles to guard against, and keeps the ORM guard only.
"""

from django.db import migrations

TABLES = ("cases_caseevent", "cases_auditcheckpoint")

FUNCTION = """
CREATE OR REPLACE FUNCTION civicgrid_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'civicgrid: % on % is refused: the table is append-only',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # params=None: the function body's % signs are RAISE placeholders, not query parameters.
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION civicgrid_refuse_change()",
            params=None,
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS civicgrid_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_auditcheckpoint"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

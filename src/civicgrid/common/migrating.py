"""Bring the database schema up to date before a command that needs it.

Imports are often the first thing run on a new data directory; without
this they died on "no such table" with a long traceback. Migrating is what
``civicgrid demo`` does first too, and it is idempotent.
"""

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list:
    """Return the migrations not yet applied to the database ``alias``."""
    executor = MigrationExecutor(connections[alias])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def ensure_migrated(write, alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Apply pending migrations, saying so through ``write``; return whether any ran."""
    plan = pending_migrations(alias)
    if not plan:
        return False
    write(
        _("The database is not up to date (%(count)s migrations pending); migrating first.")
        % {"count": len(plan)}
    )
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    return True

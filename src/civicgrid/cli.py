"""The ``civicgrid`` command: CivicGrid's own subcommands plus all of Django's.

Subcommands are Django management commands, so ``civicgrid X --help`` works
for every one of them; hyphenated names (``import-places``) are accepted for
the underscored command names (``import_places``).
"""

import os
import sys

OWN_COMMANDS = {
    "serve": "Run the platform with a production server (gunicorn), static files included.",
    "worker": "Run the background task worker, restarted whenever it exits (serve starts one).",
    "demo": "Migrate, then load the demo city (idempotent); print the demo logins.",
    "import-places": "Import districts, streets, communities, grid cells or zones from GeoJSON.",
    "import-assets": "Import an asset census from CSV or GeoJSON.",
    "load-categories": "Load the category directory and the default case standard.",
    "apikey": "Create, list, revoke or purge API keys.",
    "audit": "Verify the keyed case log; write and export checkpoints; rotate the key.",
}


def usage() -> str:
    """Return the top-level help text."""
    width = max(len(name) for name in OWN_COMMANDS)
    lines = [
        "usage: civicgrid <command> [options]",
        "",
        "CivicGrid — digital city management (数字化城市管理).",
        "",
        "Commands:",
        *(f"  {name.ljust(width)}  {text}" for name, text in OWN_COMMANDS.items()),
        "",
        "Every Django management command works too (migrate, createsuperuser,",
        "shell, db_worker, …): `civicgrid help --commands` lists them all.",
        "`civicgrid <command> --help` shows a command's options.",
        "",
        "Configuration comes from CIVICGRID_* environment variables (see README).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the ``civicgrid`` command line."""
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.prod")
    if len(argv) < 2 or argv[1] in ("-h", "--help") or argv[1:] == ["help"]:
        print(usage())
        return
    argv[0] = "civicgrid"
    if argv[1] in OWN_COMMANDS:
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

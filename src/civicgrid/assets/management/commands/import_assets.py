"""``civicgrid import-assets FILE``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.assets.services import import_assets
from civicgrid.common.importing import ImportRefused
from civicgrid.common.migrating import ensure_migrated
from civicgrid.core.coords import CRS_VALUES, WGS84


class Command(BaseCommand):
    help = (
        "Import an asset census from CSV (columns code, category, name, lon, lat, state, "
        "owner, maintainer, note) or GeoJSON (Point features with those properties), all or "
        "nothing. Re-import updates by code. Migrates the database first when needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or GeoJSON file")
        parser.add_argument("--crs", default=WGS84, choices=CRS_VALUES)
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, **options):
        if not Path(options["file"]).is_file():  # before migrating a database for nothing
            raise CommandError(_("no such file: %(path)s") % {"path": options["file"]})
        ensure_migrated(self.stdout.write)
        try:
            result = import_assets(
                options["file"],
                options["crs"],
                show_progress=False if options["no_progress"] else None,
            )
        except FileNotFoundError as exc:
            raise CommandError(_("no such file: %(path)s") % {"path": options["file"]}) from exc
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(self.style.SUCCESS(f"assets: {result}"))

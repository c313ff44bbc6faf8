"""``civicgrid import-places FILE --level LEVEL``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.common.importing import ImportRefused
from civicgrid.common.migrating import ensure_migrated
from civicgrid.core.coords import CRS_VALUES, WGS84
from civicgrid.core.geometry import OverlapTolerance
from civicgrid.places.choices import PlaceLevel
from civicgrid.places.services import import_places

DEFAULT_TOLERANCE = OverlapTolerance()


class Command(BaseCommand):
    help = (
        "Import places from a GeoJSON FeatureCollection, all or nothing. Features carry "
        "'code' and 'name' properties (zones: 'cells' or a polygon; responsibility zones may "
        "name a 'department' code, patrol zones an 'inspector' username). Re-import updates "
        "by code. Grid cells identical to another cell or overlapping one beyond the tolerance "
        "are refused; overlaps and gaps between districts, streets or communities are warnings. "
        "Migrates the database first when needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="GeoJSON file")
        parser.add_argument("--level", required=True, choices=PlaceLevel.values)
        parser.add_argument(
            "--crs",
            default=WGS84,
            choices=CRS_VALUES,
            help="coordinate system of the file (stored as WGS-84)",
        )
        parser.add_argument(
            "--repair",
            action="store_true",
            help="mend self-intersecting outlines (make_valid) and list each one repaired",
        )
        parser.add_argument(
            "--overlap-percent",
            type=float,
            default=DEFAULT_TOLERANCE.share * 100,
            help="overlap allowed between two places, in %% of the smaller (default %(default)s)",
        )
        parser.add_argument(
            "--overlap-m2",
            type=float,
            default=DEFAULT_TOLERANCE.max_m2,
            help="overlap allowed between two places, in m² at most (default %(default)s)",
        )
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, **options):
        try:
            tolerance = OverlapTolerance(options["overlap_percent"] / 100, options["overlap_m2"])
        except ValueError as exc:
            raise CommandError(
                _("--overlap-percent must be 0-100 and --overlap-m2 a number of 0 or more")
            ) from exc
        if not Path(options["file"]).is_file():  # before migrating a database for nothing
            raise CommandError(_("no such file: %(path)s") % {"path": options["file"]})
        ensure_migrated(self.stdout.write)
        try:
            result = import_places(
                options["file"],
                options["level"],
                options["crs"],
                show_progress=False if options["no_progress"] else None,
                repair=options["repair"],
                tolerance=tolerance,
            )
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise CommandError(_("no such file: %(path)s") % {"path": options["file"]}) from exc
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(self.style.SUCCESS(f"{options['level']}: {result}"))
        if result.warnings:
            self.stdout.write(
                self.style.WARNING(_("%(count)s warnings:") % {"count": len(result.warnings)})
            )
            for line in result.warnings:
                self.stdout.write(f"  {line}")

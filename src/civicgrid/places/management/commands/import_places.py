"""``civicgrid import-places FILE --level LEVEL``."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.common.importing import ImportRefused
from civicgrid.core.coords import CRS_VALUES, WGS84
from civicgrid.places.choices import PlaceLevel
from civicgrid.places.services import import_places


class Command(BaseCommand):
    help = (
        "Import places from a GeoJSON FeatureCollection, all or nothing. Features carry "
        "'code' and 'name' properties (zones: 'cells' or a polygon; responsibility zones may "
        "name a 'department' code, patrol zones an 'inspector' username). Re-import updates "
        "by code."
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
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, **options):
        try:
            result = import_places(
                options["file"],
                options["level"],
                options["crs"],
                show_progress=False if options["no_progress"] else None,
            )
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {options['file']}") from exc
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(self.style.SUCCESS(f"{options['level']}: {result}"))

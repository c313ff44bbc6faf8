"""``civicgrid audit``: verify the case log, write and export checkpoints, rotate the key."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.cases.models import Case
from civicgrid.cases.services.auditing import (
    CheckpointRefused,
    export_checkpoint,
    export_checkpoint_s3,
    verify_all,
    verify_export,
    write_checkpoint,
)
from civicgrid.cases.services.auditkeys import rotate_key_file


class Command(BaseCommand):
    help = "Verify the keyed event log of every case; write, export and check checkpoints."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="check every case's chain, state and version, and the checkpoints"
        )
        verify.add_argument("--case", help="check only this case number")
        verify.add_argument(
            "--checkpoint-file",
            metavar="PATH",
            help="also compare an exported checkpoint with the database's copy",
        )
        checkpoint = sub.add_parser(
            "checkpoint", help="append a checkpoint over all case heads (run it hourly)"
        )
        checkpoint.add_argument("--export", metavar="PATH", help="also write it to a file")
        checkpoint.add_argument(
            "--export-s3",
            action="store_true",
            help="also put it into CIVICGRID_AUDIT_S3_BUCKET under object lock",
        )
        checkpoint.add_argument(
            "--schedule",
            action="store_true",
            help="instead, enqueue the hourly checkpoint task for the worker",
        )
        sub.add_parser("rotate-key", help="start signing with a new key; keep the old ones")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "verify":
            return self._verify(options.get("case"), options.get("checkpoint_file"))
        if action == "checkpoint" and options.get("schedule"):
            return self._schedule()
        if action == "checkpoint":
            return self._checkpoint(options.get("export"), options.get("export_s3"))
        return self._rotate()

    def _verify(self, code, exported=None):
        cases = None
        if code:
            cases = Case.objects.filter(code=code)
            if not cases.exists():
                raise CommandError(_("No case %(code)s.") % {"code": code})
        checked, problems = verify_all(cases)
        if exported:
            try:
                problems += verify_export(Path(exported).read_bytes())
            except OSError as exc:
                raise CommandError(
                    _("Cannot read %(path)s: %(reason)s") % {"path": exported, "reason": exc}
                ) from exc
        for problem in problems:
            self.stderr.write(_("BROKEN: %(problem)s") % {"problem": problem})
        if problems:
            raise CommandError(
                _("The audit found %(count)s problem(s) in %(checked)s case(s).")
                % {"count": len(problems), "checked": checked}
            )
        self.stdout.write(
            self.style.SUCCESS(_("All %(checked)s case logs verify.") % {"checked": checked})
        )

    def _checkpoint(self, export, export_s3):
        if export_s3 and not settings.CIVICGRID.get("AUDIT_S3_BUCKET"):
            raise CommandError(_("Set CIVICGRID_AUDIT_S3_BUCKET to export to S3."))
        try:
            checkpoint = write_checkpoint()
        except CheckpointRefused as exc:
            raise CommandError(
                _("Refused: the log no longer matches the last checkpoint: %(reason)s")
                % {"reason": exc}
            ) from exc
        self.stdout.write(
            _("Checkpoint %(seq)s: %(count)s cases, root %(root)s")
            % {"seq": checkpoint.seq, "count": checkpoint.case_count, "root": checkpoint.root}
        )
        if export:
            try:
                path = export_checkpoint(checkpoint, Path(export))
            except FileExistsError as exc:
                raise CommandError(
                    _("%(path)s exists; exports are never overwritten.") % {"path": export}
                ) from exc
            self.stdout.write(_("Exported to %(path)s") % {"path": path})
        if export_s3:
            key = export_checkpoint_s3(checkpoint)
            self.stdout.write(_("Exported to S3 object %(key)s") % {"key": key})

    def _schedule(self):
        from civicgrid.cases.audit_tasks import ensure_checkpoint_scheduled

        if ensure_checkpoint_scheduled():
            self.stdout.write(_("The hourly checkpoint is scheduled."))
        else:
            self.stdout.write(_("The hourly checkpoint was already scheduled."))

    def _rotate(self):
        try:
            key_id = rotate_key_file()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("New events are signed with key %(id)s; the old keys stay for verification.")
            % {"id": key_id}
        )

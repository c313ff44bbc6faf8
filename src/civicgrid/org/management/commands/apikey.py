"""``civicgrid apikey create|list|revoke|purge``."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.org.models import ApiKey
from civicgrid.org.services import purge_expired_tokens, revoke_keys
from civicgrid.org.tasks import PURGE_GRACE, ensure_purge_scheduled


class Command(BaseCommand):
    help = (
        "Create, list, revoke or purge API keys. 'create NAME' prints the new key as its "
        "last line."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it (shown only once)")
        create.add_argument("name", help="what the key is for, e.g. the client's name")
        sub.add_parser("list", help="list keys (without secrets)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix", help="the key's first 10 characters")
        purge = sub.add_parser(
            "purge", help="delete user tokens that expired more than --grace-days ago"
        )
        purge.add_argument(
            "--grace-days",
            type=float,
            default=PURGE_GRACE.days,
            help=f"keep expired tokens this many days ({PURGE_GRACE.days})",
        )
        purge.add_argument(
            "--schedule",
            action="store_true",
            help="enqueue the daily purge task for the db_worker instead",
        )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            name = options["name"].strip()
            if not name or len(name) > 100:
                raise CommandError("NAME must be 1 to 100 characters")
            key, secret = ApiKey.issue(name)
            self.stdout.write(f"created API key {key.name!r} (prefix {key.prefix})")
            self.stdout.write(secret)
        elif action == "list":
            for key in ApiKey.objects.filter(user__isnull=True):
                state = "revoked" if key.revoked else "active"
                self.stdout.write(
                    f"{key.prefix}  {state:8}  {key.created_at:%Y-%m-%d}  {key.name}"
                )
        elif action == "purge":
            self._purge(options)
        else:
            count = revoke_keys(ApiKey.objects.filter(prefix=options["prefix"]))
            if not count:
                raise CommandError(f"no key with prefix {options['prefix']!r}")
            self.stdout.write(f"revoked {count} key(s)")

    def _purge(self, options):
        if options["schedule"]:
            queued = ensure_purge_scheduled()
            self.stdout.write("purge scheduled" if queued else "purge already scheduled")
            return
        if options["grace_days"] < 0:
            raise CommandError(_("--grace-days must not be negative."))
        deleted = purge_expired_tokens(timedelta(days=options["grace_days"]))
        self.stdout.write(f"deleted {deleted} expired token(s)")

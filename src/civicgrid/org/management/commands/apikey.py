"""``civicgrid apikey create|list|revoke``."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.org.models import ApiKey


class Command(BaseCommand):
    help = "Create, list or revoke API keys. 'create NAME' prints the new key as its last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it (shown only once)")
        create.add_argument("name", help="what the key is for, e.g. the client's name")
        sub.add_parser("list", help="list keys (without secrets)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix", help="the key's first 10 characters")

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
        else:
            count = ApiKey.objects.filter(prefix=options["prefix"]).update(revoked=True)
            if not count:
                raise CommandError(f"no key with prefix {options['prefix']!r}")
            self.stdout.write(f"revoked {count} key(s)")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """Departments, users, roles and API keys."""

    name = "civicgrid.org"
    verbose_name = _("Organisation")

    def ready(self):
        from django.db.models.signals import post_migrate

        from civicgrid.org import signals  # noqa: F401  (drops cached key look-ups)
        from civicgrid.org.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)

"""Brand the admin and give it Chinese names for the apps that bring English ones."""

from django.utils.translation import gettext_lazy as _

# Third-party apps whose verbose name is a fixed English string.
APP_NAMES = {
    "axes": _("Login lockouts"),
    "django_tasks_database": _("Background tasks"),
}


def brand_admin() -> None:
    """Name the platform on every admin page and translate third-party app names."""
    from django.apps import apps
    from django.contrib import admin

    admin.site.site_header = _("CivicGrid city management supervision and command platform")
    admin.site.site_title = _("CivicGrid administration")
    admin.site.index_title = _("Data administration")
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.app_configs[label].verbose_name = name

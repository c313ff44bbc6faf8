"""Role groups and the permissions each role carries.

Roles are Django groups named after :class:`RoleName` values so that the admin
can grant them like any other group; the workflow's own role checks live in
``core.workflow`` and read the same names.
"""

from django.utils.translation import gettext_lazy as _

from civicgrid.org.choices import RoleName

VIEW_REFERENCE = [
    "places.view_district",
    "places.view_street",
    "places.view_community",
    "places.view_gridcell",
    "places.view_responsibilityzone",
    "places.view_patrolzone",
    "categories.view_category",
    "categories.view_filingcondition",
    "assets.view_asset",
    "org.view_department",
]
EDIT_REFERENCE = [
    f"{app}.{verb}_{model}"
    for app, model in (
        ("places", "district"),
        ("places", "street"),
        ("places", "community"),
        ("places", "gridcell"),
        ("places", "responsibilityzone"),
        ("places", "patrolzone"),
        ("categories", "category"),
        ("categories", "filingcondition"),
        ("assets", "asset"),
        ("org", "department"),
        ("org", "user"),
        ("org", "apikey"),
    )
    for verb in ("add", "change", "delete", "view")
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    RoleName.INSPECTOR: VIEW_REFERENCE,
    RoleName.OPERATOR: VIEW_REFERENCE,
    RoleName.SHIFT_LEAD: VIEW_REFERENCE,
    RoleName.DISPATCHER: VIEW_REFERENCE,
    RoleName.HANDLER: VIEW_REFERENCE,
    RoleName.COORDINATOR: VIEW_REFERENCE,
    RoleName.EXPERT: VIEW_REFERENCE,
    RoleName.LEADER: VIEW_REFERENCE,
    RoleName.ADMIN: EDIT_REFERENCE,
}

ROLE_DESCRIPTIONS = {
    RoleName.INSPECTOR: _("Patrols a zone, reports, verifies and checks on site."),
    RoleName.OPERATOR: _("Receives reports and files cases."),
    RoleName.SHIFT_LEAD: _("Files, voids and closes cases."),
    RoleName.DISPATCHER: _("Dispatches cases and decides returns, extensions, suspensions."),
    RoleName.HANDLER: _("Handles the cases dispatched to a department."),
    RoleName.COORDINATOR: _("Coordinates between departments."),
    RoleName.EXPERT: _("Rules on disputed ownership."),
    RoleName.LEADER: _("Watches the dashboards and urges cases."),
    RoleName.ADMIN: _("Maintains reference data and users."),
}


def ensure_role_groups(sender=None, using="default", **kwargs):
    """Create or refresh one group per role with its permissions (idempotent).

    ``post_migrate`` reaches the org app before places, categories and assets,
    whose permissions Django has not created yet at that point; create them
    here first, or a fresh database gets role groups without them.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    for label in sorted({perm.split(".")[0] for perm in wanted}):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    by_name = {}
    for perm in Permission.objects.using(using).select_related("content_type"):
        key = f"{perm.content_type.app_label}.{perm.codename}"
        if key in wanted:
            by_name[key] = perm
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=str(role))
        group.permissions.set([by_name[p] for p in perms if p in by_name])

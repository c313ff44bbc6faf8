"""Who may open which page: one decorator, deny by default.

Pages declare the roles they serve; anyone else gets 403 (or the login page
when not logged in). What a permitted user then *sees* is limited by
``cases.services.access.visible_cases``, the same restriction the API uses.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from civicgrid.org.choices import RoleName

STAFF_ROLES = frozenset(RoleName.values)


def role_required(*roles: str):
    """Let a view through only for logged-in users holding one of ``roles``."""
    allowed = frozenset(roles) or STAFF_ROLES

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (request.user.roles & allowed):
                raise PermissionDenied(_("This page is not for your role."))
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


# The consoles in the navigation: (url name, label, roles that see the link).
NAVIGATION = [
    ("web:intake", _("Intake & filing"), {RoleName.OPERATOR, RoleName.SHIFT_LEAD}),
    ("web:dispatch", _("Dispatch"), {RoleName.DISPATCHER, RoleName.SHIFT_LEAD}),
    ("web:worklist", _("Department worklist"), {RoleName.HANDLER}),
    ("web:mobile", _("Inspector app"), {RoleName.INSPECTOR}),
    ("web:cases", _("Cases"), set(STAFF_ROLES)),
    (
        "web:screen",
        _("Command screen"),
        {RoleName.LEADER, RoleName.SHIFT_LEAD, RoleName.DISPATCHER},
    ),
]


def navigation(user) -> list[tuple[str, str]]:
    """Return the (url name, label) pairs ``user`` may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = user.roles
    return [(name, label) for name, label, allowed in NAVIGATION if roles & allowed]

"""Who may see which cases, and in which role a user acts.

One restriction serves the UI, the API and exports: ``visible_cases``.
Deny by default: a user without a staff role sees nothing. District-scoped
users see only their district; a handler (and nothing more) sees only the
cases of their department, and a handler with no department sees nothing
(not the cases that have no department yet).

``dispatch_targets`` is the matching restriction on where a case may go: a
department of the case's own district or a city-level one.
"""

from django.db.models import Q

from civicgrid.cases.models import Case
from civicgrid.core.workflow import Role, Transition
from civicgrid.org.choices import RoleName


def visible_cases(user):
    """Return the cases ``user`` may see."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    roles = set(user.roles)
    if not roles and not user.is_superuser:
        return Case.objects.none()
    queryset = Case.objects.all()
    if user.district_id:
        queryset = queryset.filter(district_id=user.district_id)
    if roles == {RoleName.HANDLER}:
        if not user.department_id:
            return Case.objects.none()
        queryset = queryset.filter(department_id=user.department_id)
    return queryset


def is_dispatch_target(department, case) -> bool:
    """Return whether ``case`` may go to ``department`` (the rule of ``dispatch_targets``)."""
    return department.active and department.district_id in (None, case.district_id)


def dispatch_targets(case):
    """Return the active departments ``case`` may be dispatched or ruled to.

    A district department works only in its own district; city-level
    departments (no district) work everywhere.
    """
    from civicgrid.org.models import Department

    return Department.objects.filter(active=True).filter(
        Q(district__isnull=True) | Q(district_id=case.district_id)
    )


def acting_role(user, transition: Transition) -> Role | None:
    """Return the role ``user`` takes for ``transition``, or None if they hold none."""
    if user is None:
        return None
    for role in sorted(transition.roles):
        if role.value in user.roles:
            return role
    return None


def in_department_scope(user, case, role: Role) -> bool:
    """Return whether a handler acts on a case of their own department."""
    if role is not Role.handler:
        return True
    return bool(user.department_id) and user.department_id == case.department_id

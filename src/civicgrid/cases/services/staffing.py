"""Who is there to handle a dispatched case: active handlers and open load per department.

A case dispatched to a department with nobody able to log in and handle it
dead-ends: it sits in a worklist no one opens until it is overdue. The
dispatch console therefore shows, per department, its active handlers (users
with the handler role, active, of that department), its open load (cases
dispatched to it and not yet resolved) and how many of those are overdue, in
one grouped query; and ``act`` refuses a dispatch (or ownership ruling) to a
department without an active handler unless the caller confirms it with
``confirm_no_handler``.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from civicgrid.cases.choices import CaseState
from civicgrid.org.choices import RoleName

#: The field that confirms a dispatch to a department without an active handler.
CONFIRM_FIELD = "confirm_no_handler"
#: The states in which a case is in a department's hands (its open load).
OPEN_STATES = (CaseState.DISPATCHED,)


def _count(queryset):
    """Return ``queryset``'s size per outer department, as a subquery (0 when none)."""
    counted = (
        queryset.filter(department_id=OuterRef("pk"))
        .order_by()
        .values("department_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def active_handlers():
    """Return the users who can handle a department's cases now."""
    return get_user_model().objects.filter(
        is_active=True, groups__name=RoleName.HANDLER, department__isnull=False
    )


def with_handlers(departments):
    """Annotate ``departments`` with ``handler_count`` (in the same query)."""
    return departments.annotate(handler_count=_count(active_handlers()))


def with_load(departments, cases, now):
    """Annotate ``departments`` with ``handler_count``, ``open_count`` and ``overdue_count``.

    ``cases`` is the caller's restriction (``visible_cases``), so a count never
    includes a case the caller may not see. One query, whatever the number of
    departments.
    """
    open_cases = cases.filter(state__in=OPEN_STATES)
    return departments.annotate(
        handler_count=_count(active_handlers()),
        open_count=_count(open_cases),
        overdue_count=_count(open_cases.filter(current_due__lt=now)),
    )


def has_active_handler(department) -> bool:
    """Return whether ``department`` has at least one active handler."""
    return active_handlers().filter(department_id=department.pk).exists()

"""The dispatch console (派遣) for dispatchers and shift leads.

Cases to dispatch (filed and returned) with the suggested department and why;
the decisions waiting for the desk (extension requests, suspended cases,
ownership rulings); and the overdue and soon-due cases to urge. Each list is
short and in an indexed order; every action is a generic action form posted
to ``case_act``, offered only when the workflow allows it for the viewer.
"""

from datetime import timedelta

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from civicgrid.cases.choices import CaseState
from civicgrid.cases.services import staffing, transitions
from civicgrid.cases.services.access import is_dispatch_target, visible_cases
from civicgrid.core import workflow
from civicgrid.core.timelimits import TimeLimit, TimeLimitError
from civicgrid.org.choices import RoleName
from civicgrid.org.models import Department
from civicgrid.web.access import role_required
from civicgrid.web.actions import action_forms
from civicgrid.web.consoles.desk import (
    ROW_LIMIT,
    DeskFilters,
    console_url,
    filter_options,
    link_rows,
    list_rows,
    panel_context,
    panel_response,
    selected_case,
)
from civicgrid.web.paging import Page, page_number

ROLES = (RoleName.DISPATCHER, RoleName.SHIFT_LEAD)
TO_DISPATCH = (CaseState.FILED, CaseState.RETURNED)
SOON = timedelta(hours=2)
# The main list shows a full page; the watch lists a short one (their counts say how many).
LIMITS = {"to_dispatch": ROW_LIMIT}
WATCH_LIMIT = 20
# The quick actions each list offers in its rows (when allowed); the panel has the rest.
QUICK = {
    "to_dispatch": ("dispatch",),
    "extensions": ("grant_extension", "deny_extension"),
    "suspended": ("resume", "urge"),
    "in_ruling": ("urge",),
    "overdue": ("urge",),
    "soon": ("urge",),
}


#: The query parameter of each list's page ("page" for the main list).
PAGE_PARAMS = {name: "page" if name == "to_dispatch" else f"{name}_page" for name in QUICK}


def _pager(request, param: str, number: int, has_next: bool) -> Page:
    """Return the pager of one list; its links keep the filters and the other lists' pages."""
    query = request.GET.copy()
    query.pop(param, None)
    query.pop("case", None)
    return Page(rows=[], number=number, has_next=has_next, param=param, query=query.urlencode())


def _filters(request) -> DeskFilters:
    return DeskFilters.from_request(request, states=TO_DISPATCH)


def _watched_states() -> list[str]:
    """Return the states the deadline lists watch: those a case can be urged in."""
    return sorted(state.value for state in workflow.get_transition("urge").sources)


def sections(user, filters: DeskFilters, now) -> dict:
    """Return each list's queryset (filtered, ordered on an index) of the visible cases."""
    cases = filters.apply(visible_cases(user))
    watched = cases.filter(state__in=_watched_states())
    return {
        "to_dispatch": cases.filter(
            state__in=[filters.state] if filters.state else list(TO_DISPATCH)
        ).order_by("current_due", "id"),
        "extensions": cases.filter(
            state=CaseState.DISPATCHED, pending_extension__isnull=False
        ).order_by("current_due", "id"),
        "suspended": cases.filter(state=CaseState.SUSPENDED).order_by("updated_at", "id"),
        "in_ruling": cases.filter(state=CaseState.IN_RULING).order_by("current_due", "id"),
        "overdue": watched.filter(current_due__lt=now).order_by("current_due", "id"),
        "soon": watched.filter(current_due__gte=now, current_due__lt=now + SOON).order_by(
            "current_due", "id"
        ),
    }


def _extension_label(pending: dict) -> str:
    try:
        return TimeLimit.from_dict(pending).label_zh()
    except (TimeLimitError, KeyError, TypeError, ValueError):
        return "?"


def dispatch_choices(case, departments) -> list:
    """Return those of ``departments`` that ``case`` may go to (as ``dispatch_targets``)."""
    return [d for d in departments if is_dispatch_target(d, case)]


def department_load(user, now) -> list:
    """Return the active departments with their handlers, open load and overdue cases.

    One grouped query (``staffing.with_load``); the case counts are of the
    cases ``user`` may see.
    """
    return list(
        staffing.with_load(Department.objects.filter(active=True), visible_cases(user), now)
        .order_by("district_id", "code")
        .only("id", "name", "district_id", "active")
    )


def is_dispatch_target_of(user, department) -> bool:
    """Return whether ``user``'s cases may go to ``department`` (their district or the city)."""
    return user.district_id is None or department.district_id in (None, user.district_id)


def _quick_forms(case, names) -> list:
    return action_forms([name for name in names if name in case.allowed])


@role_required(*ROLES)
@require_GET
def index(request):
    """Show the dispatch desk: counts, the lists, and (with ``?case=``) a case panel."""
    filters = _filters(request)
    # The services' clock, so deadlines and these lists agree (and tests can set it).
    now = transitions.now()
    lists = {}
    counts = {}
    pagers = {}
    for name, queryset in sections(request.user, filters, now).items():
        limit = LIMITS.get(name, WATCH_LIMIT)
        param = PAGE_PARAMS[name]
        number = page_number(request.GET.get(param))
        # One row more than the page shows tells whether a next page exists (no COUNT).
        rows = list_rows(queryset, request.user, limit + 1, start=(number - 1) * limit)
        pagers[name] = _pager(request, param, number, has_next=len(rows) > limit)
        rows = rows[:limit]
        link_rows(rows, "web:dispatch", "web:dispatch_case", filters)
        for case in rows:
            case.quick = _quick_forms(case, QUICK[name])
            if case.pending_extension:
                case.extension = _extension_label(case.pending_extension)
        lists[name] = rows
        # A short first page is its own count; only a longer list needs a COUNT.
        short = number == 1 and not pagers[name].has_next
        counts[name] = len(rows) if short else queryset.count()
    case = selected_case(request)
    back = console_url("web:dispatch", filters)
    # One read for every row's department select, each row offered only its own targets,
    # and for the load table: handlers, open and overdue cases per department, grouped.
    departments = department_load(request.user, now)
    for rows in lists.values():
        for row in rows:
            row.departments = dispatch_choices(row, departments)
            row.unstaffed_targets = any(d.handler_count == 0 for d in row.departments)
    suggested = {row.suggested_department_id for row in lists["to_dispatch"]}
    context = {
        "lists": lists,
        "counts": counts,
        "pagers": pagers,
        "filters": filters,
        "query": filters.query(),
        "states": [(s.value, s.label) for s in TO_DISPATCH],
        "selected": case,
        "back": back,
        "now": now,
        "soon_hours": int(SOON.total_seconds() // 3600),
        "departments": [d for d in departments if is_dispatch_target_of(request.user, d)],
        "suggested": suggested,
        **filter_options(request.user),
    }
    if case is not None:
        context.update(panel_context(request, case, "web:dispatch", filters))
    return render(request, "web/dispatch/index.html", context)


@role_required(*ROLES)
@require_GET
def case_panel(request, case_id: int):
    """Return the panel of one case (HTMX), its forms leading back to the desk."""
    return panel_response(request, case_id, "web:dispatch", _filters(request))


urlpatterns = [
    path("", index, name="dispatch"),
    path("cases/<int:case_id>/", case_panel, name="dispatch_case"),
]

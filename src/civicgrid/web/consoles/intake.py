"""The intake and filing console (受理/立案) for operators and shift leads.

A queue of new cases (reported and verified), with their first photo,
channel, place, suggested category and proposed duplicates; a map of the
queue; and the case panel where the operator verifies, sends a verification
task, files or voids. Duplicates are merged or kept apart through the intake
services; everything else goes through ``case_act``.
"""

from dataclasses import replace

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases.choices import CaseState, DuplicateState
from civicgrid.cases.models import Report
from civicgrid.cases.services import CaseError, merge_report, reject_duplicate, transitions
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.callbacks import callbacks_due
from civicgrid.org.choices import RoleName
from civicgrid.web.access import role_required
from civicgrid.web.consoles import hotline
from civicgrid.web.consoles.desk import (
    ROW_LIMIT,
    DeskFilters,
    console_url,
    filter_options,
    first_photos,
    link_rows,
    list_rows,
    map_points,
    panel_context,
    panel_response,
    selected_case,
)
from civicgrid.web.views.cases import safe_next

ROLES = (RoleName.OPERATOR, RoleName.SHIFT_LEAD)
QUEUE_STATES = (CaseState.REPORTED, CaseState.VERIFIED)
# "due" walks the (state, current_due) index; "oldest" the creation time.
SORTS = ("due", "oldest")
ORDERINGS = {"due": ("current_due", "id"), "oldest": ("created_at", "id")}


# The sub-lists of the queue: ``?queue=duplicates`` holds the cases with a proposed duplicate
# (a stable address other pages link to).
QUEUES = ("duplicates",)


def _filters(request) -> DeskFilters:
    return DeskFilters.from_request(
        request, states=QUEUE_STATES, sorts=SORTS, queues=QUEUES, paged=True
    )


def queue(user, filters: DeskFilters):
    """Return the visible cases waiting for intake, filtered and ordered."""
    states = [filters.state] if filters.state else list(QUEUE_STATES)
    queryset = visible_cases(user).filter(state__in=states)
    if filters.queue == "duplicates":
        queryset = queryset.filter(
            Exists(
                Report.objects.filter(
                    case_id=OuterRef("pk"), duplicate_state=DuplicateState.PROPOSED
                )
            )
        )
    # Before filing a case has only its suggested category.
    return filters.apply(queryset, category_fields=("category", "category_guess"))


def page_links(paginator, filters: DeskFilters) -> list[tuple[int | str, str]]:
    """Return (page number or ellipsis, address) pairs around the current page."""
    links = []
    for number in paginator.get_elided_page_range(filters.page, on_each_side=2, on_ends=1):
        if number == paginator.ELLIPSIS:
            links.append((number, ""))
        else:
            links.append((number, console_url("web:intake", replace(filters, page=number))))
    return links


def proposed_duplicates(user, cases) -> dict[int, list[Report]]:
    """Return the proposed-duplicate reports of ``cases`` whose other case ``user`` may see."""
    reports = (
        Report.objects.filter(
            case_id__in=[case.pk for case in cases],
            duplicate_state=DuplicateState.PROPOSED,
            duplicate_of__in=visible_cases(user),
        )
        .select_related("duplicate_of")
        .only("id", "case_id", "channel", "reported_at", "duplicate_of__id", "duplicate_of__code")
        .order_by("reported_at", "id")
    )
    found: dict[int, list[Report]] = {}
    for report in reports:
        found.setdefault(report.case_id, []).append(report)
    return found


@role_required(*ROLES)
@require_GET
def index(request):
    """Show the intake queue, its map and (with ``?case=``) the chosen case's panel."""
    filters = _filters(request)
    waiting = queue(request.user, filters)
    ordered = waiting.order_by(*ORDERINGS[filters.sort or "due"])
    # The paginator counts (one query) and clamps the page; the rows are one slice.
    paginator = Paginator(ordered, ROW_LIMIT)
    page = paginator.get_page(filters.page)
    filters = replace(filters, page=page.number)
    rows = list_rows(ordered, request.user, ROW_LIMIT, (page.number - 1) * ROW_LIMIT)
    link_rows(rows, "web:intake", "web:intake_case", filters)
    photos = first_photos(rows)
    duplicates = proposed_duplicates(request.user, rows)
    for case in rows:
        case.photo = photos.get(case.pk)
        case.duplicates = duplicates.get(case.pk, [])
    visible = visible_cases(request.user)
    counts = {
        "reported": visible.filter(state=CaseState.REPORTED).count(),
        "verified": visible.filter(state=CaseState.VERIFIED).count(),
        "duplicates": Report.objects.filter(
            duplicate_state=DuplicateState.PROPOSED,
            case__in=visible.filter(state__in=QUEUE_STATES),
        ).count(),
        "callbacks": callbacks_due(request.user).count(),
    }
    case = selected_case(request)
    context = {
        "rows": rows,
        "total": paginator.count,
        "page": page,
        "page_links": page_links(paginator, filters) if paginator.num_pages > 1 else [],
        "counts": counts,
        "filters": filters,
        "query": filters.query(),
        "states": [(s.value, s.label) for s in QUEUE_STATES],
        "sorts": (("due", _("Due first")), ("oldest", _("Oldest first"))),
        "points": map_points(rows),
        "selected": case,
        "now": transitions.now(),
        **filter_options(request.user),
    }
    if case is not None:
        context.update(panel_context(request, case, "web:intake", filters))
    return render(request, "web/intake/index.html", context)


@role_required(*ROLES)
@require_GET
def case_panel(request, case_id: int):
    """Return the panel of one case (HTMX), its forms leading back to the queue."""
    return panel_response(request, case_id, "web:intake", _filters(request))


def _proposed(request, report_id: int) -> Report:
    return get_object_or_404(
        Report.objects.select_related("duplicate_of"),
        pk=report_id,
        duplicate_state=DuplicateState.PROPOSED,
        case__in=visible_cases(request.user),
    )


@role_required(*ROLES)
@require_POST
def merge(request, report_id: int):
    """Confirm a proposed duplicate: the report joins the other case (``merge_report``)."""
    report = _proposed(request, report_id)
    back = safe_next(request, console_url("web:intake", _filters(request)))
    if report.duplicate_of is None:
        messages.error(request, _("The proposed case no longer exists."))
        return redirect(back)
    try:
        merge_report(report, report.duplicate_of, request.user)
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The report was merged into case %(code)s.") % {"code": report.duplicate_of.code},
        )
    return redirect(back)


@role_required(*ROLES)
@require_POST
def keep_separate(request, report_id: int):
    """Record that a proposed duplicate is a problem of its own (``reject_duplicate``)."""
    report = _proposed(request, report_id)
    back = safe_next(request, console_url("web:intake", _filters(request)))
    try:
        reject_duplicate(report, request.user)
    except CaseError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Kept as a separate case."))
    return redirect(back)


urlpatterns = [
    path("", index, name="intake"),
    path("cases/<int:case_id>/", case_panel, name="intake_case"),
    path("reports/<int:report_id>/merge", merge, name="intake_merge"),
    path("reports/<int:report_id>/keep", keep_separate, name="intake_keep"),
    *hotline.urlpatterns,
]

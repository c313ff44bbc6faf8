"""Read models of cases for the API and pages (no writes here)."""

from django.db.models import Prefetch

from civicgrid.cases.models import Case, CaseEvent, Photo, Report
from civicgrid.cases.services import transitions
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.services.deadlines import progress, stage_limit
from civicgrid.cases.services.transitions import _pauses, allowed_actions_for
from civicgrid.common.timelimit_text import label


def case_queryset(queryset):
    """Return ``queryset`` with what the detail view needs, fetched in bulk."""
    return queryset.with_places("category", cell_outline=True).prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.order_by("seq")),
        Prefetch("reports", queryset=Report.objects.prefetch_related("photos")),
        Prefetch("photos", queryset=Photo.objects.order_by("created_at")),
    )


def deadline_of(case: Case, at=None) -> dict | None:
    """Return the running deadline of ``case`` with its warning level."""
    if case.current_due is None:
        return None
    at = at or transitions.now()
    unit = stage_limit(case.stage, case.handling_limit).unit
    if case.stage == "handle":
        start, pauses = case.handling_started_at, _pauses(case)
    else:
        start, pauses = case.stage_started_at, ()
    return progress(work_calendar(), start, case.current_due, at, unit, pauses)


def case_detail(case: Case, user) -> dict:
    """Return the case as the API's ``CaseOut`` expects."""
    data = {field.name: getattr(case, field.name) for field in Case._meta.concrete_fields}
    data.update(
        id=case.pk,
        category_id=case.category_id,
        category=case.category,
        department_id=case.department_id,
        district_id=case.district_id,
        street_id=case.street_id,
        grid_cell_id=case.grid_cell_id,
        filing_condition_id=case.filing_condition_id,
        suggested_department_id=case.suggested_department_id,
        grid_cell=case.grid_cell,
        community=case.community,
        street=case.street,
        district=case.district,
        deadline=deadline_of(case),
        pending_extension_label=label(case.pending_extension),
        allowed_actions=allowed_actions_for(case, user),
        reports=list(case.reports.all()),
        events=list(case.events.all()),
        photos=list(case.photos.all()),
    )
    return data

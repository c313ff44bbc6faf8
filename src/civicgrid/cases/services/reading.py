"""Read models of cases for the API and pages (no writes here)."""

from datetime import datetime

from django.db.models import Prefetch

from civicgrid.cases.models import Case, CaseEvent, Photo, Report
from civicgrid.cases.services import transitions
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.services.deadlines import progress, stage_limit
from civicgrid.cases.services.privacy import contact_for
from civicgrid.cases.services.transitions import _pauses, allowed_actions_for
from civicgrid.common.timelimit_text import label
from civicgrid.core import deadlines as core_deadlines


def case_queryset(queryset):
    """Return ``queryset`` with what the detail view needs, fetched in bulk."""
    return queryset.with_places("category", "verifier", cell_outline=True).prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.order_by("seq")),
        Prefetch(
            "reports",
            queryset=Report.objects.select_related("reporter").prefetch_related("photos"),
        ),
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


def on_time(case: Case, at) -> bool | None:
    """Return whether ``case`` kept its handling deadline: True, False, or None (not yet).

    Late once a resolution came after the handling due time (or the sweep
    marked the handling overdue); on time when it was closed without that;
    late too while an open case sits past its running due time. Voided cases
    and open cases still in time have no verdict.
    """
    if case.handling_overdue:
        return False
    if case.state == "closed":
        return True
    if case.state == "voided":
        return None
    if case.current_due is not None and case.current_due < at:
        return False
    return None


# ------------------------------------------------------------------ the case page

#: Roles that see a citizen reporter's name and phone in full; everyone else sees them masked.
#: Who holds a case in each state: a role, or "department" / "verifier" (named on the case).
HOLDERS = {
    "reported": "operator",
    "verified": "operator",
    "filed": "dispatcher",
    "returned": "dispatcher",
    "dispatched": "department",
    "resolved": "inspector",
    "checked": "operator",
    "suspended": "dispatcher",
    "in_ruling": "expert",
}


def _snapshot_due(event) -> datetime | None:
    value = (event.deadlines or {}).get("stage_due")
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def stage_history_of(events, at=None) -> list:
    """Return the stages of a case (``core.deadlines.stage_history``) from its events."""
    at = at or transitions.now()
    return core_deadlines.stage_history(
        (
            core_deadlines.StageEvent(
                at=e.at,
                action=e.action,
                from_state=e.from_state,
                to_state=e.to_state,
                stage=(e.deadlines or {}).get("stage") or "",
                stage_due=_snapshot_due(e),
            )
            for e in events
        ),
        at,
    )


def current_holder(case: Case, events) -> dict | None:
    """Return who holds ``case`` now and since when (its last change of state).

    ``kind`` is "department", "user" (the inspector asked to verify) or
    "role"; ``name`` is the department or person, ``role`` the role name.
    None for a closed or voided case.
    """
    holder = HOLDERS.get(case.state)
    if holder is None:
        return None
    since = next((e.at for e in reversed(events) if e.from_state != e.to_state), None)
    if holder == "department":
        name = case.department.name if case.department_id else ""
        return {"kind": "department", "name": name, "role": "handler", "since": since}
    if case.state == "reported" and case.verifier_id:
        asked = next((e.at for e in reversed(events) if e.action == "request_verification"), None)
        return {
            "kind": "user",
            "name": str(case.verifier),
            "role": "inspector",
            "since": asked or since,
        }
    return {"kind": "role", "name": "", "role": holder, "since": since}


def reporter_of(report: Report, user) -> dict:
    """Return who made ``report`` as ``user`` may see it: name, phone, masked, anonymous."""
    if report.anonymous:
        return {"name": "", "phone": "", "masked": False, "anonymous": True}
    name = report.reporter_name
    if not name and report.reporter_id:
        # A staff member's own report (an inspector): their name is not private.
        return {"name": str(report.reporter), "phone": "", "masked": False, "anonymous": False}
    contact = contact_for(user, report)
    return {
        "name": contact.name,
        "phone": contact.phone,
        "masked": contact.masked,
        "anonymous": False,
    }


def merged_duplicates(case: Case, reports, events) -> list[dict]:
    """Return the duplicate reports merged into ``case``, each with its ``merge`` event.

    ``reports`` and ``events`` are the case's own (prefetched); the former
    cases' numbers come in one query.
    """
    merges = {e.data.get("report"): e for e in events if e.action == "merge" and e.data}
    merged = [r for r in reports if r.duplicate_state == "confirmed" or r.pk in merges]
    former = {m.data.get("from_case") for m in merges.values()} - {None}
    codes = dict(Case.objects.filter(pk__in=former).values_list("pk", "code")) if former else {}
    rows = []
    for report in merged:
        event = merges.get(report.pk)
        from_case = event.data.get("from_case") if event else None
        rows.append(
            {
                "report": report,
                "event": event,
                "from_case": from_case,
                "from_code": codes.get(from_case, ""),
            }
        )
    return rows

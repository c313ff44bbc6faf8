"""The department worklist (专业部门处置): what a handler's department must do, soonest due first.

A handler sees the dispatched cases of their own department, including
rework sent back by a failed check, sorted by the time left; each case offers
the actions the workflow allows the handler *now* (resolve with photos,
request an extension, return) through the shared ``web:case_act`` view, so
the rules live in ``cases.services`` only.
"""

from datetime import timedelta

from django.db.models import F, Prefetch
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.cases.choices import CaseState
from civicgrid.cases.models import CaseEvent, Photo
from civicgrid.cases.services import allowed_actions_for, transitions
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.reading import deadline_of
from civicgrid.org.choices import RoleName
from civicgrid.web.access import role_required
from civicgrid.web.actions import action_forms
from civicgrid.web.paging import page_of

#: How far back the "recently returned or resolved" section looks.
HISTORY_DAYS = 7
HISTORY_LIMIT = 30
#: Cases shown with their forms on one page; the pager reaches the rest.
ROWS_SHOWN = 30
#: The actions the worklist offers inline; others stay on the case page.
WORKLIST_ACTIONS = ("resolve", "request_extension", "return")


def department_cases(user):
    """Return the cases of ``user``'s department waiting for handling: urged, then soonest due.

    Built on ``visible_cases`` (which already limits a handler to their
    department); the extra department filter keeps a user with several roles
    to the worklist of the department they belong to.
    """
    return (
        visible_cases(user)
        .filter(state=CaseState.DISPATCHED, department_id=user.department_id)
        .with_places("category")
        .prefetch_related(
            Prefetch("photos", queryset=Photo.objects.order_by("created_at"), to_attr="all_photos")
        )
        # Urged cases (督办) first, then by the time left.
        .order_by(F("urge_count").desc(), F("current_due").asc(nulls_last=True), "id")
    )


def department_history(user, at):
    """Return the department's own recent ``resolve`` and ``return`` events, newest first.

    A returned case leaves the department (its ``department`` is cleared), so
    ``visible_cases`` no longer lists it; the department still sees its own
    record of having returned it (code, time, reason), never the case itself.
    The link to a case is offered only when the case is still visible.
    """
    if not user.department_id:
        return []
    events = list(
        CaseEvent.objects.filter(
            department_id=user.department_id,
            action__in=("resolve", "return"),
            at__gte=at - timedelta(days=HISTORY_DAYS),
        )
        .select_related("case")
        .only("id", "action", "at", "note", "actor_name", "case__id", "case__code", "case__state")
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    visible = set(
        visible_cases(user).filter(pk__in={e.case_id for e in events}).values_list("pk", flat=True)
    )
    for event in events:
        event.case_visible = event.case_id in visible
    return events


def remaining_text(seconds: int) -> str:
    """Return working time left (or overdue) as a short human text."""
    overdue = seconds < 0
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)d min") % {"m": minutes}
    return _("overdue by %(t)s") % {"t": text} if overdue else _("%(t)s left") % {"t": text}


def _row(case, user, at):
    deadline = deadline_of(case, at)
    allowed = [a for a in allowed_actions_for(case, user) if a in WORKLIST_ACTIONS]
    photos = case.all_photos
    return {
        "case": case,
        "deadline": deadline,
        "level": deadline["level"] if deadline else "none",
        "overdue": bool(deadline and deadline["overdue"]),
        "remaining": remaining_text(deadline["remaining_seconds"]) if deadline else "",
        # Sent back by a failed check (返工): it was resolved before and the check did not pass.
        "rework": bool(case.last_resolved_at) and not case.last_check_passed,
        "forms": action_forms(allowed),
        "before_photos": [p for p in photos if p.kind == "report"],
        "after_photos": [p for p in photos if p.kind != "report"],
    }


@role_required(RoleName.HANDLER)
@require_GET
def index(request):
    """Show the department's open work, the counts and the recent history."""
    at = transitions.now()  # looked up per call so a test clock applies
    cases = department_cases(request.user)
    pager = page_of(cases, request, ROWS_SHOWN)
    rows = [_row(case, request.user, at) for case in pager.rows]
    # Counted in the database: a busy department can have hundreds of cases open.
    day_start = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = {
        "todo": cases.count(),
        "overdue": cases.filter(current_due__lt=at).count(),
        "due_today": cases.filter(
            current_due__gte=day_start, current_due__lt=day_start + timedelta(days=1)
        ).count(),
    }
    context = {
        "rows": rows,
        "pager": pager,
        "counts": counts,
        "history": department_history(request.user, at),
        "history_days": HISTORY_DAYS,
        "department": request.user.department,
        "next": reverse("web:worklist") + (f"?page={pager.number}" if pager.number > 1 else ""),
    }
    return render(request, "web/worklist/index.html", context)


urlpatterns = [path("", index, name="worklist")]

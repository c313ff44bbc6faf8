"""The to-do lists (待办) of every role: one table, read by the home page, the nav and the API.

Each :class:`TodoItem` names a key, a label, the roles it is for, a condition on
``visible_cases(user)`` and where its list lives (a console, or the to-do list
page ``web:todo_list``). Nothing reads around the table: the home page, the
navigation badge, ``GET /api/v1/todo`` and the list page all call
:func:`todo_counts` or :func:`todo_cases`.

Counting is one aggregate query per user with one conditional ``COUNT`` per
item, shared through Django's cache until the next case event (or a minute,
since deadlines pass without events; see ``web.live.cached_until_change``).

"Hard cases" (疑难案件) for coordinators are defined once, in
:func:`hard_case_condition`: open cases returned at least ``HARD_RETURNS``
times, past their deadline, or urged. Citizen "not satisfied" ratings do not
exist yet: :func:`citizen_dissatisfied_condition` is the hook that returns no
cases until the citizen work adds ratings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import CaseState, Channel, DuplicateState
from civicgrid.cases.models import Report
from civicgrid.cases.models.cases import OPEN_STATES
from civicgrid.cases.services.access import visible_cases
from civicgrid.core import workflow
from civicgrid.org.choices import RoleName

#: A case returned this many times counts as hard (疑难).
HARD_RETURNS = 2
#: "Due soon" for the dispatch desk (the same window as its list).
SOON = timedelta(hours=2)

R = RoleName
DESK = frozenset({R.DISPATCHER, R.SHIFT_LEAD})
INTAKE = frozenset({R.OPERATOR, R.SHIFT_LEAD})

#: A condition: (user, now) → a filter on the user's visible cases, or None for "no cases".
Condition = Callable[[object, datetime], Q | Exists | None]


@dataclass(frozen=True)
class TodoItem:
    """One line of a role's to-do list."""

    key: str
    label: str
    roles: frozenset[str]
    condition: Condition
    #: URL name of the list and its query string or anchor ("" for none).
    url_name: str = "web:todo_list"
    url_suffix: str = ""
    #: Counted in the nav badge, which lights up (and may chime) when it grows. The badge
    #: items of one role are disjoint, so their sum counts each case once.
    badge: bool = False
    #: What it counts, when not cases (e.g. departments); such items have no case list.
    counts_cases: bool = True


def _watched_states() -> list[str]:
    """Return the states the deadline lists watch: those a case can be urged in."""
    return sorted(state.value for state in workflow.get_transition("urge").sources)


def hard_case_condition(user, now: datetime) -> Q:
    """Return the filter of hard cases (疑难): open, and returned twice, overdue or urged."""
    return Q(state__in=OPEN_STATES) & (
        Q(return_count__gte=HARD_RETURNS) | Q(current_due__lt=now) | Q(urge_count__gt=0)
    )


def citizen_dissatisfied_condition(user, now: datetime) -> Q | None:
    """Return the filter of cases a citizen rated "not satisfied" (hook: none yet).

    There is no rating data yet; the citizen work replaces this with a filter
    on its ratings. Until then the item counts nothing (and costs no query).
    """
    return None


def _department_work(user, now: datetime, extra: Q | None = None) -> Q | None:
    if not user.department_id:
        return None
    condition = Q(state=CaseState.DISPATCHED, department_id=user.department_id)
    return condition & extra if extra is not None else condition


def _proposed_duplicates(user, now: datetime) -> Q:
    proposed = Report.objects.filter(
        case_id=OuterRef("pk"), duplicate_state=DuplicateState.PROPOSED
    )
    return Q(state__in=[CaseState.REPORTED, CaseState.VERIFIED]) & Q(Exists(proposed))


def _leader_instructed(user, now: datetime) -> Q:
    instructed = Report.objects.filter(case_id=OuterRef("pk"), channel=Channel.LEADER)
    return Q(state__in=OPEN_STATES) & Q(Exists(instructed))


ITEMS: tuple[TodoItem, ...] = (
    # 受理员 / 值班长: intake and closing
    TodoItem(
        "to_verify",
        _("New reports to verify or file"),
        INTAKE,
        lambda user, now: Q(state=CaseState.REPORTED),
        "web:intake",
        "?state=reported",
        badge=True,
    ),
    TodoItem(
        "verified",
        _("Back from verification, to file"),
        INTAKE,
        lambda user, now: Q(state=CaseState.VERIFIED),
        "web:intake",
        "?state=verified",
        badge=True,
    ),
    TodoItem("duplicates", _("Proposed duplicates to decide"), INTAKE, _proposed_duplicates),
    TodoItem(
        "to_close",
        _("Checked cases waiting to be closed"),
        INTAKE,
        lambda user, now: Q(state=CaseState.CHECKED),
        badge=True,
    ),
    TodoItem(
        "dissatisfied",
        _("Citizens not satisfied"),
        INTAKE,
        citizen_dissatisfied_condition,
    ),
    # 派遣员 / 值班长: the dispatch desk
    TodoItem(
        "to_dispatch",
        _("Cases to dispatch"),
        DESK,
        lambda user, now: Q(state__in=[CaseState.FILED, CaseState.RETURNED]),
        "web:dispatch",
        badge=True,
    ),
    TodoItem(
        "returned",
        _("Returned cases"),
        DESK,
        lambda user, now: Q(state=CaseState.RETURNED),
        "web:dispatch",
        "?state=returned",
    ),
    TodoItem(
        "extensions",
        _("Extension requests"),
        DESK,
        lambda user, now: Q(state=CaseState.DISPATCHED, pending_extension__isnull=False),
        "web:dispatch",
        "#extensions",
        badge=True,
    ),
    TodoItem(
        "suspended",
        _("Suspended cases to resume"),
        DESK,
        lambda user, now: Q(state=CaseState.SUSPENDED),
        "web:dispatch",
        "#suspended",
    ),
    TodoItem(
        "overdue",
        _("Past their deadline"),
        DESK,
        lambda user, now: Q(state__in=_watched_states(), current_due__lt=now),
        "web:dispatch",
        "#overdue",
    ),
    TodoItem(
        "due_soon",
        _("Due within two hours"),
        DESK,
        lambda user, now: Q(
            state__in=_watched_states(), current_due__gte=now, current_due__lt=now + SOON
        ),
        "web:dispatch",
        "#soon",
    ),
    # 专业部门: the department's work
    TodoItem(
        "urged",
        _("Urged cases (督办)"),
        frozenset({R.HANDLER}),
        lambda user, now: _department_work(user, now, Q(urge_count__gt=0)),
        "web:worklist",
    ),
    TodoItem(
        "department",
        _("The department's cases to handle"),
        frozenset({R.HANDLER}),
        _department_work,
        "web:worklist",
        badge=True,
    ),
    TodoItem(
        "department_overdue",
        _("Of them past their deadline"),
        frozenset({R.HANDLER}),
        lambda user, now: _department_work(user, now, Q(current_due__lt=now)),
        "web:worklist",
    ),
    # 监督员: on-site tasks (as on the phone)
    TodoItem(
        "verify_tasks",
        _("Verification tasks"),
        frozenset({R.INSPECTOR}),
        lambda user, now: Q(state=CaseState.REPORTED, verifier_id=user.pk),
        "web:mobile",
        badge=True,
    ),
    TodoItem(
        "check_tasks",
        _("Check tasks"),
        frozenset({R.INSPECTOR}),
        lambda user, now: Q(state=CaseState.RESOLVED),
        "web:mobile",
        badge=True,
    ),
    # 专家 / 协调员
    TodoItem(
        "rulings",
        _("Ownership rulings"),
        frozenset({R.EXPERT, R.COORDINATOR}),
        lambda user, now: Q(state=CaseState.IN_RULING),
        badge=True,
    ),
    TodoItem("hard", _("Hard cases"), frozenset({R.COORDINATOR}), hard_case_condition),
    # 领导
    TodoItem(
        "instructed",
        _("Open cases from leader instructions"),
        frozenset({R.LEADER}),
        _leader_instructed,
        badge=True,
    ),
    TodoItem(
        "overdue_departments",
        _("Departments with overdue cases"),
        frozenset({R.LEADER}),
        lambda user, now: Q(
            state__in=OPEN_STATES, current_due__lt=now, department_id__isnull=False
        ),
        "web:screen",
        counts_cases=False,
    ),
)

_BY_KEY = {item.key: item for item in ITEMS}
del R


def items_for(user) -> list[TodoItem]:
    """Return the to-do items of ``user``'s roles, in table order (none when logged out)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    roles = set(user.roles)
    return [item for item in ITEMS if roles & item.roles]


def get_item(user, key: str) -> TodoItem | None:
    """Return the item ``key`` when it is one of ``user``'s, else None."""
    item = _BY_KEY.get(key)
    return item if item is not None and item in items_for(user) else None


def todo_counts(user, now: datetime) -> dict[str, int]:
    """Return ``{key: count}`` for ``user``'s items: one aggregate query (none without items)."""
    items = items_for(user)
    aggregates = {}
    counts = {}
    for item in items:
        condition = item.condition(user, now)
        if condition is None:
            counts[item.key] = 0
        elif item.counts_cases:
            aggregates[item.key] = Count("id", filter=condition)
        else:
            aggregates[item.key] = Count("department_id", filter=condition, distinct=True)
    if aggregates:
        counts.update(visible_cases(user).order_by().aggregate(**aggregates))
    return {item.key: counts[item.key] for item in items}


def todo_cases(user, item: TodoItem, now: datetime):
    """Return the visible cases of ``item`` for ``user``, most urgent first."""
    condition = item.condition(user, now)
    cases = visible_cases(user)
    if condition is None:
        return cases.none()
    return cases.filter(condition).order_by("current_due", "id")

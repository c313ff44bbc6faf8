"""``GET /api/v1/todo``: the caller's to-do list (the items of ``cases.services.todo``)."""

from django.urls import reverse
from ninja import Router, Schema

from civicgrid.api.auth import acting_user
from civicgrid.cases.services import transitions
from civicgrid.cases.services.todo import items_for, todo_counts

router = Router()


class TodoItemOut(Schema):
    """One line of the caller's to-do list."""

    key: str
    label: str
    count: int
    #: Whether the count is of cases (else of departments, e.g. those with overdue cases).
    counts_cases: bool
    #: Counted in the web navigation's badge.
    badge: bool
    #: The web page that lists this work.
    url: str


def _url(item) -> str:
    if item.url_name == "web:todo_list":
        return reverse("web:todo_list", args=[item.key])
    return reverse(item.url_name) + item.url_suffix


@router.get("/todo", response=list[TodoItemOut], url_name="todo")
def todo(request):
    """Return the caller's to-do items with their counts (one query), as the home page shows."""
    user = acting_user(request)
    counts = todo_counts(user, transitions.now())
    return [
        {
            "key": item.key,
            "label": str(item.label),
            "count": counts[item.key],
            "counts_cases": item.counts_cases,
            "badge": item.badge,
            "url": _url(item),
        }
        for item in items_for(user)
    ]

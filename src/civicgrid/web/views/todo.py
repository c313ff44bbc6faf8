"""To-do lists, in-app notices and the live stream every staff page listens to.

The to-do items are defined in ``cases.services.todo``; these views only
render them. Counts are shared through the cache until the next case event
(``live.cached_until_change``), so a page that refreshes its badges on every
change costs one aggregate query per user and change.
"""

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases.services import transitions
from civicgrid.cases.services.todo import get_item, items_for, todo_cases, todo_counts
from civicgrid.notify.inbox import mark_read, notices_for, unread_count
from civicgrid.web import live
from civicgrid.web.access import role_required
from civicgrid.web.streams import change_stream_view

LIST_LIMIT = 50
NOTICES_SHOWN = 100


def _cache_key(user) -> str:
    roles = "-".join(sorted(user.roles))
    return f"todo:{user.pk}:{roles}:{user.district_id or 0}:{user.department_id or 0}"


def todo_summary(user) -> list[dict]:
    """Return ``user``'s to-do rows (item, count, url), counted once per case change."""
    items = items_for(user)
    if not items:
        return []
    counts = live.cached_until_change(
        _cache_key(user), lambda: todo_counts(user, transitions.now())
    )
    rows = []
    for item in items:
        if item.url_name == "web:todo_list":
            url = reverse("web:todo_list", args=[item.key])
        else:
            url = reverse(item.url_name) + item.url_suffix
        rows.append({"item": item, "count": counts.get(item.key, 0), "url": url})
    return rows


def _unread_key(user) -> str:
    """Name the user's unread count until the next case event (marking read deletes it)."""
    return f"notices:{user.pk}:{live.latest_change()}"


def badge_context(user) -> dict:
    """Return the nav badges: open to-do work, of it urgent, and unread notices."""
    rows = todo_summary(user)
    # The badge items of a role are disjoint: each case is counted once.
    total = sum(r["count"] for r in rows if r["item"].badge)
    key = _unread_key(user)
    unread = cache.get(key)
    if unread is None:
        unread = unread_count(user)
        cache.set(key, unread, 60)
    return {"todo_rows": rows, "todo_total": total, "unread": unread}


@role_required()
@require_GET
def panel(request):
    """Return the home page's to-do list (HTMX refreshes it on every case change)."""
    return render(request, "web/todo/_panel.html", {"todo_rows": todo_summary(request.user)})


@role_required()
@require_GET
def badges(request):
    """Return the navigation's to-do and notice badges (a fragment)."""
    response = render(request, "web/todo/_badges.html", badge_context(request.user))
    response["Cache-Control"] = "no-store"
    return response


@role_required()
@require_GET
def todo_list(request, key: str):
    """List the cases of one of the user's to-do items (404 for another role's item)."""
    item = get_item(request.user, key)
    if item is None or not item.counts_cases:
        raise Http404(_("No such to-do list."))
    now = transitions.now()
    cases = todo_cases(request.user, item, now)
    rows = list(cases.with_places("category", "department")[:LIST_LIMIT])
    total = len(rows) if len(rows) < LIST_LIMIT else cases.count()
    context = {"item": item, "rows": rows, "total": total, "now": now}
    return render(request, "web/todo/list.html", context)


@role_required()
@require_GET
def notices(request):
    """List the user's notices, newest first, the unread ones marked."""
    rows = list(
        notices_for(request.user)
        .select_related("case")
        .only("id", "kind", "message", "created_at", "case__id", "case__code")
        .order_by("-created_at", "-id")[:NOTICES_SHOWN]
    )
    unread = sum(1 for n in rows if not n.is_read)
    return render(request, "web/todo/notices.html", {"notices": rows, "unread": unread})


@role_required()
@require_POST
def notices_read(request):
    """Mark the posted notices (``notice`` ids, or all with ``all``) read."""
    ids = None
    if not request.POST.get("all"):
        ids = [int(v) for v in request.POST.getlist("notice") if v.isdigit() and len(v) < 19]
    marked = mark_read(request.user, ids)
    cache.delete(_unread_key(request.user))
    if marked:
        messages.success(request, _("Marked as read."))
    return redirect("web:notices")


events = change_stream_view()

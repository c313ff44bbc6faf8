"""Views of the web app: the home page and the health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from civicgrid.web.services import home_summary
from civicgrid.web.views.todo import todo_summary


@require_safe
def home(request):
    """Show what the platform holds and link to what exists."""
    user = request.user
    is_admin = user.is_authenticated and (user.is_staff or user.has_role("admin"))
    context = {
        "summary": home_summary(),
        "is_admin": is_admin,
        # The to-do list of the user's roles (none for anonymous or role-less users).
        "todo_rows": todo_summary(user) if user.is_authenticated else [],
        "screen_link": user.is_authenticated and user.has_role("leader"),
    }
    if is_admin:
        from django.utils import timezone

        from civicgrid.cases.services.calendar import calendar_warnings

        context["warnings"] = calendar_warnings(timezone.now())
    return render(request, "web/home.html", context)


@never_cache
@require_safe
def healthz(request):
    """Answer 503 when the database fails; else 200 with the background work's state.

    ``status`` is "degraded" (still 200) when the task worker's heartbeat or
    the overdue sweep is stale, failing or has never run: the web requests
    are served and a load balancer must keep the server, but monitoring must
    alert, because overdue marking has stopped (see docs/security.md).
    """
    from civicgrid.cases.tasks import health

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        background = health()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    fine = {"ok", "running"}
    healthy = background["worker"]["status"] in fine and background["sweep"]["status"] in fine
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": "ok", **background}
    )

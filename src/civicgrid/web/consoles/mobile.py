"""The inspector phone app (监督员 APP): my tasks, one task, a new report; installable, works offline.

Tasks come from ``visible_cases`` like every other list: verification tasks
asked of this inspector and check tasks of resolved cases, those in the
inspector's patrol zones first. Actions post to the shared ``web:case_act``
view; new reports go to the JSON API (``POST /api/v1/reports``) from the
page's script, which queues them on the phone while offline and resends them
with the same idempotency key, so a retry never makes a second case.
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Count, Exists, F, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from civicgrid.cases.choices import CaseState
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.reading import case_queryset, deadline_of
from civicgrid.categories.models import Category
from civicgrid.org.choices import RoleName
from civicgrid.places.models import District, GridCell, PatrolZone
from civicgrid.web.access import role_required
from civicgrid.web.maps import display_crs, display_point, district_outlines
from civicgrid.web.paging import page_of
from civicgrid.web.views.cases import case_context

#: Tasks per page of each list (a pager reaches the rest).
TASK_LIMIT = 50
#: Districts drawn under the report map at most (a city has a few dozen).
MAX_OUTLINES = 100
#: A GPS fix rougher than this (metres) must be confirmed on the map.
COARSE_GPS_METRES = 100
COMMON_CATEGORIES = 8
#: The actions the phone offers on a task page (void is not an inspector's).
TASK_ACTIONS = ("verify", "check")
#: Static files the service worker keeps so the app opens without a connection.
SHELL_STATIC = (
    "web/civicgrid.css",
    "web/mobile.css",
    "web/mobile.js",
    "web/mobile-queue.js",
    "web/logout.js",
    "web/map.js",
    "web/mobile-icon.svg",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/htmx/htmx.min.js",
)
#: The pages the service worker keeps (network first, the cached copy when offline).
SHELL_PAGES = ("web:mobile", "web:mobile_new")
#: Where photo files are served; the service worker passes these requests through.
PHOTOS_PREFIX = "/photos/"

inspector_only = role_required(RoleName.INSPECTOR)


def _strings() -> dict:
    """Return the texts the page script shows (translated here, not in JavaScript)."""
    return {
        "queued": gettext_lazy("Saved on the phone; it will be sent when online."),
        "sent": gettext_lazy("Report sent: case %(code)s"),
        "duplicate": gettext_lazy("Already received: case %(code)s"),
        "failed": gettext_lazy("Refused by the server: %(message)s"),
        "login": gettext_lazy("Log in again to send the waiting reports."),
        "no_fix": gettext_lazy("No GPS position."),
        "gps_ok": gettext_lazy("GPS position (±%(m)s m); drag the marker to correct it."),
        "confirm_place": gettext_lazy("Please confirm the position on the map"),
        "coarse_gps": gettext_lazy("The GPS position is rough (±%(m)s m)."),
        "place_confirmed": gettext_lazy("Position confirmed on the map."),
        "need_confirm": gettext_lazy("Move the marker or confirm the position first."),
        "need_photo": gettext_lazy("Take a photo first."),
        "need_place": gettext_lazy("Set the place on the map first."),
        "need_text": gettext_lazy("Describe the problem."),
        "km": gettext_lazy("%(d)s km"),
        "m": gettext_lazy("%(d)s m"),
        "discard": gettext_lazy("Discard"),
        "waiting": gettext_lazy("waiting"),
        "error": gettext_lazy("refused"),
        "photo_type": gettext_lazy(
            "“%(name)s” is not a JPEG, PNG or WebP photo; take the photo with the camera."
        ),
        "photo_size": gettext_lazy("The photo is %(size)s MB; at most %(limit)s MB are accepted."),
    }


def _photo_limit() -> int:
    """Return the largest photo accepted, in bytes (the phone checks before sending)."""
    return settings.CIVICGRID["PHOTO_MAX_BYTES"]


def _tasks(user):
    """Return (verification tasks, check tasks) of ``user``, ordered; checks in their zones first."""
    # Both categories: a task not filed yet shows its guess (joined, not a query per task).
    cases = visible_cases(user).with_places("category", "category_guess")
    verify = cases.filter(state=CaseState.REPORTED, verifier=user).order_by(
        F("current_due").asc(nulls_last=True), "id"
    )
    in_zone = PatrolZone.objects.filter(inspector=user, cells=OuterRef("grid_cell_id"))
    check = (
        cases.filter(state=CaseState.RESOLVED)
        .annotate(in_zone=Exists(in_zone))
        .order_by("-in_zone", F("current_due").asc(nulls_last=True), "id")
    )
    return verify, check


def _task_item(case, kind: str) -> dict:
    deadline = deadline_of(case)
    return {
        "case": case,
        "kind": kind,
        "deadline": deadline,
        "level": deadline["level"] if deadline else "none",
        "in_zone": getattr(case, "in_zone", True),
    }


@inspector_only
@require_GET
@ensure_csrf_cookie
def index(request):
    """List my verification and check tasks (the page sorts them by distance when it may)."""
    verify, check = _tasks(request.user)
    verify_page = page_of(verify, request, TASK_LIMIT, param="verify_page")
    check_page = page_of(check, request, TASK_LIMIT, param="check_page")
    context = {
        "verify_tasks": [_task_item(c, "verify") for c in verify_page.rows],
        "check_tasks": [_task_item(c, "check") for c in check_page.rows],
        "verify_pager": verify_page,
        "check_pager": check_page,
        "strings": _strings(),
        "tab": "tasks",
    }
    return render(request, "web/mobile/index.html", context)


@inspector_only
@require_GET
def task(request, case_id: int):
    """Show one task: facts, before/after photos, a small map, verify or check."""
    case = get_object_or_404(case_queryset(visible_cases(request.user)), pk=case_id)
    context = case_context(request, case)
    context["forms"] = [f for f in context["forms"] if f.action in TASK_ACTIONS]
    context["next"] = reverse("web:mobile")
    context["tab"] = "tasks"
    context["strings"] = _strings()
    context["photo_max_bytes"] = _photo_limit()
    return render(request, "web/mobile/task.html", context)


def _categories(user) -> tuple[list[dict], list[int]]:
    """Return all active categories and the ids of the most used ones in the user's area."""
    rows = [
        {"id": c.pk, "code": c.code, "name": c.name, "major": c.major_name, "kind": c.kind}
        for c in Category.objects.filter(active=True).order_by("kind", "code")
    ]
    common = list(
        visible_cases(user)
        .filter(category__active=True)
        .values("category")
        .annotate(n=Count("id"))
        .order_by("-n", "category")
        .values_list("category", flat=True)[:COMMON_CATEGORIES]
    )
    return rows, common


def _start_point(user) -> tuple[float, float]:
    """Return where the map opens before GPS answers: the centre of the user's area."""
    # One cell's outline, not every cell of the zone (a zone has hundreds).
    cell = (
        GridCell.objects.filter(patrol_zones__inspector=user)
        .only("geometry")
        .order_by("code")
        .first()
    )
    if cell is None:
        cells = GridCell.objects.only("geometry")
        if user.district_id:
            cells = cells.filter(district_id=user.district_id)
        cell = cells.order_by("code").first()
    if cell is None:
        return display_point(116.397, 39.909)
    centre = cell.geometry.get("coordinates", [[[116.397, 39.909]]])[0]
    lon = sum(p[0] for p in centre) / len(centre)
    lat = sum(p[1] for p in centre) / len(centre)
    return display_point(lon, lat)


def _outlines(user) -> dict:
    """Return the outline of the user's district (every district for city-wide users)."""
    districts = District.objects.only("code", "name", "geometry").order_by("code")
    if user.district_id:
        districts = districts.filter(pk=user.district_id)
    return district_outlines(districts[:MAX_OUTLINES])


@inspector_only
@require_GET
@ensure_csrf_cookie
def new_report(request):
    """Take a photo, place it on the map, pick a category: the script sends or queues it.

    The map shows the district outline (in the page, so it is there offline)
    and the unit grid of the view, whether the tiles load or not. Unless the
    GPS gives a fine position, the inspector must move or confirm the pin
    before going on; the report records ``position_source`` (``gps`` or
    ``manual``) in its raw payload.
    """
    categories, common = _categories(request.user)
    by_id = {c["id"]: c for c in categories}
    context = {
        "categories": categories,
        "common": [by_id[i] for i in common if i in by_id],
        "start": _start_point(request.user),
        "crs": display_crs(),
        "outlines": _outlines(request.user),
        "coarse_metres": COARSE_GPS_METRES,
        "api_url": "/api/v1/reports",
        "strings": _strings(),
        "photo_max_bytes": _photo_limit(),
        "tab": "new",
    }
    return render(request, "web/mobile/new.html", context)


@lru_cache(maxsize=1)
def _shell_version() -> str:
    """Return a hash of the shell's static files, so a new release replaces the cache."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        found = finders.find(name)
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    digest.update(repr(SHELL_PAGES).encode())
    return digest.hexdigest()[:12]


@require_GET
def service_worker(request):
    """Serve the service worker from ``/m/`` so its scope covers the whole app.

    Public like any static file (it holds no data but the id of the logged-in
    user, whose queued reports it may send); it only runs for pages under
    ``/m/``, which require an inspector's login.
    """
    config = {
        "version": _shell_version(),
        "static": [static(name) for name in SHELL_STATIC],
        "pages": [reverse(name) for name in SHELL_PAGES],
        "offline_page": reverse("web:mobile"),
        "scope": reverse("web:mobile"),
        # Never cached by the worker: photos are checked per user (see cases.views).
        "private": [PHOTOS_PREFIX, "/media/"],
        # Whose queued reports this worker may send (the page registers ?u=<id> per user).
        "user": str(request.user.pk) if request.user.is_authenticated else None,
    }
    response = render(
        request,
        "web/mobile/sw.js",
        {"config": json.dumps(config), "queue_js": static("web/mobile-queue.js")},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("web:mobile")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """Serve the web app manifest that makes the app installable on the home screen."""
    data = {
        "name": _("CivicGrid inspector"),
        "short_name": _("Inspector"),
        "description": _("Report and check city problems in the field."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("web:mobile"),
        "scope": reverse("web:mobile"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f7f9",
        "theme_color": "#0b3d6b",
        "icons": [
            {
                "src": static("web/mobile-icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any maskable",
            }
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [
    path("", never_cache(index), name="mobile"),
    path("tasks/<int:case_id>/", never_cache(task), name="mobile_task"),
    path("new/", never_cache(new_report), name="mobile_new"),
    path("sw.js", service_worker, name="mobile_sw"),
    path("manifest.webmanifest", manifest, name="mobile_manifest"),
]

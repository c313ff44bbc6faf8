"""The command-centre big screen (监督指挥): live map, today's counts, overdue ranking, trends.

Every number starts from ``visible_cases(user)``, narrowed by the drill-down
(city → district → street → grid cell), and is one grouped aggregate query,
so the screen stays fast with a large case table. The page keeps itself
current through :mod:`civicgrid.web.live`: a ``change`` event makes it
refetch the stats and the map layer, each through the same restriction.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.cases.choices import CaseState, Channel
from civicgrid.cases.models import Report
from civicgrid.cases.models.cases import OPEN_STATES
from civicgrid.cases.services import transitions
from civicgrid.cases.services.access import visible_cases
from civicgrid.categories.models import Category
from civicgrid.org.choices import RoleName
from civicgrid.org.models import Department
from civicgrid.places.models import District, GridCell, Street
from civicgrid.web import live
from civicgrid.web.access import role_required
from civicgrid.web.maps import case_features
from civicgrid.web.streams import change_stream_view

SCREEN_ROLES = (RoleName.LEADER, RoleName.SHIFT_LEAD, RoleName.DISPATCHER)
TREND_DAYS = 30
TOP_CATEGORIES = 10
TOP_DEPARTMENTS = 15
TOP_CELLS = 30
MAX_MAP_CASES = 5000


# -- drill-down scope -------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where the screen looks: the whole city, or one district, street or grid cell."""

    district: District | None = None
    street: Street | None = None
    grid_cell: GridCell | None = None

    @property
    def level(self) -> str:
        """Return the deepest level chosen: city, district, street or grid_cell."""
        if self.grid_cell:
            return "grid_cell"
        if self.street:
            return "street"
        return "district" if self.district else "city"

    def filter(self, cases):
        """Return ``cases`` narrowed to this scope."""
        if self.grid_cell:
            return cases.filter(grid_cell_id=self.grid_cell.pk)
        if self.street:
            return cases.filter(street_id=self.street.pk)
        if self.district:
            return cases.filter(district_id=self.district.pk)
        return cases

    def query(self) -> dict:
        """Return the scope as the query parameters of the screen's endpoints."""
        return {
            "district": self.district.pk if self.district else None,
            "street": self.street.pk if self.street else None,
            "grid_cell": self.grid_cell.pk if self.grid_cell else None,
        }


def _id(request, name: str) -> int | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise Http404(_("Unknown place."))
    return int(text)


# The scope needs names and ids only, never the (large) outlines.
_OUTLINES = ("geometry", "district__geometry", "street__geometry")


def _get(queryset, pk):
    place = queryset.filter(pk=pk).first()
    if place is None:
        raise Http404(_("Unknown place."))
    return place


def resolve_scope(request) -> Scope:
    """Return the drill-down scope of ``district=``, ``street=``, ``grid_cell=``.

    The deepest parameter wins and fixes its parents. A district-scoped user
    starts at their district and gets 404 for places outside it, as for any
    object they may not see.
    """
    cell_id, street_id, district_id = (
        _id(request, "grid_cell"),
        _id(request, "street"),
        _id(request, "district"),
    )
    cell = street = district = None
    if cell_id is not None:
        cell = _get(
            GridCell.objects.select_related("street", "district").defer(*_OUTLINES), cell_id
        )
        street, district = cell.street, cell.district
    elif street_id is not None:
        street = _get(Street.objects.select_related("district").defer(*_OUTLINES[:2]), street_id)
        district = street.district
    elif district_id is not None:
        district = _get(District.objects.defer("geometry"), district_id)
    own = request.user.district_id
    if own:
        if district is None:
            district = _get(District.objects.defer("geometry"), own)
        elif district.pk != own:
            raise Http404(_("Unknown place."))
    return Scope(district=district, street=street, grid_cell=cell)


def breadcrumb(scope: Scope, user) -> list[dict]:
    """Return the path from the top the user may see down to the scope."""
    crumbs = []
    if not user.district_id:
        crumbs.append({"label": _("Whole city"), "query": {}})
    if scope.district:
        crumbs.append({"label": scope.district.name, "query": {"district": scope.district.pk}})
    if scope.street:
        crumbs.append({"label": scope.street.name, "query": {"street": scope.street.pk}})
    if scope.grid_cell:
        crumbs.append({"label": scope.grid_cell.code, "query": {"grid_cell": scope.grid_cell.pk}})
    return crumbs


# -- counts -----------------------------------------------------------------------


def today_window(now: datetime) -> tuple[datetime, datetime]:
    """Return the start and end of the local day (the platform's time zone) holding ``now``."""
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return start, start + timedelta(days=1)


def _counts(queryset, field: str) -> dict:
    rows = queryset.order_by().values(field).annotate(n=Count("id"))
    return {row[field]: row["n"] for row in rows}


def _labelled(counts: dict, choices) -> list[dict]:
    labels = dict(choices)
    rows = [
        {"key": key, "label": str(labels.get(key, key)), "count": n} for key, n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["label"]))


def kpis(cases, now: datetime) -> dict:
    """Return the headline numbers: open, reported today, closed today, overdue open."""
    start, end = today_window(now)
    open_states = Q(state__in=OPEN_STATES)
    return cases.order_by().aggregate(
        open=Count("id", filter=open_states),
        reported_today=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        closed_today=Count(
            "id", filter=Q(state=CaseState.CLOSED, closed_at__gte=start, closed_at__lt=end)
        ),
        overdue=Count("id", filter=open_states & Q(current_due__lt=now)),
    )


def today_breakdown(cases, now: datetime) -> dict:
    """Return today's new cases by channel, by state and by category (top 10)."""
    start, end = today_window(now)
    today = cases.filter(created_at__gte=start, created_at__lt=end)
    category_counts = (
        today.order_by()
        .annotate(cat=Coalesce("category_id", "category_guess_id"))
        .values("cat")
        .annotate(n=Count("id"))
        .order_by("-n", "cat")[:TOP_CATEGORIES]
    )
    names = dict(
        Category.objects.filter(
            pk__in=[r["cat"] for r in category_counts if r["cat"]]
        ).values_list("pk", "name")
    )
    return {
        "by_channel": _labelled(_counts(today, "origin_channel"), Channel.choices),
        "by_state": _labelled(_counts(today, "state"), CaseState.choices),
        "by_category": [
            {
                "key": row["cat"],
                "label": names.get(row["cat"], _("Not classified yet")),
                "count": row["n"],
            }
            for row in category_counts
        ],
    }


def overdue_ranking(cases, now: datetime) -> list[dict]:
    """Return departments by overdue cases: open past due, and closed late this month."""
    local = timezone.localtime(now)
    month_start = timezone.make_aware(datetime.combine(local.date().replace(day=1), time.min))
    open_late = _counts(
        cases.open().filter(department__isnull=False, current_due__lt=now), "department_id"
    )
    closed_late = _counts(
        cases.filter(
            state=CaseState.CLOSED,
            handling_overdue=True,
            closed_at__gte=month_start,
            department__isnull=False,
        ),
        "department_id",
    )
    ids = set(open_late) | set(closed_late)
    names = {
        pk: short or name
        for pk, name, short in Department.objects.filter(pk__in=ids).values_list(
            "pk", "name", "short_name"
        )
    }
    rows = [
        {
            "key": pk,
            "label": names.get(pk, str(pk)),
            "open": open_late.get(pk, 0),
            "closed": closed_late.get(pk, 0),
            "count": open_late.get(pk, 0) + closed_late.get(pk, 0),
        }
        for pk in ids
    ]
    rows.sort(key=lambda r: (-r["count"], r["label"]))
    return rows[:TOP_DEPARTMENTS]


def trend(cases, now: datetime, days: int = TREND_DAYS) -> dict:
    """Return reports, new cases and closures per local day over the last ``days`` days.

    One aggregate with a filtered count per day: the day boundaries are
    computed here in local time, so the database only compares timestamps
    (truncating each row to a local date costs a function call per row on
    SQLite, several times slower on a large table).
    """
    start, _end = today_window(now)
    bounds = [start - timedelta(days=days - 1 - i) for i in range(days + 1)]

    def per_day(queryset, field):
        counts = (
            queryset.filter(**{f"{field}__gte": bounds[0], f"{field}__lt": bounds[-1]})
            .order_by()
            .aggregate(
                **{
                    f"d{i}": Count(
                        "id",
                        filter=Q(**{f"{field}__gte": bounds[i], f"{field}__lt": bounds[i + 1]}),
                    )
                    for i in range(days)
                }
            )
        )
        return [counts[f"d{i}"] for i in range(days)]

    reports = Report.objects.filter(case__in=cases.order_by().values("pk"))
    return {
        "days": [timezone.localdate(day).isoformat() for day in bounds[:-1]],
        "reports": per_day(reports, "reported_at"),
        "cases": per_day(cases, "created_at"),
        "closed": per_day(cases.filter(state=CaseState.CLOSED), "closed_at"),
    }


def areas(cases, scope: Scope, user, now: datetime) -> dict:
    """Return the places one level down with their open and today's counts, for drilling."""
    start, end = today_window(now)
    if scope.level == "city":
        level, field = "district", "district_id"
        places = District.objects.order_by("code")
        if user.district_id:
            places = places.filter(pk=user.district_id)
    elif scope.level == "district":
        level, field = "street", "street_id"
        places = Street.objects.filter(district=scope.district).order_by("code")
    elif scope.level == "street":
        level, field = "grid_cell", "grid_cell_id"
        places = None  # a street has hundreds of cells: list those with cases
    else:
        return {"level": None, "items": []}
    rows = (
        cases.order_by()
        .values(field)
        .annotate(
            open=Count("id", filter=~Q(state__in=[CaseState.CLOSED, CaseState.VOIDED])),
            today=Count("id", filter=Q(created_at__gte=start, created_at__lt=end)),
        )
    )
    counts = {row[field]: row for row in rows}
    if places is None:
        ranked = sorted(counts, key=lambda pk: -counts[pk]["open"])[:TOP_CELLS]
        places = GridCell.objects.filter(pk__in=ranked).order_by("code")
    items = []
    for pk, code, name in places.values_list("pk", "code", "name"):
        row = counts.get(pk, {})
        items.append(
            {
                "key": pk,
                "label": code if level == "grid_cell" else name,
                "name": name,
                "open": row.get("open", 0),
                "today": row.get("today", 0),
            }
        )
    return {"level": level, "items": items}


def place_choices(scope: Scope, user) -> dict:
    """Return the districts the user may pick and the streets of the chosen district."""
    districts = District.objects.order_by("code")
    if user.district_id:
        districts = districts.filter(pk=user.district_id)
    streets = (
        Street.objects.filter(district=scope.district) if scope.district else Street.objects.none()
    )
    return {
        "districts": [{"id": pk, "name": n} for pk, n in districts.values_list("pk", "name")],
        "streets": [
            {"id": pk, "name": n} for pk, n in streets.order_by("code").values_list("pk", "name")
        ],
    }


def screen_stats(user, scope: Scope, now: datetime | None = None) -> dict:
    """Return everything the screen's panels show for ``user`` within ``scope``."""
    now = now or transitions.now()
    cases = scope.filter(visible_cases(user))
    return {
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "cursor": live.latest_change(),
        "scope": {"level": scope.level, **scope.query()},
        "breadcrumb": breadcrumb(scope, user),
        "places": place_choices(scope, user),
        "kpis": kpis(cases, now),
        **today_breakdown(cases, now),
        "overdue_departments": overdue_ranking(cases, now),
        "trend": trend(cases, now),
        "areas": areas(cases, scope, user, now),
    }


def map_features(cases) -> list[dict]:
    """Return open ``cases`` as GeoJSON points in the tiles' system, with warning levels."""
    return case_features(cases, MAX_MAP_CASES)


def _cache_key(name: str, user, scope: Scope) -> str:
    """Name what a user sees at a scope: their district and roles decide ``visible_cases``."""
    places = "-".join(
        str(getattr(p, "pk", 0)) for p in (scope.district, scope.street, scope.grid_cell)
    )
    roles = "-".join(sorted(user.roles))
    return f"{name}:{user.district_id or 0}:{roles}:{places}:{translation.get_language()}"


# -- views ------------------------------------------------------------------------


@role_required(*SCREEN_ROLES)
@require_GET
def index(request):
    """Render the big screen; its panels fill themselves from the JSON endpoints."""
    scope = resolve_scope(request)
    config = {
        "urls": {
            "stats": reverse("web:screen_stats"),
            "cases": reverse("web:screen_cases"),
            "events": reverse("web:screen_events"),
            "grid": reverse("web:map_grid"),
            "case": reverse("web:case", args=[0]),
        },
        "scope": scope.query(),
        "text": {
            "live": _("Live"),
            "offline": _("Reconnecting…"),
            "reports": _("Reports"),
            "cases": _("New cases"),
            "closed": _("Closed"),
            "open_late": _("Open, past due"),
            "closed_late": _("Closed late this month"),
            "open": _("Open"),
            "today": _("Reported today"),
            "none": _("Nothing yet"),
            "all_streets": _("All streets"),
            "all_districts": _("All districts"),
        },
    }
    return render(request, "web/screen/index.html", {"config": config, "scope": scope})


@role_required(*SCREEN_ROLES)
@require_GET
def stats(request):
    """Return the screen's numbers for the scope in the query string, as JSON."""
    scope = resolve_scope(request)
    data = live.cached_until_change(
        _cache_key("screen-stats", request.user, scope),
        lambda: screen_stats(request.user, scope),
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@role_required(*SCREEN_ROLES)
@require_GET
def cases_geojson(request):
    """Return the open cases of the scope as map points (same restriction as the stats)."""
    scope = resolve_scope(request)
    features = live.cached_until_change(
        _cache_key("screen-cases", request.user, scope),
        lambda: map_features(scope.filter(visible_cases(request.user))),
    )
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "no-store"
    return response


events = change_stream_view(*SCREEN_ROLES)


urlpatterns = [
    path("", index, name="screen"),
    path("stats.json", stats, name="screen_stats"),
    path("cases.geojson", cases_geojson, name="screen_cases"),
    path("events", events, name="screen_events"),
]

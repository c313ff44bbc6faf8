"""Case pages shared by every console: list, export, case page, action forms."""

import csv
import io
import itertools

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError as PydanticValidationError

from civicgrid.api.errors import ApiError
from civicgrid.cases.choices import CaseState
from civicgrid.cases.filters import filter_cases
from civicgrid.cases.models import CaseEvent, Report
from civicgrid.cases.schemas import CaseFilter
from civicgrid.cases.services import CaseError, act, allowed_actions_for, transitions
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.photos import PhotoRejected, check_uploads, store_photo
from civicgrid.cases.services.privacy import contact_for
from civicgrid.cases.services.reading import (
    case_queryset,
    current_holder,
    deadline_of,
    merged_duplicates,
    on_time,
    reporter_of,
    stage_history_of,
)
from civicgrid.categories.models import Category, FilingCondition
from civicgrid.common.refusals import refusal
from civicgrid.core.workflow import WorkflowError
from civicgrid.org.models import Department
from civicgrid.places.models import District, Street
from civicgrid.web import casesheet, paging
from civicgrid.web.access import role_required
from civicgrid.web.actions import action_forms, choices_for, fields_from_post
from civicgrid.web.duplicates import duplicate_pairs, may_decide
from civicgrid.web.maps import case_feature, display_point

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
#: The export's columns: key and header (Chinese in a Chinese session, as everywhere).
EXPORT_COLUMNS = (
    ("code", pgettext_lazy("export column", "Case number")),
    ("state", pgettext_lazy("export column", "State")),
    ("major", pgettext_lazy("export column", "Major class")),
    ("category", pgettext_lazy("export column", "Minor class")),
    ("description", pgettext_lazy("export column", "Description")),
    ("address", pgettext_lazy("export column", "Address")),
    ("district", pgettext_lazy("export column", "District")),
    ("street", pgettext_lazy("export column", "Street")),
    ("community", pgettext_lazy("export column", "Community")),
    ("grid_cell", pgettext_lazy("export column", "Grid cell")),
    ("department", pgettext_lazy("export column", "Handling department")),
    ("channel", pgettext_lazy("export column", "Channel")),
    ("caller", pgettext_lazy("export column", "Caller")),
    ("created_at", pgettext_lazy("export column", "Reported at")),
    ("filed_at", pgettext_lazy("export column", "Filed at")),
    ("handling_due", pgettext_lazy("export column", "Handling due")),
    ("closed_at", pgettext_lazy("export column", "Closed at")),
    ("due", pgettext_lazy("export column", "Current step due")),
    ("on_time", pgettext_lazy("export column", "On time")),
)
#: Columns that hold a time: typed date cells in XLSX, local text in CSV.
EXPORT_TIMES = frozenset({"created_at", "filed_at", "handling_due", "closed_at", "due"})
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"


def filtered_cases(request):
    """Return (queryset, filter values, error) for the list filters in the query string."""
    params = {k: v for k, v in request.GET.items() if v != "" and k in CaseFilter.model_fields}
    try:
        filters = CaseFilter.model_validate(params)
        queryset = filter_cases(visible_cases(request.user), filters)
        error = ""
    except (PydanticValidationError, ApiError) as exc:
        queryset = visible_cases(request.user).order_by("-created_at", "-id")
        error = getattr(exc, "message", None) or _("Some filters are not valid.")
    return queryset, params, error


def _list_queryset(queryset):
    return queryset.with_places("category", "department")


@role_required()
@require_GET
def case_list(request):
    """List the cases the user may see, filtered; export links keep the filters."""
    queryset, params, error = filtered_cases(request)
    total = queryset.count()
    # Past the last page shows the last page: no address makes the database skip more rows.
    page_number = paging.page_number(request.GET.get("page"), last=-(-total // PAGE_SIZE))
    start = (page_number - 1) * PAGE_SIZE
    rows = paging.window(_list_queryset(queryset), start, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": rows,
        "total": total,
        "page": page_number,
        "has_next": start + PAGE_SIZE < total,
        "filters": params,
        "error": error,
        "query": query.urlencode(),
        "states": CaseState.choices,
        "categories": Category.objects.filter(active=True).order_by("kind", "code"),
        **place_choices(request.user),
        "now": timezone.now(),
    }
    return render(request, "web/cases/list.html", context)


def place_choices(user) -> dict:
    """Return the districts, streets and departments a user may filter by.

    Names only: a place's outline is far larger than a whole filter form.
    """
    districts = District.objects.order_by("code").only("id", "code", "name")
    streets = Street.objects.order_by("code").only("id", "code", "name", "district_id")
    departments = Department.objects.filter(active=True).order_by("code")
    if user.district_id:
        districts = districts.filter(pk=user.district_id)
        streets = streets.filter(district_id=user.district_id)
        departments = departments.filter(
            models.Q(district__isnull=True) | models.Q(district_id=user.district_id)
        )
    return {"districts": districts, "streets": streets, "departments": departments}


def _caller(case, user) -> str:
    """Return the first caller's name and phone as ``user`` may see them (``contact_for``)."""
    reports = case.first_reports
    if not reports:
        return ""
    contact = contact_for(user, reports[0])
    return " ".join(part for part in (contact.name, contact.phone) if part)


def _export_rows(queryset, user):
    """Yield each exported case as a list of values (times as aware datetimes or None)."""
    now = transitions.now()
    filed = CaseEvent.objects.filter(case=models.OuterRef("pk"), action="file").order_by("seq")
    reports = Prefetch(
        "reports",
        queryset=Report.objects.only(
            "id", "case_id", "reporter_name", "reporter_phone", "anonymous"
        ).order_by("reported_at", "id"),
        to_attr="first_reports",
    )
    queryset = (
        _list_queryset(queryset)
        .annotate(filed_at=models.Subquery(filed.values("at")[:1]))
        .prefetch_related(reports)
    )
    yes, no = _("yes"), _("no")
    for case in queryset[:EXPORT_LIMIT].iterator(chunk_size=2000):
        verdict = on_time(case, now)
        yield [
            case.code,
            case.get_state_display(),
            case.category.major_name if case.category_id else "",
            case.category.name if case.category_id else "",
            case.description,
            case.address,
            case.district.name,
            case.street.name,
            case.community.name,
            case.grid_cell.code,
            case.department.name if case.department_id else "",
            case.get_origin_channel_display(),
            _caller(case, user),
            case.created_at,
            case.filed_at,
            case.handling_due,
            case.closed_at,
            case.current_due,
            "" if verdict is None else (yes if verdict else no),
        ]


def _local_text(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


#: First characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value):
    """Return ``value`` so that no spreadsheet runs it: text like ``=…`` gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_rows(queryset, user):
    times = [key in EXPORT_TIMES for key, _label in EXPORT_COLUMNS]
    for row in _export_rows(queryset, user):
        yield [
            _local_text(v) if is_time else _csv_safe(v)
            for v, is_time in zip(row, times, strict=True)
        ]


def _xlsx_rows(sheet, queryset, user):
    """Yield rows for openpyxl's write-only sheet; times become local, formatted date cells.

    Excel has no time zones: the cells hold the wall-clock time of
    ``TIME_ZONE`` (Asia/Shanghai), which is what the pages show.
    """
    from openpyxl.cell import WriteOnlyCell

    times = [key in EXPORT_TIMES for key, _label in EXPORT_COLUMNS]
    for row in _export_rows(queryset, user):
        cells = []
        for value, is_time in zip(row, times, strict=True):
            if is_time and value is not None:
                cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
                cell.number_format = XLSX_TIME_FORMAT
                cells.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                # openpyxl stores text that starts with "=" as a formula; keep it text.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        yield cells


class _Echo:
    def write(self, value):
        return value


@role_required()
@require_GET
def case_export(request, fmt: str):
    """Export the filtered list (the same restriction as the list) as CSV or XLSX."""
    queryset, _params, _error = filtered_cases(request)
    header = [str(label) for _key, label in EXPORT_COLUMNS]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())
        # A BOM so that spreadsheet programs read the Chinese text as UTF-8.
        rows = itertools.chain([header], _csv_rows(queryset, request.user))
        lines = (writer.writerow(row) for row in rows)
        response = StreamingHttpResponse(
            ("\ufeff" if i == 0 else "") + line for i, line in enumerate(lines)
        )
        response["Content-Type"] = "text/csv; charset=utf-8"
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("cases")
        sheet.freeze_panes = "A2"
        sheet.append(header)
        for row in _xlsx_rows(sheet, queryset, request.user):
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
        return response
    raise Http404(_("Unknown export format."))


def case_context(request, case) -> dict:
    """Return what the case page (and console side panels) render for ``case``."""
    allowed = allowed_actions_for(case, request.user)
    photos = list(case.photos.all())
    events = list(case.events.all())
    reports = list(case.reports.all())
    for report in reports:
        report.contact = reporter_of(report, request.user)
    return {
        "kept": kept_form(request, case.pk),
        "case": case,
        "deadline": deadline_of(case),
        "events": events,
        "reports": reports,
        "stages": stage_history_of(events),
        "holder": current_holder(case, events),
        "merged": merged_duplicates(case, reports, events),
        # The suspected original of each proposed-duplicate report, side by side.
        # A callable, so pages that do not show them (the phone app) do not look them up.
        "duplicate_pairs": lambda: duplicate_pairs(request.user, reports),
        "may_decide_duplicates": may_decide(request.user),
        "before_photos": [p for p in photos if p.kind == "report"],
        "after_photos": [p for p in photos if p.kind != "report"],
        "forms": action_forms(allowed),
        "choices": choices_for(case),
        "feature": case_feature(case),
        "point": display_point(case.lon, case.lat),
    }


@role_required()
@require_GET
def case_page(request, case_id: int):
    """Show one case: timeline, photos, map, deadlines and the viewer's actions."""
    case = _visible_case(request, case_id)
    template = (
        "web/cases/panel.html" if request.headers.get("HX-Request") else "web/cases/page.html"
    )
    return render(request, template, case_context(request, case))


def _visible_case(request, case_id: int):
    return get_object_or_404(
        case_queryset(visible_cases(request.user)).select_related("department", "asset"),
        pk=case_id,
    )


@role_required()
@require_GET
def case_sheet(request, case_id: int):
    """Show the case sheet (案卷单) as a clean page made for printing."""
    context = case_context(request, _visible_case(request, case_id))
    context["sheet_rows"] = casesheet.sheet_rows(context)
    context["printed_at"] = timezone.now()
    return render(request, "web/cases/sheet.html", context)


@role_required()
@require_GET
def case_sheet_pdf(request, case_id: int):
    """Return the case sheet (案卷单) as a PDF, with the same restriction as the case page."""
    case = _visible_case(request, case_id)
    pdf = casesheet.sheet_pdf(case_context(request, case), settings.CIVICGRID["CITY_NAME"])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="case-{case.code}.pdf"'
    return response


@role_required()
@require_POST
def case_act(request, case_id: int, action: str):
    """Take an action from a form; the same service as the API decides."""
    case = get_object_or_404(visible_cases(request.user), pk=case_id)
    forms = {form.action: form for form in action_forms(allowed_actions_for(case, request.user))}
    form = forms.get(action)
    back = safe_next(request, f"/cases/{case_id}/")
    if form is None:
        messages.error(request, _("That action is not available on this case now."))
        return redirect(back)
    try:
        fields = fields_from_post(form, request.POST)
        with transaction.atomic():
            if form.has_files:
                uploads = request.FILES.getlist("photos")
                checked = check_uploads(uploads)
                kind = "check" if action == "check" else "after"
                fields["photos"] = [store_photo(p, kind, request.user).pk for p in checked]
            version = request.POST.get("version")
            expected = int(version) if version and version.isdigit() else None
            act(case.pk, action, request.user, expected_version=expected, **fields)
    except PhotoRejected as exc:
        messages.error(request, _("The photo was refused: %(reason)s") % {"reason": exc})
        keep_form(request, case.pk, form)
        back = refused_back(request, back)
    except (CaseError, WorkflowError) as exc:
        messages.error(request, refusal_message(exc))
        keep_form(request, case.pk, form)
        back = refused_back(request, back)
    else:
        messages.success(request, _("%(action)s: done.") % {"action": form.label})
    return redirect(back)


KEPT_SESSION_KEY = "civicgrid_refused_form"


def keep_form(request, case_id: int, form) -> None:
    """Keep what the person typed into a refused form, to fill it in again on the next page.

    Only the typed text (notes, reasons, an extension): choices are offered afresh and
    files cannot be kept.
    """
    values = {
        name: request.POST.get(name, "")[:4000]
        for name in form.fields
        if name in ("note", "reason", "extension")
    }
    request.session[KEPT_SESSION_KEY] = {"case": case_id, "action": form.action, "values": values}


def kept_form(request, case_id: int) -> dict:
    """Return (once) the refused form kept for ``case_id``: ``{"action", "values"}`` or {}."""
    session = getattr(request, "session", None)
    if session is None or KEPT_SESSION_KEY not in session:
        return {}
    kept = session.get(KEPT_SESSION_KEY) or {}
    if kept.get("case") != case_id:
        return {}
    del session[KEPT_SESSION_KEY]
    return kept


def refused_back(request, default: str) -> str:
    """Return where a refused form goes: the page it was on (to fill it in again), if ours."""
    referer = request.META.get("HTTP_REFERER")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return default


def safe_next(request, default: str) -> str:
    """Return where to go after a form: ``next`` or the Referer if on this site, else ``default``.

    Both come from the client; a link that posts ``next=https://evil.example``
    must not turn the console into an open redirect.
    """
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default


def refusal_message(exc) -> str:
    """Return a refused action's message in the reader's language (the API's words too)."""
    message, _fields = refusal(exc)
    return message


@role_required()
@require_GET
def conditions(request, category_id: int):
    """Return the filing-condition options of a category (for the file form)."""
    options = FilingCondition.objects.filter(category_id=category_id, active=True).order_by(
        "position"
    )
    return render(request, "web/cases/conditions.html", {"conditions": options})

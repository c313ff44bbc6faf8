"""Hotline and manual intake (热线/人工受理) in the intake console, and call-backs (回访).

An operator logs a call while talking: channel, caller, place (address
search or a map pin), category with its filing conditions, description and
photos. The report goes through ``submit_report`` as the operator; "save and
file" then files it through ``act`` in the same transaction, as the workflow
lets an operator file a reported case. Closed hotline cases wait in
"call-backs due" (``callbacks_due``) until an operator records the caller's
satisfaction with the ``call_back`` action on the case panel.
"""

import uuid

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.cases.choices import Channel
from civicgrid.cases.services import CaseError, ReportInput, act, submit_report
from civicgrid.cases.services.callbacks import callbacks_due
from civicgrid.cases.services.photos import PhotoRejected
from civicgrid.categories.models import Category
from civicgrid.core.workflow import Action, WorkflowError
from civicgrid.org.choices import RoleName
from civicgrid.places.models import GridCell
from civicgrid.places.services.geocoding import search_places
from civicgrid.web.access import role_required
from civicgrid.web.maps import display_crs, display_point
from civicgrid.web.views.cases import refusal_message

ROLES = (RoleName.OPERATOR, RoleName.SHIFT_LEAD)
#: Channels an operator enters by hand (the others arrive through apps and integrations).
MANUAL_CHANNELS = (
    Channel.HOTLINE,
    Channel.MAYOR_LINE,
    Channel.LEADER,
    Channel.MEDIA,
    Channel.PETITION,
    Channel.POLICE_110,
)
CALLBACKS_SHOWN = 200


class HotlineReportForm(forms.Form):
    """What an operator types while the caller talks; checked again by ``submit_report``."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[(c.value, c.label) for c in MANUAL_CHANNELS]
    )
    reporter_name = forms.CharField(
        label=gettext_lazy("Caller's name"), max_length=50, required=False
    )
    reporter_phone = forms.RegexField(
        label=gettext_lazy("Caller's phone"),
        regex=r"^[0-9+\- ]{3,30}$",
        max_length=30,
        required=False,
        error_messages={"invalid": gettext_lazy("Enter digits only (with + or -).")},
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Caller asks to stay anonymous (no call-back)"), required=False
    )
    address = forms.CharField(
        label=gettext_lazy("Address as the caller says it"), max_length=200, required=False
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    asset_code = forms.CharField(max_length=17, required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.filter(active=True).order_by("kind", "code"),
        required=False,
    )
    filing_condition = forms.IntegerField(required=False, min_value=1)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=4000, widget=forms.Textarea
    )
    idempotency_key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error(
                None, _("Place the report: pick a search result or put the pin on the map.")
            )
        return data


def _start_point(user) -> tuple[float, float]:
    """Return where the map opens: the first cell of the user's district (or the city)."""
    cells = GridCell.objects.only("min_lon", "min_lat", "max_lon", "max_lat")
    if user.district_id:
        cells = cells.filter(district_id=user.district_id)
    cell = cells.order_by("code").first()
    if cell is None:
        return display_point(116.397, 39.909)
    return display_point((cell.min_lon + cell.max_lon) / 2, (cell.min_lat + cell.max_lat) / 2)


def _submit(request, form) -> tuple[object | None, str]:
    """Store the report (and file it when asked); return (case, error message)."""
    data = form.cleaned_data
    category = data.get("category")
    file_now = "file" in request.POST
    if file_now and not (category and data.get("filing_condition")):
        return None, _("To file at once, choose a category and a filing condition.")
    report = ReportInput(
        channel=data["channel"],
        lon=data["lon"],
        lat=data["lat"],
        crs=display_crs(),
        description=data["description"],
        address=data["address"],
        category=category.pk if category else None,
        asset_code=data["asset_code"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        anonymous=data["anonymous"],
        idempotency_key=data["idempotency_key"],
    )
    try:
        with transaction.atomic():
            result = submit_report(report, request.user, photos=request.FILES.getlist("photos"))
            if file_now and result.created:
                act(
                    result.case.pk,
                    Action.file.value,
                    request.user,
                    category=category.pk,
                    filing_condition=data["filing_condition"],
                )
    except PhotoRejected as exc:
        return None, _("The photo was refused: %(reason)s") % {"reason": exc}
    except (CaseError, WorkflowError) as exc:
        return None, refusal_message(exc)
    return result.case, ""


@role_required(*ROLES)
@require_http_methods(["GET", "POST"])
def new_report(request):
    """Log a hotline call or another manual report; "save and file" files it at once."""
    if request.method == "POST":
        form = HotlineReportForm(request.POST)
        if form.is_valid():
            case, error = _submit(request, form)
            if case is not None:
                filed = case.state != "reported" or "file" in request.POST
                messages.success(
                    request,
                    (_("Case %(code)s was filed.") if filed else _("Case %(code)s was saved."))
                    % {"code": case.code},
                )
                return redirect(f"{reverse('web:intake')}?case={case.pk}")
            form.add_error(None, error)
    else:
        form = HotlineReportForm(
            initial={"channel": Channel.HOTLINE, "idempotency_key": uuid.uuid4().hex}
        )
    context = {
        "form": form,
        "start": _start_point(request.user),
        "crs": display_crs(),
        "categories": form.fields["category"].queryset.only("id", "kind", "code", "name"),
    }
    return render(request, "web/intake/new.html", context, status=400 if form.errors else 200)


@role_required(*ROLES)
@require_GET
def place_search(request):
    """Return places and assets matching ``q`` as JSON, points in the map's system."""
    hits = []
    for hit in search_places(request.GET.get("q", ""), district_id=request.user.district_id):
        lon, lat = display_point(hit.lon, hit.lat)
        hits.append(
            {
                "kind": hit.kind,
                "code": hit.code,
                "label": hit.label,
                "lon": lon,
                "lat": lat,
                "asset_code": hit.asset_code,
            }
        )
    return JsonResponse({"results": hits})


@role_required(*ROLES)
@require_GET
def callbacks(request):
    """List the closed hotline cases whose callers still wait for a call-back (回访)."""
    due = callbacks_due(request.user)
    rows = list(due.with_places("category")[:CALLBACKS_SHOWN])
    return render(request, "web/intake/callbacks.html", {"rows": rows, "total": due.count()})


urlpatterns = [
    path("new", new_report, name="intake_new"),
    path("places", place_search, name="intake_places"),
    path("callbacks", callbacks, name="intake_callbacks"),
]

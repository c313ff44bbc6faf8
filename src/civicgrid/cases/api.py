"""API handlers of the cases app: reports, cases, transitions."""

import json

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Path, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticValidationError

from civicgrid.api import throttling
from civicgrid.api.auth import acting_user
from civicgrid.api.errors import ApiError, validation_text
from civicgrid.api.pagination import BoundedPageNumberPagination
from civicgrid.api.types import DbId
from civicgrid.cases.filters import filter_cases
from civicgrid.cases.models import Report
from civicgrid.cases.schemas import (
    CaseFilter,
    CaseListOut,
    CaseOut,
    EventOut,
    IntakeOut,
    MergeIn,
    PhotoOut,
    ReportIn,
    TransitionIn,
    TransitionOut,
)
from civicgrid.cases.services import (
    ReportInput,
    act,
    merge_report,
    reject_duplicate,
    submit_report,
)
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.photos import PhotoRejected, check_uploads, store_photo
from civicgrid.cases.services.reading import case_detail, case_queryset

router = Router()
MAX_PHOTOS = 9


def _report_in(request) -> ReportIn:
    """Parse JSON or multipart form fields into ``ReportIn``."""
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except json.JSONDecodeError as exc:
            raise ApiError(400, "bad_json", _("The body is not valid JSON.")) from exc
    else:
        payload = {key: request.POST.get(key) for key in request.POST}
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_json", _("The body must be a JSON object."))
    try:
        return ReportIn.model_validate(payload), payload
    except PydanticValidationError as exc:
        fields = {
            ".".join(map(str, e["loc"])) or "__all__": validation_text(e) for e in exc.errors()
        }
        raise ApiError(422, "validation_error", _("The report is not valid."), fields) from exc


@router.post(
    "/reports",
    response={200: IntakeOut, 201: IntakeOut},
    throttle=throttling.REPORTS,
    url_name="reports_create",
)
def create_report(request):
    """Submit a report (JSON, or multipart/form-data with ``photos`` files)."""
    body, raw = _report_in(request)
    photos = request.FILES.getlist("photos") if request.FILES else []
    if len(photos) > MAX_PHOTOS:
        raise ApiError(
            422,
            "too_many_photos",
            _("At most %(count)s photos per report.") % {"count": MAX_PHOTOS},
        )
    data = ReportInput(**body.dict(), raw_payload={k: v for k, v in raw.items() if k != "photos"})
    result = submit_report(
        data, actor=request.user, photos=photos, api_key=getattr(request, "api_key", None)
    )
    report = result.report
    return Status(
        201 if result.created else 200,
        {
            "report": report,
            "case_id": result.case.pk,
            "case_code": result.case.code,
            "created": result.created,
            "proposed_duplicate_of": report.duplicate_of_id,
        },
    )


def _visible_report(request, report_id) -> Report:
    return get_object_or_404(
        Report.objects.filter(case__in=visible_cases(acting_user(request))), pk=report_id
    )


@router.post("/reports/{report_id}/merge", response=IntakeOut, url_name="reports_merge")
def merge(request, report_id: Path[DbId], body: MergeIn):
    """Confirm a duplicate: the report joins case ``case`` and its own case is voided."""
    report = _visible_report(request, report_id)
    target = get_object_or_404(visible_cases(acting_user(request)), pk=body.case)
    report = merge_report(report, target, acting_user(request))
    return {
        "report": report,
        "case_id": target.pk,
        "case_code": target.code,
        "created": False,
        "proposed_duplicate_of": report.duplicate_of_id,
    }


@router.post("/reports/{report_id}/not-duplicate", response=IntakeOut, url_name="reports_keep")
def not_duplicate(request, report_id: Path[DbId]):
    """Record that a proposed duplicate is a separate problem."""
    report = reject_duplicate(_visible_report(request, report_id), acting_user(request))
    return {
        "report": report,
        "case_id": report.case_id,
        "case_code": report.case.code,
        "created": False,
        "proposed_duplicate_of": report.duplicate_of_id,
    }


@router.post(
    "/photos",
    response={201: list[PhotoOut]},
    throttle=throttling.PHOTOS,
    url_name="photos_upload",
)
def upload_photos(request, photos: list[UploadedFile] = File(...)):  # noqa: B008
    """Upload photos to attach to a later transition (resolve, check).

    Only the uploader (the same user, or the same application key) may attach them later.
    """
    if not acting_user(request).roles:
        raise ApiError(403, "forbidden", _("Only staff upload photos."))
    if len(photos) > MAX_PHOTOS:
        raise ApiError(
            422,
            "too_many_photos",
            _("At most %(count)s photos at once.") % {"count": MAX_PHOTOS},
        )
    stored = []
    key = getattr(request, "api_key", None)
    try:
        checked = check_uploads(photos)
        with transaction.atomic():
            for photo in checked:
                stored.append(store_photo(photo, "after", request.user, api_key=key))
    except PhotoRejected as exc:
        raise ApiError(422, "bad_photo", str(exc), {"photos": str(exc)}) from exc
    return Status(201, stored)


@router.get("/cases", response=list[CaseListOut], url_name="cases_list")
@paginate(BoundedPageNumberPagination, page_size=50)
def list_cases(request, filters: Query[CaseFilter]):
    """List the cases you may see, newest first, filtered."""
    return filter_cases(visible_cases(acting_user(request)), filters).select_related("category")


@router.get("/cases/{case_id}", response=CaseOut, url_name="cases_detail")
def get_case(request, case_id: Path[DbId]):
    """Show a case with its events, photos, reports and running deadline."""
    user = acting_user(request)
    case = get_object_or_404(case_queryset(visible_cases(user)), pk=case_id)
    return case_detail(case, user)


@router.get("/cases/{case_id}/events", response=list[EventOut], url_name="cases_events")
def list_events(request, case_id: Path[DbId]):
    """List a case's events in order."""
    case = get_object_or_404(visible_cases(acting_user(request)), pk=case_id)
    return list(case.events.order_by("seq"))


@router.post("/cases/{case_id}/transitions", response=TransitionOut, url_name="cases_transition")
def transition(request, case_id: Path[DbId], body: TransitionIn):
    """Take a workflow action on a case (``{"action": "dispatch", "department": 3}``)."""
    user = acting_user(request)
    fields = body.dict(exclude_none=True, exclude={"action", "version"})
    event = act(case_id, body.action, user, expected_version=body.version, **fields)
    case = case_queryset(visible_cases(user)).filter(pk=case_id).first()
    if case is None:  # e.g. a handler who just returned the case no longer sees it
        case = case_queryset(type(event.case).objects).get(pk=case_id)
    return {"case": case_detail(case, user), "event": event}

"""API schemas of the cases app."""

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema

from civicgrid.api.types import DbId
from civicgrid.cases.photolinks import signed_photo_url
from civicgrid.core.coords import WGS84, CrsName
from civicgrid.places.schemas import Latitude, Longitude


class ReportIn(Schema):
    """A report in JSON (multipart sends the same fields as form fields plus files)."""

    channel: str = Field(max_length=20)
    lon: Longitude
    lat: Latitude
    crs: CrsName = WGS84
    description: str = Field(min_length=1, max_length=4000)
    address: str = Field("", max_length=200)
    category: str | None = Field(None, description="category id, 5-digit code or kind:code")
    asset_code: str = Field("", max_length=17)
    reported_at: datetime | None = None
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=30)
    anonymous: bool = False
    idempotency_key: str = Field("", max_length=100)


class PlaceRefOut(Schema):
    id: int
    code: str
    name: str


class PhotoOut(Schema):
    """A photo; ``url`` and ``thumbnail_url`` are signed and expire (``PHOTO_URL_SECONDS``)."""

    id: int
    kind: str
    url: str
    thumbnail_url: str
    width: int
    height: int
    exif_lon: float | None
    exif_lat: float | None
    exif_taken_at: datetime | None

    @staticmethod
    def resolve_url(obj):
        return signed_photo_url(obj.pk, "image")

    @staticmethod
    def resolve_thumbnail_url(obj):
        return signed_photo_url(obj.pk, "thumbnail")


def _contact(report, context):
    from civicgrid.cases.services.privacy import contact_for

    request = (context or {}).get("request")
    return contact_for(getattr(request, "user", None), report)


class ReportOut(Schema):
    id: int
    case_id: int
    channel: str
    reported_at: datetime
    lon: float
    lat: float
    description: str
    duplicate_of_id: int | None
    duplicate_state: str
    #: The caller's contact, masked unless the viewer has the need (``contact_for``).
    reporter_name: str
    reporter_phone: str
    photos: list[PhotoOut]

    @staticmethod
    def resolve_reporter_name(obj, context):
        return _contact(obj, context).name

    @staticmethod
    def resolve_reporter_phone(obj, context):
        return _contact(obj, context).phone

    @staticmethod
    def resolve_photos(obj):
        stored = getattr(obj, "stored_photos", None)
        return stored if stored is not None else list(obj.photos.all())


class IntakeOut(Schema):
    report: ReportOut
    case_id: int
    case_code: str
    created: bool
    proposed_duplicate_of: int | None


class DeadlineOut(Schema):
    due: datetime
    limit_seconds: int
    used_seconds: int
    remaining_seconds: int
    level: str
    overdue: bool


class CaseListOut(Schema):
    id: int
    code: str
    state: str
    category_id: int | None
    category_name: str | None = Field(None, alias="category.name")
    department_id: int | None
    district_id: int
    street_id: int
    grid_cell_id: int
    lon: float
    lat: float
    origin_channel: str
    created_at: datetime
    current_due: datetime | None
    handling_due: datetime | None
    handling_overdue: bool
    version: int


class EventOut(Schema):
    seq: int
    action: str
    actor_name: str
    role: str
    from_state: str
    to_state: str
    at: datetime
    note: str
    data: dict[str, Any]
    department_id: int | None
    deadlines: dict[str, Any]
    hash: str


class CaseOut(CaseListOut):
    description: str
    address: str
    grid_cell: PlaceRefOut
    community: PlaceRefOut
    street: PlaceRefOut
    district: PlaceRefOut
    filing_condition_id: int | None
    suggested_department_id: int | None
    routing_reason: str
    stage: str
    stage_due: datetime | None
    pending_extension: dict[str, Any] | None
    pending_extension_label: str | None = Field(
        None, description="the requested extension as every page says it, e.g. 两工作日"
    )
    close_type: str
    closed_at: datetime | None
    urge_count: int
    deadline: DeadlineOut | None
    allowed_actions: list[str]
    reports: list[ReportOut]
    events: list[EventOut]
    photos: list[PhotoOut]


class TransitionIn(Schema):
    """``{"action": …, …fields}``; unknown fields are passed to the action's checks."""

    action: str = Field(max_length=30)
    version: int | None = Field(
        None, ge=0, le=2**31 - 1, description="expected case version (optimistic lock)"
    )
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=2000)
    category: str | DbId | None = None
    filing_condition: DbId | None = None
    department: DbId | None = None
    inspector: DbId | None = None
    extension: str | dict[str, Any] | None = None
    photos: list[DbId] | None = Field(None, max_length=20)
    passed: bool | None = None
    close_type: str | None = Field(None, max_length=20)
    confirm_no_handler: bool | None = Field(
        None, description="dispatch even though the department has no active handler"
    )
    satisfaction: str | None = Field(None, max_length=20)


class TransitionOut(Schema):
    case: CaseOut
    event: EventOut


class MergeIn(Schema):
    case: DbId


class CaseFilter(Schema):
    code: str | None = Field(None, max_length=20, description="case number, or its start")
    state: str | None = Field(None, max_length=200, description="states, comma-separated")
    category: DbId | None = None
    district: DbId | None = None
    street: DbId | None = None
    department: DbId | None = None
    grid_cell: DbId | None = None
    overdue: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    bbox: Annotated[
        str | None, Field(None, max_length=100, description="min_lon,min_lat,max_lon,max_lat")
    ]

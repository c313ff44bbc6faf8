"""Reports in: locate, store, open a case, propose duplicates; merge on confirmation.

Every report opens a case in ``reported``. When an open case of the same
category lies within the configured radius and window, the report is marked
as a proposed duplicate of it; an operator's confirmation (``merge_report``)
moves the report into that case and voids the new one through ``act``.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.assets.models import Asset
from civicgrid.assets.services import nearest_assets
from civicgrid.cases.choices import Channel, DuplicateState, PhotoKind
from civicgrid.cases.models import Case, Report
from civicgrid.cases.services import access, transitions
from civicgrid.cases.services.auditkeys import keyring
from civicgrid.cases.services.calendar import work_calendar
from civicgrid.cases.services.errors import CaseConflict, CaseForbidden, CaseInvalid
from civicgrid.cases.services.events import append_event, report_content
from civicgrid.cases.services.photos import PhotoRejected, check_uploads, store_photo
from civicgrid.cases.services.transitions import act, refresh_deadlines
from civicgrid.categories.models import Category
from civicgrid.categories.services import UnknownCategory, resolve_category
from civicgrid.common.refusals import coordinate_message, workflow_fields, workflow_message
from civicgrid.core import workflow
from civicgrid.core.coords import WGS84, CoordinateError, to_wgs84
from civicgrid.core.spatial import haversine_m
from civicgrid.core.text import fields_with_nul
from civicgrid.core.workflow import Action, State
from civicgrid.org.choices import RoleName
from civicgrid.places.services import OutsideCity, locate

ASSET_LINK_RADIUS_M = 15.0
STAFF_ENTRY_ROLES = {RoleName.OPERATOR, RoleName.SHIFT_LEAD, RoleName.DISPATCHER}


@dataclass
class ReportInput:
    """A report as received from any channel, before checks."""

    channel: str
    lon: float
    lat: float
    description: str
    crs: str = WGS84
    address: str = ""
    category: str | int | None = None
    asset_code: str = ""
    reported_at: datetime | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    idempotency_key: str = ""
    raw_payload: dict = field(default_factory=dict)


@dataclass
class IntakeResult:
    """The stored report, its case, and whether it was new or a retry."""

    report: Report
    case: Case
    created: bool


def _check_channel(data: ReportInput, actor, api_key) -> None:
    if data.channel not in Channel.values:
        raise CaseInvalid(
            _("“%(channel)s” is not a channel.") % {"channel": data.channel},
            {"channel": _("Choose one of the channels.")},
        )
    roles = set(actor.roles) if getattr(actor, "is_authenticated", False) else set()
    # An application's key (Open311, integrations) may enter reports; a user's token is
    # judged by the user's roles, like their browser session.
    app_key = api_key is not None and getattr(api_key, "user_id", None) is None
    if data.channel == Channel.INSPECTOR:
        if RoleName.INSPECTOR not in roles:
            raise CaseForbidden(_("Only inspectors report on the inspector channel."))
    elif not (roles & (STAFF_ENTRY_ROLES | {RoleName.INSPECTOR, RoleName.LEADER}) or app_key):
        raise CaseForbidden(_("You may not enter reports."))


def _category(value) -> Category | None:
    if value in (None, ""):
        return None
    try:
        return resolve_category(value)
    except UnknownCategory:
        raise CaseInvalid(
            _("The category is not known."), {"category": _("Choose one of the categories.")}
        ) from None


def _asset(data: ReportInput, category: Category | None, lon: float, lat: float):
    if data.asset_code:
        asset = Asset.objects.filter(code=data.asset_code).first()
        if asset is None:
            raise CaseInvalid(
                _("There is no asset with the code “%(code)s”.") % {"code": data.asset_code},
                {"asset_code": _("No asset has this code.")},
            )
        return asset
    if category is None or category.kind != "asset":
        return None
    hits = nearest_assets(lon, lat, ASSET_LINK_RADIUS_M, limit=1, category=category)
    return hits[0][0] if hits else None


def find_duplicate(category, lon: float, lat: float, at: datetime, exclude=None) -> int | None:
    """Return the id of the nearest open case of ``category`` within the radius and window."""
    if category is None:
        return None
    radius = settings.CIVICGRID["DUPLICATE_RADIUS_M"]
    window = timedelta(hours=settings.CIVICGRID["DUPLICATE_WINDOW_HOURS"])
    dlat = radius / 111_000.0
    dlon = radius / (111_000.0 * max(math.cos(math.radians(lat)), 0.01))
    candidates = (
        Case.objects.open()
        .filter(
            lon__range=(lon - dlon, lon + dlon),
            lat__range=(lat - dlat, lat + dlat),
            created_at__gte=at - window,
        )
        .filter(_same_category(category))
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    # Fetch only positions: intake needs no more than the winner's id.
    best, best_distance = None, radius
    for pk, case_lon, case_lat in candidates.values_list("pk", "lon", "lat"):
        distance = float(haversine_m(lon, lat, case_lon, case_lat))
        if distance <= best_distance:
            best, best_distance = pk, distance
    return best


def _same_category(category):
    from django.db.models import Q

    # A case carries its filed category, or (before filing) its first report's guess.
    return Q(category=category) | Q(category__isnull=True, category_guess=category)


# Case fields submit_report sets after the case's INSERT: its number (needs
# the id), the deadlines (refresh_deadlines) and the event chain (append_event).
_FIELDS_SET_AFTER_INSERT = (
    "code",
    "stage",
    "stage_started_at",
    "stage_due",
    "current_due",
    "version",
    "last_event_hash",
)


def submit_report(data: ReportInput, actor=None, photos=(), api_key=None) -> IntakeResult:
    """Store a report from any channel and open its case; retries return the first one.

    Retries are recognised by the unique (submitter, idempotency key)
    constraints rather than a look-up first, which would cost every new
    report a query. The submitter is the reporting user, or the application
    key for a report without one (see ``Report``); an empty key is no key.
    """
    _check_channel(data, actor, api_key)
    _check_text(data)
    idempotency_key = _idempotency_key(data)
    description = (data.description or "").strip()
    if not description:
        raise CaseInvalid(
            _("Please describe the problem."), {"description": _("This field is required.")}
        )
    if len(description) > 4000:
        raise CaseInvalid(
            _("The description is longer than 4,000 characters."),
            {"description": _("The text is too long.")},
        )
    try:
        lon, lat = to_wgs84(float(data.lon), float(data.lat), data.crs)
        where = locate(lon, lat)
    except CoordinateError as exc:
        message = coordinate_message(exc)
        raise CaseInvalid(message, {"lon": message, "lat": message}) from exc
    except (TypeError, ValueError) as exc:
        message = _("Longitude and latitude must be numbers.")
        raise CaseInvalid(message, {"lon": message, "lat": message}) from exc
    except OutsideCity as exc:
        raise CaseInvalid(
            str(exc), {"lon": _("The point lies outside the city.")}, code="outside_city"
        ) from exc
    category = _category(data.category)
    asset = _asset(data, category, lon, lat)
    at = transitions.now()
    reported_at = data.reported_at or at
    if timezone.is_naive(reported_at):
        reported_at = timezone.make_aware(reported_at)
    if reported_at > at + timedelta(minutes=5):
        raise CaseInvalid(
            _("The time of the report lies in the future."),
            {"reported_at": _("This time lies in the future.")},
        )
    duplicate_id = find_duplicate(category, lon, lat, at)
    place = {
        "lon": lon,
        "lat": lat,
        "address": data.address[:200],
        "grid_cell_id": where.grid_cell.id,
        "community_id": where.community.id,
        "street_id": where.street.id,
        "district_id": where.district.id,
    }
    reporter = actor if getattr(actor, "pk", None) else None
    try:
        checked_photos = check_uploads(photos)
        with transaction.atomic():
            case = Case(
                **place,
                state="reported",
                origin_channel=data.channel,
                reported_by_inspector=data.channel == Channel.INSPECTOR,
                description=description,
                asset=asset,
                category_guess=category,
                created_at=at,
                updated_at=at,
            )
            case.save()
            case.code = f"{timezone.localtime(at):%Y%m%d}{case.pk:06d}"
            report = Report.objects.create(
                **place,
                channel=data.channel,
                reporter=reporter,
                reporter_name=data.reporter_name[:50],
                reporter_phone=data.reporter_phone[:30],
                anonymous=data.anonymous,
                reported_at=reported_at,
                crs=data.crs,
                input_lon=float(data.lon),
                input_lat=float(data.lat),
                category_guess=category,
                asset=asset,
                description=description,
                raw_payload=data.raw_payload,
                idempotency_key=idempotency_key,
                submitted_by_key=api_key if getattr(api_key, "pk", None) else None,
                case=case,
                duplicate_of_id=duplicate_id,
                duplicate_state=DuplicateState.PROPOSED if duplicate_id else DuplicateState.NONE,
            )
            # Kept on the instance so the response need not query photos again.
            report.stored_photos = [
                store_photo(
                    photo, PhotoKind.REPORT, reporter, report=report, case=case, api_key=api_key
                )
                for photo in checked_photos
            ]
            snapshot = refresh_deadlines(case, at, work_calendar(), entered=True)
            append_event(
                case,
                action="report",
                actor=reporter,
                role=_reporter_role(actor, data.channel),
                from_state="",
                to_state="reported",
                at=at,
                note="",
                data={
                    "report": report.pk,
                    "channel": data.channel,
                    "duplicate_of": duplicate_id,
                    # The report itself, so the keyed hash covers what was reported.
                    "content": report_content(report, report.stored_photos, keyring().active),
                },
                deadlines=snapshot,
            )
            # Only what changed since the INSERT above: an UPDATE of 7 columns
            # instead of all of them (cheaper to build and to write).
            case.save(update_fields=_FIELDS_SET_AFTER_INSERT)
    except PhotoRejected as exc:
        raise CaseInvalid(
            _("The photo was refused: %(reason)s") % {"reason": exc},
            {"photos": str(exc)},
            code="bad_photo",
        ) from exc
    except IntegrityError:
        # A retry (or two racing retries) with a used idempotency key: the unique
        # constraint refused it and the transaction rolled back; answer with the first
        # report of the same submitter. Without a key the error is not a retry.
        existing = _earlier_report(idempotency_key, reporter, api_key)
        if existing is None:
            raise
        return IntakeResult(existing, existing.case, created=False)
    return IntakeResult(report, case, created=True)


def _idempotency_key(data: ReportInput) -> str:
    """Return the report's idempotency key ("" for none); refuse one that would be cut."""
    key = (data.idempotency_key or "").strip()
    if len(key) > 100:
        raise CaseInvalid(
            _("The idempotency key is longer than 100 characters."),
            {"idempotency_key": _("The text is too long.")},
        )
    return key


def _earlier_report(key: str, reporter, api_key) -> Report | None:
    """Return the report this submitter already sent with ``key``, or None.

    The same scope as the unique constraints on ``Report``: the user, or the
    application key when there is no user. No key, or no submitter, finds nothing.
    """
    if not key:
        return None
    reports = Report.objects.select_related("case").filter(idempotency_key=key)
    if reporter is not None:
        return reports.filter(reporter=reporter).first()
    if getattr(api_key, "pk", None):
        return reports.filter(reporter__isnull=True, submitted_by_key_id=api_key.pk).first()
    return None


def _check_text(data: ReportInput) -> None:
    """Refuse text fields that hold a NUL (PostgreSQL cannot store one)."""
    bad = fields_with_nul(
        {
            name: getattr(data, name)
            for name in (
                "description",
                "address",
                "reporter_name",
                "reporter_phone",
                "asset_code",
                "idempotency_key",
                "channel",
            )
        }
        | {"category": data.category if isinstance(data.category, str) else ""}
        | {"raw_payload": data.raw_payload}
    )
    if bad:
        raise CaseInvalid(
            _("Text may not contain NUL characters."),
            dict.fromkeys(bad, _("contains a NUL character")),
            code="nul_character",
        )


def _reporter_role(actor, channel) -> str:
    if channel == Channel.INSPECTOR:
        return RoleName.INSPECTOR
    roles = sorted(actor.roles) if getattr(actor, "is_authenticated", False) else []
    return roles[0] if roles else "client"


def _decide_duplicate(case_id: int, action: str, report: Report, actor) -> Report:
    """Take a duplicate decision through ``act``; refusals stay ``CaseError``s for callers."""
    try:
        act(case_id, action, actor, report=report.pk)
    except workflow.NotAllowedInState as exc:
        raise CaseConflict(workflow_message(exc), code="invalid_state") from exc
    except workflow.RoleNotAllowed as exc:
        raise CaseForbidden(workflow_message(exc)) from exc
    except workflow.WorkflowError as exc:
        raise CaseInvalid(workflow_message(exc), workflow_fields(exc), code=exc.code) from exc
    report.refresh_from_db()
    return report


def merge_report(report: Report, target: Case, actor) -> Report:
    """Confirm that ``report`` repeats ``target``: move it there, void its own case.

    Goes through ``act`` (action ``merge`` on the target), which locks both cases in id
    order, re-checks their states after locking and writes the target's ``merge`` event and
    the own case's ``void`` event.
    """
    roles = set(actor.roles)
    if not roles & {RoleName.OPERATOR, RoleName.SHIFT_LEAD}:
        raise CaseForbidden(_("Only operators and shift leads confirm duplicates."))
    visible = access.visible_cases(actor)
    if not visible.filter(pk__in=[report.case_id, target.pk]).count() == 2:
        raise CaseInvalid(
            _("Both cases must be visible to you."),
            {"case": _("This case is not visible to you.")},
        )
    if target.pk == report.case_id:
        raise CaseInvalid(
            _("The report already belongs to that case."), {"case": _("This is the same case.")}
        )
    if State(target.state) not in workflow.OPEN_STATES:
        raise CaseConflict(_("The target case is closed or voided."))
    return _decide_duplicate(target.pk, Action.merge.value, report, actor)


def suggest_inspectors(case, limit: int = 5):
    """Return inspectors for a verification task, the ones patrolling the case's cell first.

    Without live positions (field operations come later) the patrol zone is
    the best measure of who is nearest; then come the other inspectors who
    may see the case's district.
    """
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=RoleName.INSPECTOR)
        .filter(models.Q(district__isnull=True) | models.Q(district=case.district_id))
        .distinct()
    )
    patrolling = set(
        users.filter(patrol_zones__cells=case.grid_cell_id).values_list("pk", flat=True)
    )
    ranked = sorted(users, key=lambda u: (u.pk not in patrolling, u.username))
    return ranked[:limit]


def reject_duplicate(report: Report, actor) -> Report:
    """Record, through ``act``, that a proposed duplicate is a separate problem."""
    if not set(actor.roles) & {RoleName.OPERATOR, RoleName.SHIFT_LEAD}:
        raise CaseForbidden(_("Only operators and shift leads decide duplicates."))
    return _decide_duplicate(report.case_id, Action.confirm_not_duplicate.value, report, actor)

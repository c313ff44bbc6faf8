"""Check and store photos: type by content, size, pixels, EXIF, thumbnail, owner.

A photo is accepted only when its bytes are really a JPEG, PNG or WebP image
of the type it claims, within the configured size and pixel limits; the
check decodes the image, so a truncated or disguised file is refused. An
upload's declared size is checked before its bytes are read, so an oversize
file never reaches memory.

The stored original is a re-encoding without metadata (EXIF with the
phone's GPS track, XMP, PNG text chunks), the EXIF orientation applied: a
photo passed on to a department or published later carries no more than
the picture. The GPS position and time are read first and kept in the
database. ``Photo.sha256`` is the hash of the stored bytes (what the event
log and an audit can re-check against the file); ``received_sha256`` is the
hash of what the client sent.

A photo uploaded ahead of a transition may be attached only by whoever
uploaded it (``check_attachable``): photo ids are small integers, and
without the check anyone could attach, and so publish, someone else's.
"""

import hashlib
import io
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from civicgrid.cases.models import Photo
from civicgrid.cases.services.errors import CaseInvalid

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMB_SIZE = (320, 320)
#: Re-encoding quality of stored JPEG and WebP originals (visually lossless).
STORE_QUALITY = 90


class PhotoRejected(ValueError):
    """Raise when an upload is not an acceptable photo; the message says why."""


@dataclass(frozen=True)
class PhotoInfo:
    """What the check learned about an image."""

    content_type: str
    width: int
    height: int
    exif_lon: float | None
    exif_lat: float | None
    exif_taken_at: datetime | None


def _ratio(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _gps(exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(0x8825) if exif else None
    if not gps:
        return None, None
    try:
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if gps.get(1) == "S":
        lat = -lat
    if gps.get(3) == "W":
        lon = -lon
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, None
    return lon, lat


def _taken_at(exif) -> datetime | None:
    if not exif:
        return None
    raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
    try:
        naive = datetime.strptime(str(raw).strip(), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive)


def _refuse_size(size: int) -> None:
    """Raise ``PhotoRejected`` when ``size`` bytes exceed the configured limit."""
    limit = settings.CIVICGRID["PHOTO_MAX_BYTES"]
    if size > limit:
        raise PhotoRejected(
            _("The photo is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def inspect_image(data: bytes, declared_type: str | None) -> PhotoInfo:
    """Return what the image is, or raise ``PhotoRejected``."""
    limits = settings.CIVICGRID
    if not data:
        raise PhotoRejected(_("The photo file is empty."))
    _refuse_size(len(data))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in FORMATS:
                raise PhotoRejected(
                    _("%(format)s images are not accepted (JPEG, PNG, WebP).")
                    % {"format": fmt or "?"}
                )
            if width * height > limits["PHOTO_MAX_PIXELS"]:
                raise PhotoRejected(
                    _("The image has %(pixels)s pixels; the limit is %(limit)s.")
                    % {"pixels": width * height, "limit": limits["PHOTO_MAX_PIXELS"]}
                )
            exif = probe.getexif()
            probe.load()  # decode fully: refuses truncated or corrupt data
    except PhotoRejected:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ):
        raise PhotoRejected(_("The file is not a readable JPEG, PNG or WebP image.")) from None
    content_type = FORMATS[fmt]
    if declared_type and declared_type.split(";")[0].strip().lower() not in (
        content_type,
        "application/octet-stream",
        "",
    ):
        raise PhotoRejected(
            _("The file is %(actual)s but was sent as %(declared)s.")
            % {"actual": content_type, "declared": declared_type}
        )
    lon, lat = _gps(exif)
    return PhotoInfo(content_type, width, height, lon, lat, _taken_at(exif))


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
        return out.getvalue()


def strip_metadata(data: bytes) -> tuple[bytes, int, int]:
    """Return ``data`` re-encoded in its own format without metadata, and its size in pixels.

        The EXIF orientation is applied to the pixels first, so the picture still stands the
        right way up once the tag is gone. Only the colour profile and a palette's transparent
    colour are kept. Saving a fresh copy
        (rather than deleting known tags) also drops what Pillow does not name: XMP, IPTC,
        maker notes, PNG text chunks, comments, extra frames.
    """
    with Image.open(io.BytesIO(data)) as source:
        fmt = source.format
        kept = {k: source.info[k] for k in ("icc_profile", "transparency") if k in source.info}
        image = ImageOps.exif_transpose(source)
    image.info = {}  # the copy carries the source's exif/xmp/text; none of it is written
    options: dict = {"exif": b"", **kept}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=STORE_QUALITY)
    elif fmt == "WEBP":
        options.update(quality=STORE_QUALITY)
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue(), image.width, image.height


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload's bytes, stripped of metadata, with what the check learned, ready to store."""

    data: bytes
    info: PhotoInfo
    received_sha256: str = ""


def _declared_size(upload) -> int | None:
    size = getattr(upload, "size", None)
    return size if isinstance(size, int) else None


def check_uploads(uploads) -> list[CheckedPhoto]:
    """Inspect every upload before any is stored; raise ``PhotoRejected`` for the first bad one.

    Storing writes files outside the database transaction, so a batch with a bad photo in it
    must be refused before the good ones reach the storage (a rollback would orphan them).
    Every declared size is compared with the limit before any file is read into memory.
    Each image is decoded here and re-encoded without metadata; ``store_photo`` stores the
    result.
    """
    uploads = list(uploads)
    for upload in uploads:
        size = _declared_size(upload)
        if size is not None:
            _refuse_size(size)
    checked = []
    for upload in uploads:
        limit = settings.CIVICGRID["PHOTO_MAX_BYTES"]
        data = upload.read(limit + 1)  # never more than the limit, whatever was declared
        info = inspect_image(data, getattr(upload, "content_type", None))
        try:
            clean, width, height = strip_metadata(data)
        except (OSError, ValueError, SyntaxError) as exc:
            raise PhotoRejected(_("The file is not a readable JPEG, PNG or WebP image.")) from exc
        info = replace(info, width=width, height=height)  # the stored, upright size
        checked.append(CheckedPhoto(clean, info, hashlib.sha256(data).hexdigest()))
    return checked


def store_photo(
    photo_in: CheckedPhoto, kind: str, uploaded_by=None, report=None, case=None, api_key=None
) -> Photo:
    """Store a checked photo with its thumbnail; return the Photo.

    ``uploaded_by`` (a user) and ``api_key`` (the key of the request, if any) are who may
    attach the photo later (``check_attachable``).
    """
    data, info = photo_in.data, photo_in.info
    photo = Photo(
        kind=kind,
        report=report,
        case=case,
        content_type=info.content_type,
        size=len(data),
        width=info.width,
        height=info.height,
        sha256=hashlib.sha256(data).hexdigest(),
        received_sha256=photo_in.received_sha256,
        exif_lon=info.exif_lon,
        exif_lat=info.exif_lat,
        exif_taken_at=info.exif_taken_at,
        uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
        uploaded_by_key=api_key if getattr(api_key, "pk", None) else None,
    )
    photo.image.save("photo", ContentFile(data), save=False)
    photo.thumbnail.save("thumb", ContentFile(_thumbnail(data)), save=False)
    photo.save()
    return photo


def _uploaded_by(photo: Photo, user_id, key_id) -> bool:
    """Return whether the photo was uploaded by this user, or by this app key."""
    if photo.uploaded_by_id is not None:
        return photo.uploaded_by_id == user_id
    if photo.uploaded_by_key_id is not None:
        return photo.uploaded_by_key_id == key_id
    return False  # no known uploader (a citizen's report photo): nobody re-attaches it


def check_attachable(photos, actor, api_key=None) -> None:
    """Refuse (422) when any of ``photos`` was not uploaded by ``actor`` (or ``api_key``).

    A photo uploaded by a user (with a session or the user's token) is attachable by that
    user; one uploaded with an application key that has no user, only by that key.
    """
    user_id = getattr(actor, "pk", None)
    key_id = getattr(api_key, "pk", None)
    foreign = [p.pk for p in photos if not _uploaded_by(p, user_id, key_id)]
    if foreign:
        message = _("These photos were uploaded by someone else: %(ids)s.") % {
            "ids": ", ".join(map(str, foreign))
        }
        raise CaseInvalid(message, {"photos": message}, code="photo_not_yours")


def visible_photos(user):
    """Return the photos ``user`` may see: those of visible cases, and their own unattached.

    Starts from ``visible_cases`` like every other read, so the scope of a photo is the scope
    of its case; a photo uploaded ahead of a transition belongs to no case yet and is shown
    only to its uploader.
    """
    from django.db.models import Q

    from civicgrid.cases.services.access import visible_cases

    if user is None or not user.is_authenticated:
        return Photo.objects.none()
    return Photo.objects.filter(
        Q(case__in=visible_cases(user)) | Q(case__isnull=True, uploaded_by=user)
    )

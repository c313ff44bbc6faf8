"""Check and store photos: type by content, size, pixels, EXIF, thumbnail.

A photo is accepted only when its bytes are really a JPEG, PNG or WebP image
of the type it claims, within the configured size and pixel limits; the
check decodes the image, so a truncated or disguised file is refused.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from civicgrid.cases.models import Photo

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMB_SIZE = (320, 320)


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


def inspect_image(data: bytes, declared_type: str | None) -> PhotoInfo:
    """Return what the image is, or raise ``PhotoRejected``."""
    limits = settings.CIVICGRID
    if not data:
        raise PhotoRejected("the file is empty")
    if len(data) > limits["PHOTO_MAX_BYTES"]:
        raise PhotoRejected(
            f"the file is {len(data)} bytes; the limit is {limits['PHOTO_MAX_BYTES']}"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in FORMATS:
                raise PhotoRejected(f"{fmt or 'this'} images are not accepted (JPEG, PNG, WebP)")
            if width * height > limits["PHOTO_MAX_PIXELS"]:
                raise PhotoRejected(
                    f"the image has {width * height} pixels; the limit is "
                    f"{limits['PHOTO_MAX_PIXELS']}"
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
        raise PhotoRejected("the file is not a readable JPEG, PNG or WebP image") from None
    content_type = FORMATS[fmt]
    if declared_type and declared_type.split(";")[0].strip().lower() not in (
        content_type,
        "application/octet-stream",
        "",
    ):
        raise PhotoRejected(f"the file is {content_type} but was sent as {declared_type}")
    lon, lat = _gps(exif)
    return PhotoInfo(content_type, width, height, lon, lat, _taken_at(exif))


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
        return out.getvalue()


@dataclass(frozen=True)
class CheckedPhoto:
    """An upload's bytes with what the check learned, ready to store."""

    data: bytes
    info: PhotoInfo


def check_uploads(uploads) -> list[CheckedPhoto]:
    """Inspect every upload before any is stored; raise ``PhotoRejected`` for the first bad one.

    Storing writes files outside the database transaction, so a batch with a bad photo in it
    must be refused before the good ones reach the storage (a rollback would orphan them).
    Each image is decoded once, here; ``store_photo`` reuses the result.
    """
    checked = []
    for upload in uploads:
        data = upload.read()
        checked.append(
            CheckedPhoto(data, inspect_image(data, getattr(upload, "content_type", None)))
        )
    return checked


def store_photo(
    photo_in: CheckedPhoto, kind: str, uploaded_by=None, report=None, case=None
) -> Photo:
    """Store a checked photo with its thumbnail; return the Photo."""
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
        exif_lon=info.exif_lon,
        exif_lat=info.exif_lat,
        exif_taken_at=info.exif_taken_at,
        uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
    )
    photo.image.save("photo", ContentFile(data), save=False)
    photo.thumbnail.save("thumb", ContentFile(_thumbnail(data)), save=False)
    photo.save()
    return photo

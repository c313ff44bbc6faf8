"""Addresses of photo files: plain (checked against the session) or signed and expiring.

Photos are never public. Pages link to ``/photos/<id>/``, which checks the
viewer's session against ``visible_cases``. API clients authenticate with a
bearer key that an ``<img>`` cannot send, so the API hands out signed URLs:
the signature binds the photo id and the variant (original or thumbnail)
and expires after ``CIVICGRID["PHOTO_URL_SECONDS"]``. It is issued only in
answers that already passed the visibility check, so holding one is
holding a short-lived permission to that one file.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "civicgrid.cases.photo-url"
VARIANTS = {"image": "photos:photo", "thumbnail": "photos:thumbnail"}


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _value(photo_id: int, variant: str) -> str:
    return f"{photo_id}.{variant}"


def photo_path(photo_id: int, variant: str = "image") -> str:
    """Return the session-checked address of a photo (for pages)."""
    return reverse(VARIANTS[variant], args=[photo_id])


def signed_photo_url(photo_id: int, variant: str = "image") -> str:
    """Return an address of the photo that works without a session until it expires."""
    signed = _signer().sign(_value(photo_id, variant))
    token = signed.split(":", 1)[1]  # timestamp and signature; the value is in the path
    return f"{photo_path(photo_id, variant)}?sig={token}"


def signature_valid(photo_id: int, variant: str, token: str | None) -> bool:
    """Return whether ``token`` signs this photo and variant and has not expired."""
    if not token:
        return False
    try:
        value = _signer().unsign(
            f"{_value(photo_id, variant)}:{token}",
            max_age=settings.CIVICGRID["PHOTO_URL_SECONDS"],
        )
    except signing.BadSignature:  # also SignatureExpired
        return False
    return value == _value(photo_id, variant)

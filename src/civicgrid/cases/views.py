"""Serve photo files, never publicly: each request is checked against the viewer.

A photo is served to a logged-in user who may see its case (``visible_photos``,
built on ``visible_cases``), to the uploader of a photo not yet attached, or to
anyone holding an unexpired signed URL from the API (``photolinks``). Anyone
else gets 404, the same answer as for a photo that does not exist.

The bytes come from wherever the storage keeps them: read from the local disk
(``FileResponse``), handed to nginx with ``X-Accel-Redirect`` when
``CIVICGRID_MEDIA_ACCEL_PREFIX`` names an internal location, or fetched by the
browser from S3 through a presigned URL that expires within a minute.
Responses are ``private, no-cache``: a browser or service worker keeps a copy
but asks again each time, so after a logout the next user of the device is
checked anew (the ETag makes the repeat cheap).
"""

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from civicgrid.cases.models import Photo
from civicgrid.cases.photolinks import signature_valid
from civicgrid.cases.services.photos import visible_photos

#: Lifetime of an S3 presigned URL: only long enough for the browser to follow the redirect.
PRESIGNED_SECONDS = 60
CACHE_CONTROL = "private, no-cache"


def _find(request, photo_id: int, variant: str) -> Photo:
    """Return the photo if the session may see it or the URL is signed for it; else 404."""
    if signature_valid(photo_id, variant, request.GET.get("sig")):
        return get_object_or_404(Photo, pk=photo_id)
    return get_object_or_404(visible_photos(request.user), pk=photo_id)


def _remote_url(storage, name: str) -> str:
    """Return a short-lived URL of a file in remote storage (S3 presigned when it can)."""
    try:
        return storage.url(
            name,
            parameters={"ResponseCacheControl": CACHE_CONTROL},
            expire=PRESIGNED_SECONDS,
        )
    except TypeError:  # a storage whose url() takes no expiry
        return storage.url(name)


def _deliver(field, content_type: str) -> HttpResponse:
    """Return a response that makes the client receive the file of ``field``."""
    storage = field.storage
    if not isinstance(storage, FileSystemStorage):
        response = HttpResponseRedirect(_remote_url(storage, field.name))
        response["Cache-Control"] = "no-store"  # the presigned URL expires; never reuse it
        return response
    accel = settings.CIVICGRID["MEDIA_ACCEL_PREFIX"]
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{quote(field.name)}"
        return response
    try:
        handle = storage.open(field.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type=content_type)


@require_safe
def photo_file(request, photo_id: int, variant: str = "image"):
    """Send the photo (``variant="image"``) or its thumbnail to a viewer allowed to see it."""
    photo = _find(request, photo_id, variant)
    etag = f'"{photo.sha256}-{variant}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif variant == "thumbnail":
        response = _deliver(photo.thumbnail, "image/jpeg")
    else:
        response = _deliver(photo.image, photo.content_type)
    if response.status_code != 302:
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Vary"] = "Cookie"
    return response

"""Photos are personal data: served only to who may see them, stripped, capped, owned.

Covers the protected photo view (session, signed URLs, X-Accel-Redirect, S3 redirect), the
removal of the public ``/media/`` route, EXIF stripping of stored originals, the size checks
made before an upload is read, and the rule that only the uploader attaches a photo.
"""

from __future__ import annotations

import hashlib
import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings
from PIL import Image, PngImagePlugin

from civicgrid.cases.models import Photo
from civicgrid.cases.services.errors import CaseInvalid
from civicgrid.cases.services.photos import PhotoRejected, check_attachable, check_uploads
from civicgrid.cases.tests.conftest import EAST, WEST, upload

GPS_LON, GPS_LAT = 119.59, 39.935


def error_of(response, status: int, code: str) -> dict:
    """Assert a JSON error body with ``status`` and ``code``; return it."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"error", "message", "fields"}, body
    assert body["error"] == code, body
    return body


def _exif(orientation: int = 1) -> Image.Exif:
    """Return EXIF with a GPS position, a time, a camera maker and an orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretPhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (39.0, 56.0, 6.0)
    gps[3], gps[4] = "E", (119.0, 35.0, 24.0)
    exif.get_ifd(0x8769)[0x9003] = "2026:03:10 09:15:00"
    return exif


def photo_with_metadata(fmt: str = "JPEG", orientation: int = 1) -> bytes:
    """Return a 40x20 image in ``fmt`` carrying EXIF GPS, XMP or a PNG text chunk."""
    out = io.BytesIO()
    options = {"exif": _exif(orientation)}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "SecretTextChunk")
        options["pnginfo"] = text
    else:
        options["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>'
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, fmt, **options)
    return out.getvalue()


def _report_photo(api, where=WEST) -> Photo:
    """Report a problem with one photo as the inspector; return the stored photo."""
    response = api("inspector").report(*where, photos=[upload()])
    assert response.status_code == 201, response.content
    return Photo.objects.get(report_id=response.json()["report"]["id"])


def _session(city, username: str) -> Client:
    return city.client(username)


def _stored_bytes(photo: Photo, variant: str = "image") -> bytes:
    field = photo.thumbnail if variant == "thumbnail" else photo.image
    with field.storage.open(field.name, "rb") as handle:
        return handle.read()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --------------------------------------------------------------------------- serving


def test_media_route_is_gone(api, city, clock):
    """A stored photo file is not reachable under /media/ by anyone, logged in or not."""
    photo = _report_photo(api)
    assert photo.image.storage.exists(photo.image.name)
    for client in (Client(), _session(city, "dispatcher")):
        assert client.get(f"/media/{photo.image.name}").status_code == 404
        assert client.get(f"/media/{photo.thumbnail.name}").status_code == 404


def test_photo_view_serves_a_visible_photo_privately(api, city, clock):
    """Staff who see the case get the stored bytes, private and revalidated every time."""
    photo = _report_photo(api)
    client = _session(city, "dispatcher")
    for url, variant, content_type in (
        (photo.url, "image", "image/jpeg"),
        (photo.thumbnail_url, "thumbnail", "image/jpeg"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == "private, no-cache"
        assert _body(response) == _stored_bytes(photo, variant)


def test_photo_view_answers_404_to_who_may_not_see_it(api, city, clock):
    """The anonymous, and staff of another district, get 404 as for a missing photo."""
    photo = _report_photo(api, WEST)
    assert _session(city, "dispatcher").get(photo.url).status_code == 200
    for client in (Client(), _session(city, "inspector2"), _session(city, "handler")):
        assert client.get(photo.url).status_code == 404
        assert client.get(photo.thumbnail_url).status_code == 404
    assert _session(city, "dispatcher").get(f"/photos/{photo.pk + 1000}/").status_code == 404


def test_an_etag_revalidation_is_checked_like_a_fresh_request(api, city, clock):
    """A cached copy is confirmed (304) only to a viewer who may still see the photo."""
    photo = _report_photo(api)
    first = _session(city, "dispatcher").get(photo.url)
    etag = first["ETag"]
    again = _session(city, "dispatcher").get(photo.url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    stranger = _session(city, "inspector2").get(photo.url, headers={"If-None-Match": etag})
    assert stranger.status_code == 404


def test_an_unattached_photo_is_shown_only_to_its_uploader(api, city, clock):
    """A photo uploaded ahead of a transition belongs to no case: only its uploader sees it."""
    (photo_id,) = api("handler").upload_photos(1)
    photo = Photo.objects.get(pk=photo_id)
    assert _session(city, "handler").get(photo.url).status_code == 200
    for username in ("handler_hw", "dispatcher", "admin"):
        assert _session(city, username).get(photo.url).status_code == 404, username


def test_api_gives_signed_expiring_urls_bound_to_the_photo(api, city, clock, settings):
    """API photo URLs work without a session, only for their photo and variant, until expiry."""
    response = api("inspector").report(*WEST, photos=[upload(), upload()])
    first, second = response.json()["report"]["photos"]
    anonymous = Client()
    assert anonymous.get(first["url"]).status_code == 200
    assert anonymous.get(first["thumbnail_url"]).status_code == 200
    case = api("operator").case(response.json()["case_id"])
    assert all("sig=" in p["url"] for p in case["photos"])
    # The signature of one photo does not open another, nor the other variant.
    token = first["url"].split("sig=", 1)[1]
    assert anonymous.get(f"/photos/{second['id']}/?sig={token}").status_code == 404
    assert anonymous.get(f"/photos/{first['id']}/thumbnail/?sig={token}").status_code == 404
    assert anonymous.get(f"/photos/{first['id']}/?sig={token}x").status_code == 404
    with override_settings(CIVICGRID={**settings.CIVICGRID, "PHOTO_URL_SECONDS": -1}):
        assert anonymous.get(first["url"]).status_code == 404


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(api, city, clock, settings):
    """With an accel prefix Django sends no bytes, only the internal location of the file."""
    photo = _report_photo(api)
    with override_settings(CIVICGRID={**settings.CIVICGRID, "MEDIA_ACCEL_PREFIX": "/_media/"}):
        response = _session(city, "dispatcher").get(photo.url)
        hidden = Client().get(photo.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_media/{photo.image.name}"
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == b""
    assert hidden.status_code == 404 and not hidden.has_header("X-Accel-Redirect")


S3_STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "cg-photos",
            "endpoint_url": "http://s3.example.test",
            "access_key": "test-access",
            "secret_key": "test-secret",
            "region_name": "us-east-1",
            "querystring_auth": True,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def test_on_s3_the_viewer_is_redirected_to_a_short_presigned_url(api, city, clock):
    """With S3 storage an allowed viewer gets a presigned URL valid for a minute; others 404."""
    case = _report_photo(api).case
    with override_settings(STORAGES=S3_STORAGES):
        photo = Photo.objects.create(
            kind="report",
            case=case,
            image="photos/2026/03/10/abc.jpg",
            thumbnail="photos/2026/03/10/abc.thumb.jpg",
            content_type="image/jpeg",
            size=1,
            width=1,
            height=1,
            sha256="a" * 64,
        )
        response = _session(city, "dispatcher").get(photo.url)
        hidden = _session(city, "inspector2").get(photo.url)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://s3.example.test/cg-photos/photos/2026/03/10/abc.jpg?")
    query = parse_qs(urlsplit(location).query)
    assert query["Signature"] and query["AWSAccessKeyId"] == ["test-access"]
    assert 0 < int(query["Expires"][0]) - time.time() <= 61
    assert response["Cache-Control"] == "no-store"
    assert hidden.status_code == 404


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_stored_originals_carry_no_metadata_but_gps_and_time_are_kept(api, city, clock, fmt):
    """EXIF, XMP and text chunks are gone from the file; the position and time stay in the row."""
    sent = photo_with_metadata(fmt)
    name = {"JPEG": "a.jpg", "PNG": "a.png", "WEBP": "a.webp"}[fmt]
    kind = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    response = api("inspector").report(*WEST, photos=[upload(sent, name, kind)])
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(report_id=response.json()["report"]["id"])
    stored = _stored_bytes(photo)
    for secret in (b"SecretPhoneMaker", b"SecretXmp", b"SecretTextChunk"):
        assert secret not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == fmt
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "Comment"} & set(image.info)
    assert photo.exif_lon == pytest.approx(GPS_LON, abs=1e-6)
    assert photo.exif_lat == pytest.approx(39.935, abs=1e-6)
    assert photo.exif_taken_at is not None
    # sha256 and size describe the stored bytes; received_sha256 what the client sent.
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert photo.size == len(stored)
    assert photo.received_sha256 == hashlib.sha256(sent).hexdigest()


def test_the_exif_orientation_is_applied_before_it_is_dropped(api, city, clock):
    """A portrait photo stored sideways with an orientation tag is stored standing upright."""
    sent = photo_with_metadata("JPEG", orientation=6)  # 40x20 pixels, "rotate 90° to show"
    response = api("inspector").report(*WEST, photos=[upload(sent)])
    photo = Photo.objects.get(report_id=response.json()["report"]["id"])
    with Image.open(io.BytesIO(_stored_bytes(photo))) as image:
        assert image.size == (20, 40)
    assert (photo.width, photo.height) == (20, 40)


def test_a_palette_png_keeps_its_transparent_colour(api, city, clock):
    """Stripping keeps what the picture needs: a palette PNG stays transparent where it was."""
    out = io.BytesIO()
    palette = Image.new("P", (8, 8), 0)
    palette.putpalette([255, 0, 0, 0, 255, 0])
    palette.putpixel((0, 0), 1)
    palette.save(out, "PNG", transparency=1)
    response = api("inspector").report(
        *WEST, photos=[upload(out.getvalue(), "p.png", "image/png")]
    )
    photo = Photo.objects.get(report_id=response.json()["report"]["id"])
    with Image.open(io.BytesIO(_stored_bytes(photo))) as image:
        rgba = image.convert("RGBA")
        assert rgba.getpixel((0, 0))[3] == 0
        assert rgba.getpixel((1, 1)) == (255, 0, 0, 255)


# --------------------------------------------------------------------------- size


class _NeverRead:
    """An upload that declares its size and fails the test if anything reads it."""

    content_type = "image/jpeg"

    def __init__(self, size: int):
        self.size = size

    def read(self, *args):
        raise AssertionError("an oversize upload was read")


def test_an_oversize_upload_is_refused_before_it_is_read(settings):
    """The declared size is checked first, for every file of the batch, before any read."""
    limit = settings.CIVICGRID["PHOTO_MAX_BYTES"]
    small = upload()
    with pytest.raises(PhotoRejected):
        check_uploads([small, _NeverRead(limit + 1)])
    assert small.tell() == 0  # not even the good one was read


def test_a_lying_upload_is_read_no_further_than_the_limit(settings):
    """An upload that declares less than it holds is cut at the limit and refused."""
    limit = 1000
    data = photo_with_metadata("JPEG") + b"\0" * 2000

    class Liar:
        content_type = "image/jpeg"
        size = 10
        asked = []

        def read(self, n=-1):
            self.asked.append(n)
            return data[:n] if n >= 0 else data

    limits = {**settings.CIVICGRID, "PHOTO_MAX_BYTES": limit}
    with override_settings(CIVICGRID=limits), pytest.raises(PhotoRejected):
        check_uploads([Liar()])
    assert Liar.asked == [limit + 1]


# --------------------------------------------------------------------------- ownership


def _dispatched_case(api, city, condition) -> int:
    response = api("inspector").report(*WEST, photos=[upload()])
    case_id = response.json()["case_id"]
    api("operator").ok(
        case_id, "file", category=condition.category_id, filing_condition=condition.pk
    )
    api("dispatcher").ok(case_id, "dispatch", department=city.department("SZGY"))
    return case_id


def test_only_the_uploader_attaches_a_photo(api, city, clock, condition):
    """A handler cannot resolve with someone else's uploaded photo, nor the report's photos."""
    case_id = _dispatched_case(api, city, condition)
    others = api("inspector").upload_photos(1)
    body = error_of(
        api("handler").act(case_id, "resolve", photos=others, note="已修复"),
        422,
        "photo_not_yours",
    )
    assert "photos" in body["fields"]
    report_photos = list(Photo.objects.filter(case_id=case_id).values_list("pk", flat=True))
    error_of(
        api("handler").act(case_id, "resolve", photos=report_photos, note="已修复"),
        422,
        "photo_not_yours",
    )
    assert Photo.objects.get(pk=others[0]).event_id is None
    own = api("handler").upload_photos(1)
    assert api("handler").ok(case_id, "resolve", photos=own, note="已修复")["state"] == "resolved"


def test_the_refusal_is_in_chinese(api, city, clock, condition):
    """The refusal reads in Simplified Chinese, the default language."""
    case_id = _dispatched_case(api, city, condition)
    others = api("inspector").upload_photos(1)
    body = api("handler").act(case_id, "resolve", photos=others, note="已修复").json()
    assert "他人上传" in body["message"]


def test_an_upload_records_the_key_it_came_with(api, city, clock):
    """A photo uploaded with a bearer key remembers the key (and its user)."""
    from civicgrid.org.models import ApiKey

    (photo_id,) = api("handler").upload_photos(1)
    photo = Photo.objects.get(pk=photo_id)
    assert photo.uploaded_by_id == city.users["handler"]
    assert photo.uploaded_by_key_id == ApiKey.objects.get(user=photo.uploaded_by).pk


def test_an_app_key_photo_is_attachable_only_with_that_key(city):
    """A photo uploaded by an application key with no user: only that key may attach it."""
    from civicgrid.org.models import ApiKey

    key, _secret = ApiKey.issue("open311")
    other, _secret = ApiKey.issue("other")
    photo = Photo(uploaded_by=None, uploaded_by_key=key)
    check_attachable([photo], None, api_key=key)
    for actor, api_key in ((None, other), (city.user("handler"), None), (None, None)):
        with pytest.raises(CaseInvalid) as refused:
            check_attachable([photo], actor, api_key=api_key)
        assert refused.value.code == "photo_not_yours" and refused.value.status == 422


def test_an_east_report_photo_is_hidden_from_west_staff(api, city, clock):
    """Photo scope follows case scope in both directions."""
    response = api("inspector2").report(*EAST, photos=[upload()])
    photo = Photo.objects.get(report_id=response.json()["report"]["id"])
    assert _session(city, "inspector").get(photo.url).status_code == 404
    assert _session(city, "inspector2").get(photo.url).status_code == 200


def test_an_app_key_without_a_user_is_refused_upload_with_json(city):
    """An application key may not upload transition photos: 403 JSON, not a server error."""
    from civicgrid.org.models import ApiKey

    _key, secret = ApiKey.issue("open311")
    response = Client().post(
        "/api/v1/photos", {"photos": [upload()]}, headers={"Authorization": f"Bearer {secret}"}
    )
    error_of(response, 403, "user_required")
    assert Photo.objects.count() == 0

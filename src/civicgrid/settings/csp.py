"""The Content-Security-Policy every page is served with (django-csp).

Scripts only from the site itself, never inline: an injected ``<script>`` or
``onclick=`` then does nothing. Images may also come from the configured map
tile hosts and the photo bucket; nothing may frame the pages.
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF

from civicgrid.web.tiles import resolve_tiles, tile_origins


def photo_origins(bucket: str, endpoint_url: str, region: str) -> list[str]:
    """Return the origins photos are served from when they live in S3 storage."""
    if not bucket:
        return []
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return [origin, f"{parts.scheme}://{bucket}.{parts.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


def content_security_policy(options: dict, photo_hosts: list[str], extra_img: list[str]) -> dict:
    """Return django-csp's ``CONTENT_SECURITY_POLICY`` for the ``CIVICGRID`` options."""
    img_src = [SELF, "data:", "blob:"]
    for origin in [*tile_origins(resolve_tiles(options)), *photo_hosts, *extra_img]:
        if origin not in img_src:
            img_src.append(origin)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": img_src,
            "font-src": [SELF],
            "connect-src": [SELF],
            "worker-src": [SELF],
            "manifest-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }

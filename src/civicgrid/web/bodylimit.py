"""Refuse request bodies that are too large before anything reads them.

Django reads a body only when a view asks for it, but by then a multipart
parser may already be spooling ninety megabytes to disk. The middleware
compares the declared ``Content-Length`` with the limits first and answers
413 at once: JSON for the API (``{"error", "message", "fields"}``), a short
page otherwise. Two limits apply:

- ``CIVICGRID["REQUEST_MAX_BYTES"]`` caps every body (a report with nine
  photos of ``PHOTO_MAX_BYTES`` each fits under the default);
- bodies that are not multipart (JSON, forms) are read into memory whole,
  so they are held to ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

A body sent without a length (chunked) is read by WSGI servers only up to
``Content-Length``, i.e. not at all. Under ASGI, Django spools the body
before any middleware runs, so ``civicgrid.asgi`` wraps the application in
:func:`limit_asgi_body`, which counts the bytes as they arrive.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from civicgrid.api.errors import error_body

API_PREFIX = "/api/"
MULTIPART = "multipart/form-data"


def _too_large_message(limit: int) -> str:
    return _("The request is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)}


def too_large_response(path: str, limit: int) -> HttpResponse:
    """Return the 413 answer: JSON under ``/api/``, a short page elsewhere."""
    message = _too_large_message(limit)
    if path.startswith(API_PREFIX):
        return JsonResponse(error_body("too_large", message), status=413)
    page = (
        '<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">'
        f"<title>{_('Request too large')}</title></head>"
        f"<body><h1>{_('Request too large')}</h1><p>{message}</p></body></html>"
    )
    return HttpResponse(page, status=413, content_type="text/html; charset=utf-8")


def body_limit(content_type: str) -> int:
    """Return the largest body accepted for ``content_type``."""
    total = settings.CIVICGRID["REQUEST_MAX_BYTES"]
    in_memory = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if content_type.startswith(MULTIPART) or in_memory is None:
        return total
    return min(total, in_memory)


class BodyLimitMiddleware:
    """Answer 413 to a request whose declared body exceeds the limits (first middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length:
            limit = body_limit(request.META.get("CONTENT_TYPE", ""))
            if length > limit:
                return too_large_response(request.path, limit)
        return self.get_response(request)


def limit_asgi_body(app, max_bytes=None):
    """Wrap an ASGI ``app`` so an HTTP body over ``max_bytes`` is refused with 413.

    Checks the declared ``content-length`` first, then counts the body as it streams in
    (a chunked body declares none) without holding it: once the count passes the limit the
    client gets 413 and the application is told the client left, so Django stops spooling.
    ``max_bytes`` defaults to ``CIVICGRID["REQUEST_MAX_BYTES"]``.
    """

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        limit = max_bytes if max_bytes is not None else settings.CIVICGRID["REQUEST_MAX_BYTES"]
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return await _send_413(scope, send, limit)
        state = {"seen": 0, "refused": False}

        async def counting_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit:
                    state["refused"] = True
                    await _send_413(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not state["refused"]:
                await send(message)

        return await app(scope, counting_receive, guarded_send)

    return guarded


async def _send_413(scope, send, limit: int) -> None:
    response = too_large_response(scope.get("path", ""), limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", response["Content-Type"].encode()),
                (b"content-length", str(len(response.content)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": response.content})

"""Keep every answer under ``/api/`` JSON, even for errors no API handler saw.

Django answers some failures before (or around) the NinjaAPI: an unknown
URL (404), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (400/413), a crash in
another middleware (500), a wrong method (405, empty HTML body). A client of
the API must be able to read every answer as ``{"error", "message",
"fields"}``, so this middleware, first in the chain, rewrites any non-JSON
error response under the API prefix into that shape with the same status.
"""

import logging

from django.http import JsonResponse

from civicgrid.api.errors import error_body, status_error

logger = logging.getLogger("civicgrid.api")

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Return whether ``request`` addresses the API (whose answers are always JSON)."""
    return request.path_info.startswith(API_PREFIX)


def json_error(status: int, error: str | None = None, message: str | None = None) -> JsonResponse:
    """Return the API's JSON error response for ``status``."""
    code, text = status_error(status)
    return JsonResponse(
        error_body(error or code, message or text),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiJsonErrorsMiddleware:
    """Rewrite non-JSON error answers under ``/api/`` into the JSON error body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        replacement = json_error(response.status_code)
        # Keep the headers that tell the client what to do next.
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement

    def process_exception(self, request, exception):
        """Answer an exception raised inside the view under ``/api/`` as a logged JSON 500."""
        if not is_api_request(request):
            return None
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return json_error(500)

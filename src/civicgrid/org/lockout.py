"""The answers to a refused login: a django-axes lockout or too many attempts.

Web and admin logins get a page in the reader's language, the API gets its
JSON error; all are ``429 Too Many Requests`` with ``Retry-After``, so
browsers, scripts and proxies all know how long to wait.
"""

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicgrid.api.errors import error_body

API_PREFIX = "/api/"


def cooloff_seconds() -> int:
    """Return the lockout time in whole seconds (at least one)."""
    cooloff = settings.AXES_COOLOFF_TIME
    seconds = cooloff.total_seconds() if hasattr(cooloff, "total_seconds") else cooloff * 3600
    return max(1, math.ceil(seconds))


def refusal_page(request, message: str, seconds: int):
    """Return the 429 page that tells a person why and how long to wait."""
    response = render(request, "org/lockout.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def lockout_response(request, original_response=None, credentials=None):
    """Return the 429 answer for a locked-out login attempt (``AXES_LOCKOUT_CALLABLE``)."""
    seconds = cooloff_seconds()
    minutes = math.ceil(seconds / 60)
    if not request.path.startswith(API_PREFIX):
        message = ngettext(
            "Too many failed logins for this username from your address. "
            "Please try again in %(minutes)s minute.",
            "Too many failed logins for this username from your address. "
            "Please try again in %(minutes)s minutes.",
            minutes,
        ) % {"minutes": minutes}
        return refusal_page(request, message, seconds)
    message = _(
        "Too many failed logins for this username from your address. "
        "Please try again in %(minutes)s minutes."
    ) % {"minutes": minutes}
    body = error_body("locked_out", message)
    body["retry_after"] = seconds
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(seconds)
    return response

"""Refuse requests that carry a NUL character anywhere in their text.

PostgreSQL cannot store ``\\x00`` in a text column: a NUL that reaches the
ORM (a token request's username, a report description, a list filter, a
form note) crashes the request with ``text fields cannot contain NUL``, and
SQLite would store it silently. No person types a NUL, so the request is
refused whole, before any view runs, with a 400 that the reader
understands: JSON under ``/api/``, a short page otherwise. The services also
check their text (``civicgrid.core.text``), for callers that are not requests.
"""

import json

from django.http import HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from civicgrid.core.text import contains_nul

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _query_has_nul(querydict) -> bool:
    return any(contains_nul(key) or contains_nul(value) for key, value in querydict.lists())


def _json_has_nul(body: bytes) -> bool:
    """Return whether a JSON body holds a NUL, raw or escaped as ``\\u0000``."""
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:  # the only way JSON can spell a NUL (hex digits are digits)
        return False
    try:
        return contains_nul(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return False  # not JSON: the view refuses it on its own terms


def request_has_nul(request) -> bool:
    """Return whether the path, query string, form fields or body text holds a NUL."""
    if contains_nul(request.path_info) or _query_has_nul(request.GET):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        # request.POST: the form fields only; uploaded files are checked as images.
        try:
            return _query_has_nul(request.POST)
        except MultiPartParserError:
            return False  # a broken form: the view refuses it on its own terms
    return _json_has_nul(request.body)


def nul_refusal(request):
    """Return the 400 answer for a request with a NUL, JSON under ``/api/``."""
    from civicgrid.api.middleware import is_api_request, json_error

    message = _("The request contains a NUL character, which no text may hold.")
    if is_api_request(request):
        return json_error(400, "nul_character", message)
    html = render_to_string("web/bad_request.html", {"message": message})
    return HttpResponseBadRequest(html)


class RefuseNulMiddleware:
    """Answer 400 to any request whose text carries a NUL character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_nul(request):
            return nul_refusal(request)
        return self.get_response(request)

"""One place that turns failures into the API's JSON error body.

Every error is ``{"error": code, "message": text, "fields": {...}}`` with a
4xx status that fits; bad input never becomes a 500. Anything unforeseen is
logged and answered as a JSON 500, so the API never answers with HTML (the
errors Django raises before a handler runs are turned into JSON by
``civicgrid.api.middleware``).
"""

import logging
import math

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

logger = logging.getLogger("civicgrid.api")

# The generic message of each status, for errors that bring no message of their own.
STATUS_ERRORS = {
    400: ("bad_request", gettext_lazy("The request is not valid.")),
    401: ("unauthorized", gettext_lazy("Authentication is required.")),
    403: ("forbidden", gettext_lazy("You may not do this.")),
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
    413: ("too_large", gettext_lazy("The request is too large.")),
    500: ("server_error", gettext_lazy("Something went wrong on the server; it has been logged.")),
}


def status_error(status: int) -> tuple[str, str]:
    """Return the error code and the reader's-language message for an HTTP status."""
    if status in STATUS_ERRORS:
        code, message = STATUS_ERRORS[status]
        return code, str(message)
    code, message = STATUS_ERRORS[500 if status >= 500 else 400]
    return ("error" if status < 500 else code), str(message)


class ApiError(Exception):
    """Raise from a handler or service adapter to answer with a JSON error."""

    def __init__(self, status: int, error: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.fields = fields or {}


# A refused workflow action: the state or a guard conflicts with the request
# (409), the role may not (403), the fields are wrong (422).
WORKFLOW_STATUS = {
    "invalid_state": 409,
    "guard_failed": 409,
    "forbidden": 403,
    "missing_fields": 422,
    "invalid_field": 422,
    "unknown_action": 422,
    "invalid_facts": 409,
}


def error_body(error: str, message: str, fields: dict | None = None) -> dict:
    """Return the JSON error body."""
    return {"error": error, "message": message, "fields": fields or {}}


def throttled_body(seconds: int | None) -> dict:
    """Return the JSON body of a 429: who waits how long (also in ``Retry-After``)."""
    if seconds:
        message = _("Too many requests. Please try again in %(seconds)s seconds.") % {
            "seconds": seconds
        }
    else:
        message = _("Too many requests. Please try again later.")
    body = error_body("throttled", message)
    body["retry_after"] = seconds
    return body


# What a value refused by the schema should have been, by pydantic's error type; the
# schema's own English ``msg`` is for developers.
VALIDATION_TEXT = {
    "missing": gettext_lazy("This field is required."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "float_type": gettext_lazy("Enter a number."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "finite_number": gettext_lazy("Enter a finite number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_long": gettext_lazy("The text is too long."),
    "string_too_short": gettext_lazy("The text is too short."),
    "too_long": gettext_lazy("There are too many items."),
    "too_short": gettext_lazy("There are too few items."),
    "list_type": gettext_lazy("Enter a list."),
    "dict_type": gettext_lazy("Enter an object."),
    "model_type": gettext_lazy("Enter an object."),
    "datetime_parsing": gettext_lazy("Enter a date and time such as 2026-05-01T08:30:00+08:00."),
    "datetime_from_date_parsing": gettext_lazy(
        "Enter a date and time such as 2026-05-01T08:30:00+08:00."
    ),
    "date_parsing": gettext_lazy("Enter a date such as 2026-05-01."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date such as 2026-05-01."),
    "literal_error": gettext_lazy("Choose one of the allowed values."),
    "enum": gettext_lazy("Choose one of the allowed values."),
    "greater_than": gettext_lazy("The value is too small."),
    "greater_than_equal": gettext_lazy("The value is too small."),
    "less_than": gettext_lazy("The value is too large."),
    "less_than_equal": gettext_lazy("The value is too large."),
    "extra_forbidden": gettext_lazy("This field is not expected."),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
}


def validation_text(item: dict) -> str:
    """Return, in the reader's language, why the schema refused one value."""
    text = VALIDATION_TEXT.get(item.get("type", ""))
    return str(text) if text is not None else _("This value is not valid.")


def _validation_fields(errors: list) -> dict:
    fields = {}
    for item in errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
        key = ".".join(loc) or "__all__"
        fields.setdefault(key, validation_text(item))
    return fields


def install(api) -> None:
    """Register the exception handlers on ``api``."""

    def respond(request, status, error, message, fields=None):
        return api.create_response(request, error_body(error, message, fields), status=status)

    @api.exception_handler(ApiError)
    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.error, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def on_validation(request, exc: ValidationError):
        fields = _validation_fields(exc.errors)
        return respond(request, 422, "validation_error", _("The request is not valid."), fields)

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc: DjangoValidationError):
        fields = (
            {k: "; ".join(v) for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {}
        )
        return respond(request, 422, "validation_error", "; ".join(exc.messages), fields)

    @api.exception_handler(AuthenticationError)
    def on_auth(request, exc):
        response = respond(request, 401, "unauthorized", _("Authentication is required."))
        # RFC 9110: a 401 names the scheme that would be accepted.
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        return respond(request, 403, "forbidden", str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        # get_object_or_404's text names the model; the reader gets the plain message.
        return respond(request, 404, "not_found", _("Not found."))

    from civicgrid.cases.services.errors import CaseError
    from civicgrid.common.refusals import refusal
    from civicgrid.core.coords import CoordinateError
    from civicgrid.core.timelimits import TimeLimitError
    from civicgrid.core.workflow import WorkflowError

    @api.exception_handler(CaseError)
    def on_case_error(request, exc: CaseError):
        message, fields = refusal(exc)
        return respond(request, exc.status, exc.code, message, fields)

    @api.exception_handler(WorkflowError)
    def on_workflow_error(request, exc: WorkflowError):
        # The same words the consoles show (``common.refusals``), by the error's code.
        message, fields = refusal(exc)
        status = WORKFLOW_STATUS.get(exc.code, 422)
        return respond(request, status, exc.code, message, fields)

    @api.exception_handler(CoordinateError)
    def on_coordinate_error(request, exc: CoordinateError):
        message, _fields = refusal(exc)
        return respond(request, 422, "bad_coordinates", message)

    @api.exception_handler(TimeLimitError)
    def on_time_limit_error(request, exc: TimeLimitError):
        message, _fields = refusal(exc)
        return respond(request, 422, "bad_time_limit", message)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        # Ninja's own texts ("Cannot parse request body") are English: say the status.
        code, message = status_error(exc.status_code)
        return respond(request, exc.status_code, code, message)

    @api.exception_handler(Throttled)
    def on_throttled(request, exc: Throttled):
        # Ninja adds the Retry-After header to this answer itself.
        seconds = math.ceil(exc.wait) if exc.wait else None
        return api.create_response(request, throttled_body(seconds), status=429)

    @api.exception_handler(Exception)
    def on_unexpected(request, exc: Exception):
        # Logged with the traceback for the operator; the client learns nothing internal.
        logger.exception("unhandled error in %s %s", request.method, request.path)
        code, message = status_error(500)
        return respond(request, 500, code, message)

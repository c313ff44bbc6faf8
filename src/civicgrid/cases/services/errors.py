"""Errors of the case services, each with the HTTP status that fits it."""


class CaseError(Exception):
    """A refused case operation: ``status``, machine ``code``, ``message``, ``fields``."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class CaseNotFound(CaseError):
    status = 404
    code = "not_found"


class CaseForbidden(CaseError):
    status = 403
    code = "forbidden"


class CaseConflict(CaseError):
    """The case changed (or is changing) under the caller: retry after reloading."""

    status = 409
    code = "conflict"


class CaseInvalid(CaseError):
    status = 422
    code = "invalid"

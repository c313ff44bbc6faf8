"""Complete the OpenAPI schema: every request body has a schema and says what it is.

Ninja documents the bodies it parses itself; a handler that reads the body by hand (a
report is JSON *or* multipart with photos) gets none, and no body gets a description.
:func:`document_request_bodies` adds both, so ``/api/v1/docs`` explains every POST.
"""

from copy import deepcopy

REF = "#/components/schemas/{model}"

# What each operation's body is, by handler name (the end of the operationId).
BODY_DESCRIPTIONS = {
    "create_token": "Username and password; the answer carries a bearer token.",
    "revoke": "Optional: the prefix of one of your tokens. Without a body the token "
    "presented with this request is revoked.",
    "locate_points": "Up to 10,000 points as [longitude, latitude] pairs in one "
    "coordinate system (crs).",
    "create_report": "The report as JSON, or the same fields as multipart/form-data with up "
    "to 9 files in `photos`. `idempotency_key` makes a retry return the first report.",
    "merge": "The case (id) the report repeats; the report's own case is voided if that "
    "was its only report.",
    "not_duplicate": "No fields: an empty body or an empty JSON object.",
    "upload_photos": "Up to 9 JPEG, PNG or WebP files in `photos`, to attach to a later "
    "transition (resolve, check).",
    "transition": "The action and its fields, e.g. "
    '{"action": "request_extension", "extension": "两天", "reason": "…"}. '
    "`version` is the case version you saw (optimistic lock).",
}


def _handler_name(operation_id: str) -> str:
    for name in sorted(BODY_DESCRIPTIONS, key=len, reverse=True):
        if operation_id.endswith("_" + name):
            return name
    return ""


def _report_body(schema: dict) -> dict:
    from civicgrid.cases.schemas import ReportIn

    report = ReportIn.model_json_schema(ref_template=REF)
    for name, definition in report.pop("$defs", {}).items():
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(name, definition)
    schema["components"]["schemas"].setdefault("ReportIn", report)
    multipart = deepcopy(report)
    multipart["properties"]["photos"] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "maxItems": 9,
        "description": "JPEG, PNG or WebP photos",
    }
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": REF.format(model="ReportIn")}},
            "multipart/form-data": {"schema": multipart},
        },
    }


EMPTY_BODY = {
    "required": False,
    "content": {"application/json": {"schema": {"type": "object", "maxProperties": 0}}},
}


def document_request_bodies(schema: dict) -> dict:
    """Give every POST, PUT and PATCH operation of ``schema`` a described request body."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            name = _handler_name(operation.get("operationId", ""))
            body = operation.get("requestBody")
            if body is None:
                body = _report_body(schema) if name == "create_report" else deepcopy(EMPTY_BODY)
                operation["requestBody"] = body
            body.setdefault("description", BODY_DESCRIPTIONS.get(name, ""))
    return schema

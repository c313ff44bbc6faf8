"""The API answers every request with JSON and a fitting status: keys, credentials, bounds, NULs."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from civicgrid.api.v1 import api as ninja_api
from civicgrid.cases.models import Case, CaseEvent, Report
from civicgrid.cases.tests.conftest import HOST, WEST, jpeg_bytes, upload
from civicgrid.cases.tests.test_api_walkthrough import error_of, new_case, to_filed
from civicgrid.org.models import ApiKey
from civicgrid.org.services import LoginFailed, issue_user_token
from civicgrid.testing.factories import bearer, issue_api_key

pytestmark = pytest.mark.django_db


def _operations() -> list[tuple[str, str, bool]]:
    """Return (method, path, needs credentials) of every operation in the OpenAPI schema."""
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1/")
    return sorted(
        (method.upper(), path, bool(operation.get("security")))
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    )


OPERATIONS = _operations()
# What an application key (no user) may do: enter reports and read reference data.
APP_KEY_ALLOWED = {
    ("POST", "/api/v1/auth/token"),
    ("GET", "/api/v1/places/locate"),
    ("POST", "/api/v1/places/locate"),
    ("GET", "/api/v1/categories"),
    ("GET", "/api/v1/departments"),
    ("POST", "/api/v1/reports"),
}
# Operations that act as a person: an application key gets 403.
USER_REQUIRED = {
    ("POST", "/api/v1/reports/{report_id}/merge"),
    ("POST", "/api/v1/reports/{report_id}/not-duplicate"),
    ("POST", "/api/v1/photos"),
    ("GET", "/api/v1/cases"),
    ("GET", "/api/v1/cases/{case_id}"),
    ("GET", "/api/v1/cases/{case_id}/events"),
    ("POST", "/api/v1/cases/{case_id}/transitions"),
    ("POST", "/api/v1/auth/token/revoke"),
    ("GET", "/api/v1/todo"),
}


def post_token(client, body: str | bytes):
    """POST ``body`` as raw JSON to the token endpoint, without credentials."""
    return client.post("/api/v1/auth/token", body, content_type="application/json", HTTP_HOST=HOST)


def _request(client, method, path, headers, ids):
    """Send a plausible request for the operation (so the handler itself is reached)."""
    url = path.format(**ids)
    if method == "GET":
        params = {"lon": WEST[0], "lat": WEST[1]} if path.endswith("/locate") else {}
        return client.get(url, params, headers=headers)
    if path.endswith("/photos"):
        return client.post(url, {"photos": [upload()]}, headers=headers)
    body = {
        "/api/v1/auth/token": {"username": "nobody", "password": "wrong"},
        "/api/v1/places/locate": {"points": [list(WEST)]},
        "/api/v1/reports": {
            "channel": "hotline", "lon": WEST[0], "lat": WEST[1], "description": "噪音",
        },
        "/api/v1/reports/{report_id}/merge": {"case": ids["case_id"]},
        "/api/v1/cases/{case_id}/transitions": {"action": "urge", "note": "催办"},
    }.get(path, {})  # fmt: skip
    return client.post(url, body, content_type="application/json", headers=headers)


def test_every_operation_is_classified_for_application_keys():
    """A new operation must be listed as open to application keys or as needing a person."""
    listed = APP_KEY_ALLOWED | USER_REQUIRED
    assert {(method, path) for method, path, _auth in OPERATIONS} == listed


@pytest.mark.parametrize(("method", "path", "_auth"), OPERATIONS)
def test_application_key_on_every_operation(api, city, clock, method, path, _auth):
    """An application key works where allowed and gets a JSON 403 elsewhere; never a 5xx."""
    case_id = new_case(api)
    report_id = Report.objects.get(case_id=case_id).pk
    _key, secret = issue_api_key(name="integration")
    client = Client(HTTP_HOST=HOST)
    response = _request(
        client, method, path, bearer(secret), {"case_id": case_id, "report_id": report_id}
    )
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    if (method, path) in USER_REQUIRED:
        body = error_of(response, 403, "user_required")
        assert "应用" in body["message"]  # Chinese first
    else:
        # The token endpoint answers wrong credentials with its own 401; no auth refusal.
        body = response.json()
        assert not isinstance(body, dict) or body.get("error") not in (
            "unauthorized", "forbidden", "user_required",
        )  # fmt: skip
        assert response.status_code in (200, 201, 401, 422), response.content


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, auth in OPERATIONS if auth and m == "POST"]
)
@pytest.mark.parametrize("credentials", [None, "cg_not-a-real-key"])
def test_writes_without_valid_credentials_get_401(city, clock, method, path, credentials):
    """No or a wrong bearer key on a write is 401 with WWW-Authenticate, not a CSRF 403."""
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    headers = bearer(credentials) if credentials else {}
    response = _request(client, method, path, headers, {"case_id": 1, "report_id": 1})
    error_of(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_logged_in_session_still_needs_its_csrf_token(city, clock):
    """The session path keeps CSRF: a browser session without the token is refused."""
    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    client.force_login(city.user("dispatcher"))
    response = client.post(
        "/api/v1/cases/1/transitions", {"action": "urge"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    "params",
    [
        {"page": "1000000000000000000000000000000"},
        {"page": "0"},
        {"page_size": "1000"},
        {"page_size": "99999999999999999999999"},
        {"bbox": "nan,nan,nan,nan"},
        {"bbox": "1e999,0,2e999,1"},
        {"bbox": "0,0,500,1"},
        {"state": "reported," * 100},
    ],
)
def test_absurd_list_parameters_are_422(api, city, clock, params):
    """Out-of-range numbers in the case list are validation errors, never a 500."""
    error_of(api("dispatcher").get("/cases", params), 422)


def test_a_version_beyond_any_case_is_422(api, city, clock):
    case_id = new_case(api)
    error_of(api("leader").act(case_id, "urge", version=10**30), 422, "validation_error")


# --------------------------------------------------------------------------- JSON everywhere


def test_unknown_api_url_is_a_json_404(city, client):
    response = client.get("/api/v1/no-such-thing", HTTP_HOST=HOST)
    error_of(response, 404, "not_found")


def test_wrong_method_is_a_json_405(api, city):
    response = api("dispatcher").client.delete("/api/v1/cases", headers=api("dispatcher").headers)
    error_of(response, 405, "method_not_allowed")


def test_an_unexpected_error_is_a_logged_json_500(api, city, clock, monkeypatch, caplog):
    """A crash inside a handler is logged with its traceback and answered in JSON."""

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("civicgrid.cases.api.filter_cases", explode)
    response = api("dispatcher").get("/cases")
    body = error_of(response, 500, "server_error")
    assert "boom" not in body["message"]
    assert any("boom" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_body_over_the_memory_limit_is_json(city, client, settings):
    """Django's own refusal of an oversized body (before the API runs) is JSON too."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = post_token(client, json.dumps({"username": "x" * 200, "password": "y"}))
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"error", "message", "fields"}


# --------------------------------------------------------------------------- NUL characters


def test_nul_in_a_token_username_is_400_and_issues_nothing(city, client):
    """No login is needed to send this, so it must not reach the database."""
    response = post_token(client, '{"username": "admin\\u0000", "password": "x"}')
    body = error_of(response, 400, "nul_character")
    assert "NUL" in body["message"]
    assert not ApiKey.objects.exists()


def test_raw_nul_byte_in_a_json_body_is_400(city, client):
    response = post_token(client, b'{"username": "admin\x00", "password": "x"}')
    error_of(response, 400, "nul_character")


def test_an_escaped_backslash_u0000_is_ordinary_text(city, client):
    """``\\\\u0000`` in JSON is a backslash and five characters, not a NUL: a normal 401."""
    response = post_token(client, '{"username": "a\\\\u0000", "password": "x"}')
    error_of(response, 401, "invalid_credentials")


def test_nul_in_a_report_description_is_400_and_stores_nothing(api, city, clock):
    inspector = api("inspector")
    payload = {"channel": "inspector", "lon": WEST[0], "lat": WEST[1], "description": "井盖\x00"}
    error_of(inspector.post("/reports", payload), 400, "nul_character")
    multipart = inspector.report(*WEST, description="井盖\x00破损", photos=[upload(jpeg_bytes())])
    error_of(multipart, 400, "nul_character")
    assert not Report.objects.exists() and not Case.objects.exists()


def test_nul_in_a_list_filter_is_400(api, city, clock):
    error_of(api("dispatcher").get("/cases", {"code": "2026\x00"}), 400, "nul_character")


def test_nul_in_a_path_is_400(api, city, clock):
    error_of(api("dispatcher").get("/cases/1%00"), 400, "nul_character")


def test_nul_in_a_transition_note_is_400_and_changes_nothing(api, city, condition, clock):
    case_id = new_case(api)
    to_filed(api, case_id, condition)
    before = CaseEvent.objects.count()
    error_of(api("leader").act(case_id, "urge", note="快\x00"), 400, "nul_character")
    assert CaseEvent.objects.count() == before


def test_token_service_refuses_nul_without_a_query(city, django_assert_num_queries):
    """The service refuses a NUL username on its own, before asking the database."""
    with django_assert_num_queries(0), pytest.raises(LoginFailed):
        issue_user_token(None, "admin\x00", "x")

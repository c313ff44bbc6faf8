"""Bearer tokens, API keys and the ``apikey`` command."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civicgrid.org.models import ApiKey
from civicgrid.org.models.apikeys import hash_secret
from civicgrid.testing.factories import (
    DEFAULT_PASSWORD,
    DepartmentFactory,
    UserFactory,
    bearer,
    issue_api_key,
)

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
DEPARTMENTS_URL = "/api/v1/departments"


def post_token(client, body):
    return client.post(TOKEN_URL, body, content_type="application/json")


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": "unauthorized",
        "message": "需要身份认证：请提供有效的令牌（Authorization: Bearer …）。",
        "fields": {},
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


# -- POST /auth/token ------------------------------------------------------------


def test_good_credentials_give_a_token_that_works_as_bearer(client, staff_user):
    """Good credentials answer 201 with a token; the token authenticates API calls."""
    response = post_token(client, {"username": "dispatcher", "password": DEFAULT_PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("cg_")
    assert body["token_type"] == "Bearer"
    assert body["username"] == "dispatcher"
    assert body["roles"] == ["dispatcher"]
    key = ApiKey.objects.get(user=staff_user)
    assert key.key_hash == hash_secret(body["token"])
    assert body["token"] not in (key.key_hash, key.name)
    # Tokens expire after API_TOKEN_DAYS (30 by default).
    remaining = key.expires_at - timezone.now()
    assert timedelta(days=29) < remaining <= timedelta(days=30)
    DepartmentFactory(code="SZGY")
    listed = client.get(DEPARTMENTS_URL, headers=bearer(body["token"]))
    assert listed.status_code == 200
    assert [d["code"] for d in listed.json()] == ["SZGY"]
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_roles_are_listed_sorted(client):
    """A user with several roles gets them all, sorted."""
    UserFactory(username="lead", roles=["shift_lead", "dispatcher"])
    body = post_token(client, {"username": "lead", "password": DEFAULT_PASSWORD}).json()
    assert body["roles"] == ["dispatcher", "shift_lead"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("dispatcher", "wrong-password"), ("nobody", DEFAULT_PASSWORD)],
)
def test_bad_credentials_are_401_json(client, staff_user, username, password):
    """A wrong password or an unknown user answers 401 with a JSON error and issues nothing."""
    response = post_token(client, {"username": username, "password": password})
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_credentials"
    assert body["message"] == "用户名不存在或密码错误。"
    assert not ApiKey.objects.exists()


def test_an_inactive_user_gets_no_token(client):
    """A deactivated user cannot log in through the API."""
    UserFactory(username="gone", is_active=False)
    response = post_token(client, {"username": "gone", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"username": "dispatcher"}, "password"),
        ({"password": "x"}, "username"),
        ({"username": "", "password": "x"}, "username"),
        ({}, "username"),
    ],
)
def test_missing_fields_are_422(client, body, missing):
    """Missing or empty credentials answer 422 naming the field."""
    response = post_token(client, body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "validation_error"
    assert any(key.endswith(missing) for key in payload["fields"])


# -- bearer keys -----------------------------------------------------------------


def test_departments_need_authentication(client, db):
    """Without credentials the department list answers 401 JSON."""
    assert_unauthorized(client.get(DEPARTMENTS_URL))


@pytest.mark.parametrize("header", ["Bearer cg_not-a-real-key", "Bearer ", "Token abc", "cg_abc"])
def test_unknown_or_malformed_bearer_is_refused(client, db, header):
    """An unknown key or a malformed Authorization header answers 401."""
    assert_unauthorized(client.get(DEPARTMENTS_URL, headers={"Authorization": header}))


def test_revoked_key_is_refused(client, db):
    """A revoked key no longer authenticates."""
    key, secret = issue_api_key()
    assert client.get(DEPARTMENTS_URL, headers=bearer(secret)).status_code == 200
    key.revoked = True
    key.save()
    assert_unauthorized(client.get(DEPARTMENTS_URL, headers=bearer(secret)))


def test_expired_token_is_refused(client, staff_user):
    """A token past its expiry no longer authenticates."""
    _key, secret = issue_api_key(user=staff_user, expires_at=timezone.now() - timedelta(seconds=1))
    assert_unauthorized(client.get(DEPARTMENTS_URL, headers=bearer(secret)))


def test_token_of_a_deactivated_user_is_refused(client, staff_user, staff_headers):
    """Deactivating a user stops their tokens at once."""
    assert client.get(DEPARTMENTS_URL, headers=staff_headers).status_code == 200
    staff_user.is_active = False
    staff_user.save()
    assert_unauthorized(client.get(DEPARTMENTS_URL, headers=staff_headers))


def test_browser_session_authenticates(client, staff_user):
    """A logged-in browser session may read the API too."""
    client.force_login(staff_user)
    assert client.get(DEPARTMENTS_URL).status_code == 200


# -- civicgrid apikey --------------------------------------------------------------


def test_apikey_create_prints_the_key_last_and_it_authenticates(client, db):
    """``apikey create NAME`` prints the secret as its last line; the key authenticates."""
    out = io.StringIO()
    call_command("apikey", "create", "Open311 客户端", stdout=out)
    lines = out.getvalue().strip().splitlines()
    secret = lines[-1].strip()
    key = ApiKey.objects.get()
    assert (key.name, key.user) == ("Open311 客户端", None)
    assert key.prefix == secret[:10]
    assert f"prefix {key.prefix}" in lines[0]
    assert client.get(DEPARTMENTS_URL, headers=bearer(secret)).status_code == 200


def test_apikey_list_and_revoke(client, db):
    """``apikey list`` shows application keys only; ``apikey revoke PREFIX`` revokes."""
    key, secret = issue_api_key(name="integration")
    issue_api_key(name="user token", user=UserFactory())
    out = io.StringIO()
    call_command("apikey", "list", stdout=out)
    listing = out.getvalue()
    assert "integration" in listing and "active" in listing
    assert "user token" not in listing
    assert secret not in listing
    out = io.StringIO()
    call_command("apikey", "revoke", key.prefix, stdout=out)
    assert "revoked 1 key(s)" in out.getvalue()
    assert_unauthorized(client.get(DEPARTMENTS_URL, headers=bearer(secret)))
    out = io.StringIO()
    call_command("apikey", "list", stdout=out)
    assert "revoked" in out.getvalue()


def test_apikey_errors(db):
    """An unknown prefix or an empty name is a command error."""
    with pytest.raises(CommandError, match="no key with prefix"):
        call_command("apikey", "revoke", "cg_nothing")
    with pytest.raises(CommandError, match="NAME must be 1 to 100 characters"):
        call_command("apikey", "create", "   ")
    with pytest.raises(CommandError):
        call_command("apikey")


def test_a_user_with_the_longest_username_gets_a_token(client):
    """A username of the maximum length (150) still gets a token (the key name is capped)."""
    UserFactory(username="u" * 150)
    response = post_token(client, {"username": "u" * 150, "password": DEFAULT_PASSWORD})
    assert response.status_code == 201
    assert len(ApiKey.objects.get().name) <= 100

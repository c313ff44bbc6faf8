"""Login lockout (django-axes) on the web login, the admin login and POST /auth/token."""

import pytest
from django.conf import settings
from django.test import override_settings

from civicgrid.org.models import ApiKey
from civicgrid.testing.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_limit")]

LIMIT = 3
WEB_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def small_limit():
    with override_settings(AXES_FAILURE_LIMIT=LIMIT):
        yield


@pytest.fixture
def operator():
    return UserFactory(username="operator", roles=["operator"])


@pytest.fixture
def admin_user():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def login(client, url, username, password, **meta):
    return client.post(url, {"username": username, "password": password}, **meta)


def assert_locked_page(response):
    """Check the lockout page: 429, Chinese text, Retry-After of the cool-off."""
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) == 15 * 60
    text = response.content.decode()
    assert "登录已锁定" in text
    assert "登录失败次数过多" in text


@pytest.mark.parametrize("url", [WEB_LOGIN, ADMIN_LOGIN])
def test_repeated_failures_lock_the_login(client, operator, admin_user, url):
    """After N wrong passwords even the right one is refused, with the 429 lockout page."""
    username = "root" if url == ADMIN_LOGIN else "operator"
    for _ in range(LIMIT - 1):
        response = login(client, url, username, "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    assert_locked_page(login(client, url, username, "wrong-password"))
    assert_locked_page(login(client, url, username, DEFAULT_PASSWORD))
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_for_one_username_from_one_address(client, operator):
    """Another address, or another username from the same address, may still log in."""
    UserFactory(username="dispatcher", roles=["dispatcher"])
    for _ in range(LIMIT):
        login(client, WEB_LOGIN, "operator", "wrong-password")
    assert_locked_page(login(client, WEB_LOGIN, "operator", DEFAULT_PASSWORD))
    other_address = login(client, WEB_LOGIN, "operator", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert other_address.status_code == 302
    client.logout()
    other_user = login(client, WEB_LOGIN, "dispatcher", DEFAULT_PASSWORD)
    assert other_user.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, operator):
    """Typos followed by the right password do not add up to a lockout later."""
    for _ in range(LIMIT - 1):
        login(client, WEB_LOGIN, "operator", "wrong-password")
    assert login(client, WEB_LOGIN, "operator", DEFAULT_PASSWORD).status_code == 302
    client.logout()
    for _ in range(LIMIT - 1):
        assert login(client, WEB_LOGIN, "operator", "wrong-password").status_code == 200
    assert login(client, WEB_LOGIN, "operator", DEFAULT_PASSWORD).status_code == 302


def test_token_failures_lock_the_token_endpoint_with_json(client, operator):
    """POST /auth/token counts wrong passwords too and answers the lockout as JSON 429."""
    bad = {"username": "operator", "password": "wrong-password"}
    for _ in range(LIMIT - 1):
        response = client.post(TOKEN_URL, bad, content_type="application/json")
        assert response.status_code == 401
    response = client.post(TOKEN_URL, bad, content_type="application/json")
    good = client.post(
        TOKEN_URL,
        {"username": "operator", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    for refused in (response, good):
        assert refused.status_code == 429
        assert refused["Content-Type"].startswith("application/json")
        assert int(refused["Retry-After"]) == 15 * 60
        body = refused.json()
        assert body["error"] == "locked_out"
        assert "登录失败次数过多" in body["message"]
        assert body["fields"] == {}
    assert not ApiKey.objects.exists()


def test_failures_on_the_web_also_lock_the_api(client, operator):
    """One count for one username and address, whichever door the attempts used."""
    for _ in range(LIMIT):
        login(client, WEB_LOGIN, "operator", "wrong-password")
    response = client.post(
        TOKEN_URL,
        {"username": "operator", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429


def test_one_address_trying_many_usernames_is_limited(client, operator):
    """Past the per-address rate, login posts are refused whatever the username."""
    civicgrid = dict(settings.CIVICGRID)
    civicgrid["RATES"] = {**civicgrid.get("RATES", {}), "login_ip": "2/m"}
    with override_settings(CIVICGRID=civicgrid):
        for name in ("alice", "bob"):
            assert login(client, WEB_LOGIN, name, "guess").status_code == 200
        for url in (WEB_LOGIN, ADMIN_LOGIN):
            response = login(client, url, "operator", DEFAULT_PASSWORD)
            assert response.status_code == 429
            assert 1 <= int(response["Retry-After"]) <= 60
            assert "登录尝试过于频繁" in response.content.decode()
        assert client.get(WEB_LOGIN).status_code == 200  # the form itself is still shown
        other = login(client, WEB_LOGIN, "operator", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.3")
        assert other.status_code == 302

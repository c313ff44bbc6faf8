"""Rate limits of the API: per address, per key or user, and per username asked for."""

import pytest
from django.conf import settings
from django.test import override_settings

from civicgrid.testing.factories import DEFAULT_PASSWORD, UserFactory, bearer, issue_api_key

pytestmark = pytest.mark.django_db

LOCATE_URL = "/api/v1/places/locate"
REPORTS_URL = "/api/v1/reports"
PHOTOS_URL = "/api/v1/photos"
TOKEN_URL = "/api/v1/auth/token"


def rates(**changed):
    """Return settings with the given rates, everything else as configured."""
    civicgrid = dict(settings.CIVICGRID)
    civicgrid["RATES"] = {**civicgrid.get("RATES", {}), **changed}
    return override_settings(CIVICGRID=civicgrid)


def trusting(*proxies):
    civicgrid = dict(settings.CIVICGRID)
    civicgrid["TRUSTED_PROXIES"] = list(proxies)
    return override_settings(CIVICGRID=civicgrid)


def locate(client, **meta):
    return client.get(LOCATE_URL, {"lon": "119.6", "lat": "39.93"}, **meta)


def assert_throttled(response):
    """Check the 429: JSON in the house format, Chinese message, Retry-After in seconds."""
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "throttled"
    assert body["fields"] == {}
    assert "请求过于频繁" in body["message"]
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert body["retry_after"] == wait


def test_locate_is_limited_per_address(client):
    """Past the rate one address gets 429 JSON; another address is still answered."""
    with rates(locate_ip="2/m"):
        assert locate(client).status_code != 429
        assert locate(client).status_code != 429
        assert_throttled(locate(client))
        assert locate(client, REMOTE_ADDR="10.1.2.3").status_code != 429
        batch = client.post(
            LOCATE_URL, {"points": [[119.6, 39.93]]}, content_type="application/json"
        )
        assert_throttled(batch)


def test_a_forged_forwarded_for_does_not_escape_the_limit(client):
    """Without trusted proxies X-Forwarded-For is ignored: changing it changes nothing."""
    with rates(locate_ip="1/m"):
        assert locate(client, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code != 429
        assert_throttled(locate(client, HTTP_X_FORWARDED_FOR="203.0.113.2"))


def test_behind_a_trusted_proxy_each_client_is_counted(client):
    """With the proxy trusted, the forwarded client address is what is counted."""
    with rates(locate_ip="1/m"), trusting("127.0.0.1"):
        assert locate(client, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code != 429
        assert locate(client, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code != 429
        assert_throttled(locate(client, HTTP_X_FORWARDED_FOR="203.0.113.1"))


def test_reports_are_limited_per_key_across_addresses(client):
    """One key past its rate is refused from any address; another key is not."""
    _key, secret = issue_api_key(name="open311")
    _other, other_secret = issue_api_key(name="wechat")
    with rates(reports_user="1/m"):
        first = client.post(
            REPORTS_URL, {}, content_type="application/json", headers=bearer(secret)
        )
        assert first.status_code != 429
        again = client.post(
            REPORTS_URL,
            {},
            content_type="application/json",
            headers=bearer(secret),
            REMOTE_ADDR="10.9.9.9",
        )
        assert_throttled(again)
        other = client.post(
            REPORTS_URL, {}, content_type="application/json", headers=bearer(other_secret)
        )
        assert other.status_code != 429


def test_reports_are_limited_per_address_across_keys(client):
    """Many keys from one address share that address's limit."""
    with rates(reports_ip="1/m"):
        for number, expect_throttled in ((1, False), (2, True)):
            _key, secret = issue_api_key(name=f"client {number}")
            response = client.post(
                REPORTS_URL, {}, content_type="application/json", headers=bearer(secret)
            )
            assert (response.status_code == 429) is expect_throttled


def test_photo_uploads_are_limited_per_user(client):
    """A user uploading past the rate gets 429 JSON before any file is read."""
    user = UserFactory(roles=["handler"])
    _key, secret = issue_api_key(user=user)
    with rates(photos_user="1/m"):
        assert client.post(PHOTOS_URL, {}, headers=bearer(secret)).status_code != 429
        assert_throttled(client.post(PHOTOS_URL, {}, headers=bearer(secret)))


def test_unauthenticated_requests_are_refused_before_they_count(client):
    """A request without credentials answers 401 and uses none of the callers' allowance."""
    with rates(reports_user="1/m", reports_ip="1/m"):
        for _ in range(3):
            response = client.post(REPORTS_URL, {}, content_type="application/json")
            assert response.status_code == 401


def test_token_requests_are_limited_per_address(client):
    """Even good credentials are refused past the address's rate of token requests."""
    UserFactory(username="inspector")
    good = {"username": "inspector", "password": DEFAULT_PASSWORD}
    with rates(token_ip="2/m"):
        for _ in range(2):
            assert client.post(TOKEN_URL, good, content_type="application/json").status_code == 201
        assert_throttled(client.post(TOKEN_URL, good, content_type="application/json"))


def test_token_requests_are_limited_per_username(client):
    """Asking for one username from many addresses is limited too."""
    UserFactory(username="inspector")
    good = {"username": "inspector", "password": DEFAULT_PASSWORD}
    with rates(token_username="1/m"):
        assert client.post(TOKEN_URL, good, content_type="application/json").status_code == 201
        response = client.post(
            TOKEN_URL, good, content_type="application/json", REMOTE_ADDR="10.0.0.8"
        )
        assert_throttled(response)


def test_a_rate_of_off_limits_nothing(client):
    """``off`` turns a limit off."""
    with rates(locate_ip="off"):
        for _ in range(5):
            assert locate(client).status_code != 429


def test_the_english_message_for_english_readers(client):
    """The refusal is in the reader's language."""
    with rates(locate_ip="1/m"):
        locate(client)
        response = locate(client, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response.json()["message"].startswith("Too many requests.")

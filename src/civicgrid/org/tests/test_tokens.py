"""Token life cycle: revocation by the holder, the per-user cap, and the purge."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from civicgrid.org.models import ApiKey
from civicgrid.org.services import purge_expired_tokens
from civicgrid.org.tasks import purge_tokens
from civicgrid.testing.factories import DEFAULT_PASSWORD, UserFactory, bearer, issue_api_key

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
REVOKE_URL = "/api/v1/auth/token/revoke"
DEPARTMENTS_URL = "/api/v1/departments"


def new_token(client, username="operator"):
    response = client.post(
        TOKEN_URL,
        {"username": username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 201
    return response.json()["token"]


def works(client, secret) -> bool:
    return client.get(DEPARTMENTS_URL, headers=bearer(secret)).status_code == 200


def revoke(client, body, **extra):
    return client.post(REVOKE_URL, body, content_type="application/json", **extra)


def cap(number):
    civicgrid = dict(settings.CIVICGRID)
    civicgrid["API_TOKEN_MAX_PER_USER"] = number
    return override_settings(CIVICGRID=civicgrid)


@pytest.fixture
def operator():
    return UserFactory(username="operator", roles=["operator"])


# -- POST /auth/token/revoke ----------------------------------------------------------


def test_a_token_revokes_itself(client, operator):
    """Posting with a token and no prefix revokes that token; it stops working at once."""
    secret = new_token(client)
    assert works(client, secret)
    response = revoke(client, {}, headers=bearer(secret))
    assert response.status_code == 200
    assert response.json() == {"revoked": 1}
    assert not works(client, secret)
    assert revoke(client, {}, headers=bearer(secret)).status_code == 401


def test_an_empty_body_revokes_the_presented_token(client, operator):
    """``POST`` with no body at all (``curl -X POST``) is the same as ``{}``."""
    secret = new_token(client)
    response = client.post(REVOKE_URL, "", content_type="application/json", headers=bearer(secret))
    assert response.json() == {"revoked": 1}
    assert not works(client, secret)


def test_a_user_revokes_another_of_their_tokens_by_prefix(client, operator):
    """With ``prefix`` a user revokes one of their other tokens and keeps the one in use."""
    lost = new_token(client)
    current = new_token(client)
    response = revoke(client, {"prefix": lost[:10]}, headers=bearer(current))
    assert response.json() == {"revoked": 1}
    assert not works(client, lost)
    assert works(client, current)


def test_nobody_revokes_someone_elses_token(client, operator):
    """Another user's prefix is answered 404, and their token keeps working."""
    UserFactory(username="intruder", roles=["operator"])
    victim = new_token(client)
    intruder = new_token(client, "intruder")
    response = revoke(client, {"prefix": victim[:10]}, headers=bearer(intruder))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert works(client, victim)


def test_a_browser_session_must_name_the_prefix(client, operator):
    """A session presents no token, so revoking needs a prefix (422 without one)."""
    client.force_login(operator)
    response = revoke(client, {})
    assert response.status_code == 422
    assert "prefix" in response.json()["fields"]
    secret = new_token(client)
    assert revoke(client, {"prefix": secret[:10]}).json() == {"revoked": 1}
    client.logout()
    assert not works(client, secret)


def test_revoking_needs_authentication(client, db):
    """Without credentials the revoke endpoint answers 401."""
    assert revoke(client, {"prefix": "cg_abcdefg"}).status_code == 401


# -- the cap ------------------------------------------------------------------------


def test_a_new_token_past_the_cap_revokes_the_oldest(client, operator):
    """With a cap of 3, a fourth login revokes the first token and keeps the newest three."""
    with cap(3):
        secrets = [new_token(client) for _ in range(4)]
    assert not works(client, secrets[0])
    assert all(works(client, secret) for secret in secrets[1:])
    assert ApiKey.objects.usable().filter(user=operator).count() == 3


def test_the_cap_counts_one_user_only(client, operator):
    """Another user's tokens neither count towards nor suffer from the cap."""
    UserFactory(username="dispatcher", roles=["dispatcher"])
    with cap(2):
        theirs = new_token(client, "dispatcher")
        for _ in range(3):
            new_token(client)
    assert works(client, theirs)


def test_a_cap_of_zero_means_no_cap(client, operator):
    """``0`` turns the cap off."""
    with cap(0):
        secrets = [new_token(client) for _ in range(3)]
    assert all(works(client, secret) for secret in secrets)


# -- purge --------------------------------------------------------------------------


@pytest.fixture
def aged_keys(operator):
    now = timezone.now()
    return {
        "long_expired": issue_api_key(user=operator, expires_at=now - timedelta(days=10))[0],
        "just_expired": issue_api_key(user=operator, expires_at=now - timedelta(hours=1))[0],
        "live": issue_api_key(user=operator, expires_at=now + timedelta(days=1))[0],
        "application": issue_api_key(name="open311")[0],
    }


def remaining(aged_keys):
    present = set(ApiKey.objects.values_list("pk", flat=True))
    return {name for name, key in aged_keys.items() if key.pk in present}


def test_purge_deletes_tokens_expired_longer_than_the_grace(aged_keys):
    """Tokens past expiry plus grace go; recent, live and application keys stay."""
    assert purge_expired_tokens(timedelta(days=7)) == 1
    assert remaining(aged_keys) == {"just_expired", "live", "application"}


def test_purge_command_with_no_grace(aged_keys):
    """``apikey purge --grace-days 0`` deletes every expired token and says how many."""
    ApiKey.objects.filter(pk=aged_keys["application"].pk).update(revoked=True)
    out = io.StringIO()
    call_command("apikey", "purge", "--grace-days", "0", stdout=out)
    assert "deleted 2 expired token(s)" in out.getvalue()
    assert remaining(aged_keys) == {"live", "application"}
    with pytest.raises(CommandError):
        call_command("apikey", "purge", "--grace-days", "-1")


def test_the_purge_task_uses_a_week_of_grace(aged_keys):
    """The daily task deletes what expired over a week ago."""
    assert purge_tokens.call(reschedule=False) == 1
    assert remaining(aged_keys) == {"just_expired", "live", "application"}

"""The short-lived cache of bearer-key look-ups."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from civicgrid.org import keycache
from civicgrid.org.models import ApiKey
from civicgrid.testing.factories import UserFactory, issue_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    keycache.clear()
    yield
    keycache.clear()


@pytest.fixture
def token():
    user = UserFactory(roles=["dispatcher"])
    return issue_api_key(user=user)


def test_a_repeated_lookup_costs_no_query(token, django_assert_num_queries):
    """The second request with one key reads neither the key nor the user's roles."""
    _key, secret = token
    first = keycache.find_key(secret)
    assert first.user.roles == frozenset({"dispatcher"})
    with django_assert_num_queries(0):
        again = keycache.find_key(secret)
        assert again.user.roles == frozenset({"dispatcher"})
    assert again is not first and again.user is not first.user


def test_revoking_through_the_orm_takes_effect_at_once(token):
    """Saving a key (as ``apikey revoke`` and the admin do) drops the cache."""
    key, secret = token
    assert keycache.find_key(secret) is not None
    key.revoked = True
    key.save()
    assert keycache.find_key(secret) is None


def test_a_bulk_revocation_takes_effect_after_the_cache_time(token, monkeypatch):
    """A change no signal reports (another process) shows within AUTH_CACHE_SECONDS."""
    key, secret = token
    assert keycache.find_key(secret) is not None
    ApiKey.objects.filter(pk=key.pk).update(revoked=True)
    assert keycache.find_key(secret) is not None  # still cached
    later = keycache.time.monotonic() + 11
    monkeypatch.setattr(keycache.time, "monotonic", lambda: later)
    assert keycache.find_key(secret) is None


def test_an_expired_key_is_refused_even_when_cached(token):
    """A token's own expiry is checked on every hit."""
    key, secret = token
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(seconds=1))
    assert keycache.find_key(secret) is not None
    cached = keycache._entries[next(iter(keycache._entries))][1]
    cached.expires_at = timezone.now() - timedelta(seconds=1)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=cached.expires_at)
    assert keycache.find_key(secret) is None


def test_group_changes_drop_the_cache(token):
    """Taking a role away applies to the next request."""
    key, secret = token
    assert keycache.find_key(secret).user.roles == frozenset({"dispatcher"})
    key.user.groups.clear()
    assert keycache.find_key(secret).user.roles == frozenset()


@override_settings(CIVICGRID={"AUTH_CACHE_SECONDS": 0})
def test_zero_turns_the_cache_off(token, django_assert_num_queries):
    """With the cache off every look-up reads the database."""
    _key, secret = token
    keycache.find_key(secret)
    with django_assert_num_queries(1):
        keycache.find_key(secret)

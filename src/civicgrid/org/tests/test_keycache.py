"""The short-lived cache of bearer-key look-ups, shared through Django's cache."""

import importlib.util
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from civicgrid.org import keycache
from civicgrid.org.models import ApiKey
from civicgrid.org.services import revoke_keys
from civicgrid.testing.factories import UserFactory, issue_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def token():
    user = UserFactory(roles=["dispatcher"])
    return issue_api_key(user=user)


def other_process():
    """Return a second, independent copy of the keycache module, as another worker has.

    Its module state is its own; only what goes through Django's cache (one
    Redis for all workers in production) is shared with this "process".
    """
    spec = importlib.util.find_spec("civicgrid.org.keycache")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_repeated_lookup_costs_no_query(token, django_assert_num_queries):
    """The second request with one key reads neither the key nor the user's roles."""
    _key, secret = token
    first = keycache.find_key(secret)
    assert first.user.roles == frozenset({"dispatcher"})
    with django_assert_num_queries(0):
        again = keycache.find_key(secret)
        assert again.user.roles == frozenset({"dispatcher"})
    assert again is not first and again.user is not first.user


def test_another_process_reuses_the_shared_lookup(token, django_assert_num_queries):
    """A look-up made by one worker answers another worker's request without a query."""
    _key, secret = token
    assert keycache.find_key(secret) is not None
    worker = other_process()
    with django_assert_num_queries(0):
        assert worker.find_key(secret).user.roles == frozenset({"dispatcher"})


def test_a_revocation_applies_at_once_in_another_process(token):
    """A worker that cached a key refuses it as soon as any worker revokes it."""
    key, secret = token
    worker = other_process()
    assert worker.find_key(secret) is not None  # cached by the other worker
    revoke_keys(ApiKey.objects.filter(pk=key.pk))  # this worker revokes
    assert worker.find_key(secret) is None


def test_a_saved_revocation_applies_at_once_in_another_process(token):
    """Saving a key (as the admin does) drops the look-ups of every process."""
    key, secret = token
    worker = other_process()
    assert worker.find_key(secret) is not None
    key.revoked = True
    key.save()
    assert worker.find_key(secret) is None
    assert keycache.find_key(secret) is None


def test_a_change_behind_the_orm_applies_after_the_cache_time(token, monkeypatch):
    """A change nobody reports (raw SQL, a bulk update) shows within AUTH_CACHE_SECONDS."""
    key, secret = token
    assert keycache.find_key(secret) is not None
    ApiKey.objects.filter(pk=key.pk).update(revoked=True)
    assert keycache.find_key(secret) is not None  # still cached
    later = keycache.time.time() + 11
    monkeypatch.setattr(keycache.time, "time", lambda: later)
    assert keycache.find_key(secret) is None


def test_a_lost_generation_never_revives_old_entries(token):
    """When the cache loses the generation (eviction), cached entries are not trusted."""
    key, secret = token
    assert keycache.find_key(secret) is not None
    ApiKey.objects.filter(pk=key.pk).update(revoked=True)
    cache.delete(keycache.GENERATION_KEY)
    assert keycache.find_key(secret) is None


def test_an_expired_key_is_refused_even_when_cached(token, monkeypatch):
    """A token's own expiry is checked on every hit."""
    key, secret = token
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    assert keycache.find_key(secret) is not None
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(keycache.timezone, "now", lambda: later)
    assert keycache.find_key(secret) is None


def test_group_changes_drop_the_cache(token):
    """Taking a role away applies to the next request."""
    key, secret = token
    assert keycache.find_key(secret).user.roles == frozenset({"dispatcher"})
    key.user.groups.clear()
    assert keycache.find_key(secret).user.roles == frozenset()


def test_a_deactivated_user_is_seen_at_once(token):
    """Deactivating a user drops every cached look-up of their keys."""
    key, secret = token
    assert keycache.find_key(secret).user.is_active
    key.user.is_active = False
    key.user.save()
    assert keycache.find_key(secret).user.is_active is False


@override_settings(CIVICGRID={"AUTH_CACHE_SECONDS": 0})
def test_zero_turns_the_cache_off(token, django_assert_num_queries):
    """With the cache off every look-up reads the database."""
    _key, secret = token
    keycache.find_key(secret)
    with django_assert_num_queries(1):
        keycache.find_key(secret)

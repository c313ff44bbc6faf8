"""A short-lived cache of bearer-key look-ups, shared through Django's cache.

Every API request authenticates; looking the key and the user's roles up
each time costs two queries per request. Hits are kept in the Django cache
(``CIVICGRID_CACHE_URL``: Redis shares them between processes) for
``CIVICGRID["AUTH_CACHE_SECONDS"]`` (10 s by default; 0 turns it off).

Each entry carries the *generation* it was read under, and a hit counts only
while the generation is still the current one. Revoking a key, deactivating a
user or changing groups calls :func:`invalidate`, which starts a new
generation: with a shared cache every process stops trusting its entries at
once; with the per-process default cache the other processes do within
``AUTH_CACHE_SECONDS``. The generation is read *before* the database, so a
look-up racing a revocation stores its (old) answer under the old generation,
where nobody will trust it. Changes made behind the ORM's back (SQL, a bulk
``update`` without :func:`invalidate`) also apply within that time.
"""

import math
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from civicgrid.org.models import ApiKey
from civicgrid.org.models.apikeys import hash_secret

GENERATION_KEY = "org:keycache:generation"


def _entry_key(digest: str) -> str:
    return f"org:keycache:key:{digest}"


def invalidate() -> None:
    """Make every cached look-up stale, in every process that shares the cache."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def invalidate_on_commit() -> None:
    """Invalidate now (for this transaction) and again once the change is committed.

    The second time matters: a process that read the old row between the
    first invalidation and the commit must not have its answer trusted.
    """
    invalidate()
    transaction.on_commit(invalidate)


def _current_generation(found: dict) -> str:
    generation = found.get(GENERATION_KEY)
    if generation is None:
        # A fresh random value (never 0): entries of a generation the cache
        # lost (evicted, restarted) can never match it again.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _with_roles(key: ApiKey, roles: frozenset) -> ApiKey:
    if key.user_id is not None:
        key.user._roles_cache = roles
    return key


def find_key(secret: str) -> ApiKey | None:
    """Return the usable key for ``secret`` (with its user and roles), or None."""
    ttl = settings.CIVICGRID.get("AUTH_CACHE_SECONDS", 0)
    if not secret:
        return None
    if ttl <= 0:
        return ApiKey.find(secret)
    entry_key = _entry_key(hash_secret(secret))
    found = cache.get_many([GENERATION_KEY, entry_key])
    generation = _current_generation(found)
    entry = found.get(entry_key)
    now = time.time()
    if entry is not None and entry["generation"] == generation and entry["until"] > now:
        key = entry["key"]
        if key.expires_at is None or key.expires_at > timezone.now():
            # Every cache read unpickles a new object: no request sees another's.
            return _with_roles(key, entry["roles"])
    key = ApiKey.find(secret)
    if key is None:
        cache.delete(entry_key)
        return None
    roles = key.user.roles if key.user_id is not None else frozenset()
    entry = {"generation": generation, "until": now + ttl, "key": key, "roles": roles}
    cache.set(entry_key, entry, math.ceil(ttl))
    return _with_roles(key, roles)


def note_use(key: ApiKey, at) -> None:
    """Drop the key's entry after its last use was written, so the next read sees it.

    Deleting (rather than rewriting) the entry can never bring back a key that
    another process revoked meanwhile.
    """
    cache.delete(_entry_key(key.key_hash))

"""A short-lived per-process cache of bearer-key look-ups.

Every API request authenticates; looking the key and the user's roles up
each time costs two queries per request. Hits are kept for
``CIVICGRID["AUTH_CACHE_SECONDS"]`` (10 s by default; 0 turns it off).
Changes made through the ORM in this process (revoking a key, deactivating a
user, changing groups) drop the cache at once; in other processes they take
effect within that many seconds.
"""

import copy
import threading
import time

from django.conf import settings
from django.utils import timezone

from civicgrid.org.models import ApiKey
from civicgrid.org.models.apikeys import hash_secret

_lock = threading.Lock()
_entries: dict[str, tuple[float, ApiKey, frozenset]] = {}


def clear() -> None:
    """Forget every cached key."""
    with _lock:
        _entries.clear()


def _fresh_copy(key: ApiKey, roles: frozenset) -> ApiKey:
    """Return a copy per request so no request sees another's attributes."""
    found = copy.copy(key)
    if key.user_id is not None:
        user = copy.copy(key.user)
        user._roles_cache = roles
        found.user = user
    return found


def find_key(secret: str) -> ApiKey | None:
    """Return the usable key for ``secret`` (with its user and roles), or None."""
    ttl = settings.CIVICGRID.get("AUTH_CACHE_SECONDS", 0)
    if not secret:
        return None
    if ttl <= 0:
        return ApiKey.find(secret)
    digest = hash_secret(secret)
    entry = _entries.get(digest)
    now = time.monotonic()
    if entry is not None and entry[0] > now:
        _expires, key, roles = entry
        if key.expires_at is None or key.expires_at > timezone.now():
            return _fresh_copy(key, roles)
    key = ApiKey.find(secret)
    if key is None:
        with _lock:
            _entries.pop(digest, None)
        return None
    roles = key.user.roles if key.user_id is not None else frozenset()
    with _lock:
        _entries[digest] = (now + ttl, key, roles)
    return _fresh_copy(key, roles)


def note_use(key: ApiKey, at) -> None:
    """Record a key's last use in the cached entry too, so it is written once a minute."""
    with _lock:
        for _expires, cached, _roles in _entries.values():
            if cached.pk == key.pk:
                cached.last_used_at = at

"""A process-wide value rebuilt from the database when the data behind it changes.

The grid index, the asset index and the working calendar are expensive to
build and cheap to check: each keeps its value until a fingerprint of the
rows (count and last change) differs. The fingerprint is read at most every
``recheck_seconds``, so other processes see a change within that time; the
process that made the change calls ``invalidate`` and sees it at once.

Some edits do not show in a count and a last-change time (a holiday turned
into a working day, a renamed community behind the grid). For those, a
cache may also name a ``version_key``: signals call :func:`bump_version`,
which increments a counter in Django's cache, and the counter is part of
the fingerprint. With a shared cache (Redis, ``CIVICGRID_CACHE_URL``) every
process on every machine sees the bump at its next recheck.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

VERSION_PREFIX = "civicgrid:version:"


def read_version(name: str) -> int:
    """Return the shared version counter ``name`` (0 when unset or evicted)."""
    return cache.get(VERSION_PREFIX + name) or 0


def bump_version(name: str) -> int:
    """Increment the shared version counter ``name``; return the new value."""
    key = VERSION_PREFIX + name
    cache.add(key, 0, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)
        return 1


def invalidate_now_and_on_commit(invalidate: Callable[[], None]) -> None:
    """Call ``invalidate`` now and again once the current transaction commits.

    Now, so this transaction reads its own edit; after the commit, because
    another process that rebuilt in between would otherwise have read the
    old rows under the new version.
    """
    invalidate()
    transaction.on_commit(invalidate)


class FingerprintCache(Generic[T]):
    """Hold one value built by ``build()``, valid while ``fingerprint()`` is unchanged."""

    def __init__(
        self,
        build: Callable[[], T],
        fingerprint: Callable[[], Hashable],
        recheck_seconds: float = 5.0,
        version_key: str | None = None,
    ):
        self._build = build
        self._db_fingerprint = fingerprint
        self.version_key = version_key
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built_from: Hashable = None
        self._checked = float("-inf")
        self._has_value = False

    def _fingerprint(self) -> Hashable:
        if self.version_key is None:
            return self._db_fingerprint()
        return (read_version(self.version_key), self._db_fingerprint())

    def get(self) -> T:
        """Return the value, rebuilding it when its rows changed."""
        if self._has_value and time.monotonic() - self._checked < self.recheck_seconds:
            return self._value
        with self._lock:
            if self._has_value and time.monotonic() - self._checked < self.recheck_seconds:
                return self._value
            fingerprint = self._fingerprint()
            if not self._has_value or fingerprint != self._built_from:
                self._value = self._build()
                self._built_from = fingerprint
                self._has_value = True
            self._checked = time.monotonic()
            return self._value

    def invalidate(self) -> None:
        """Drop the value; the next ``get`` rebuilds it."""
        with self._lock:
            self._value = None
            self._has_value = False
            self._checked = float("-inf")

    def recheck(self) -> None:
        """Compare the fingerprint on the next ``get`` (keeps the value if unchanged)."""
        self._checked = float("-inf")

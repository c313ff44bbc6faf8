"""A process-wide value rebuilt from the database when the data behind it changes.

The grid index, the asset index and the working calendar are expensive to
build and cheap to check: each keeps its value until a fingerprint of the
rows (count and last change) differs. The fingerprint is read at most every
``recheck_seconds``, so other processes see a change within that time; the
process that made the change calls ``invalidate`` and sees it at once.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class FingerprintCache(Generic[T]):
    """Hold one value built by ``build()``, valid while ``fingerprint()`` is unchanged."""

    def __init__(
        self,
        build: Callable[[], T],
        fingerprint: Callable[[], Hashable],
        recheck_seconds: float = 5.0,
    ):
        self._build = build
        self._fingerprint = fingerprint
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built_from: Hashable = None
        self._checked = float("-inf")
        self._has_value = False

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

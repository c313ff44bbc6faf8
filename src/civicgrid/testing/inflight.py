"""Count the requests a test's live server is still answering (test settings only).

A browser test ends while its pages may still be fetching (a service worker
filling its cache, a map's data, an event stream of the command screen). The
live server answers those in its own threads; if they still touch the
database when the test's data is flushed, SQLite reports "table is locked"
and PostgreSQL "database is being accessed". The browser fixtures wait until
this count is zero before the database is torn down.
"""

import threading

_lock = threading.Lock()
_open = 0


def opened() -> None:
    """Count one more request (or stream) in progress."""
    global _open
    with _lock:
        _open += 1


def closed() -> None:
    """Count one request (or stream) finished."""
    global _open
    with _lock:
        _open -= 1


def in_flight() -> int:
    """Return how many requests are being answered now."""
    with _lock:
        return _open


class InFlightMiddleware:
    """Count each request from its start until the server has sent and closed its response.

    The server closes every response once its (maybe streamed) body is sent or
    the client went away; Django then runs the response's closers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        opened()
        try:
            response = self.get_response(request)
        except BaseException:
            closed()
            raise
        response._resource_closers.append(closed)
        return response


def wait_until_idle(baseline: int = 0, timeout: float = 60.0) -> None:
    """Wait until no more than ``baseline`` requests are in progress; fail after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while in_flight() > baseline:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the live server still answers {in_flight() - baseline} request(s) "
                f"{timeout:.0f} s after the test"
            )
        time.sleep(0.05)

"""Tell open pages that cases changed, with Server-Sent Events and no broker.

Every change to a case appends a ``CaseEvent`` (reports, transitions, the
overdue sweep), so the largest event id is a cursor that grows with every
change, in every process and on every machine sharing the database. A stream
polls that cursor (one indexed ``MAX(id)``) twice a second and sends a
``change`` event when it moves; pages then refetch what they show. The
events carry no case data, so nothing leaks past ``visible_cases``: each page
refetches through its own restricted endpoints.

The seam for a later broker (Redis pub/sub, see the ROADMAP) is ``source``:
:func:`change_events` only needs a callable returning the current cursor.
A broker-backed source would block until a message arrives instead of
polling; the event format, the keep-alive and the time bound stay as they
are, so pages need no change.

Each open stream holds one server thread (gunicorn ``gthread``) and one
database connection, so streams end after ``STREAM_SECONDS``; the browser's
``EventSource`` reconnects by itself and sends ``Last-Event-ID``, which
makes the new stream report a change missed in between.
"""

import time
from collections.abc import Callable, Iterator

from django.core.cache import cache
from django.db.models import Max
from django.http import StreamingHttpResponse

from civicgrid.cases.models import CaseEvent

#: Seconds between two looks at the cursor.
POLL_SECONDS = 0.5
#: Seconds of silence after which a comment line keeps proxies from closing the stream.
KEEPALIVE_SECONDS = 15.0
#: Seconds after which a stream ends (the browser reconnects), so threads are freed.
STREAM_SECONDS = 300.0
#: Milliseconds the browser waits before reconnecting.
RETRY_MS = 2000


def latest_change() -> int:
    """Return the change cursor: the id of the newest case event (0 when none).

    ``MAX`` of the primary key is answered from the index, so it stays cheap
    however long the event log grows.
    """
    return CaseEvent.objects.aggregate(latest=Max("id"))["latest"] or 0


def cached_until_change(key: str, compute: Callable[[], object], max_age: int = 60):
    """Return ``compute()``, shared until a case changes or ``max_age`` seconds pass.

    Every screen polls the same numbers; keyed on the latest case event, the
    work is done once per change (and at least once per ``max_age``, since
    deadlines pass without events) instead of once per screen and refresh.
    """
    full_key = f"{key}:{latest_change()}:{int(time.time() // max_age)}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, max_age)
    return value


def sse_message(event: str, data: str, event_id: int | None = None) -> str:
    """Return one Server-Sent Events message (``data`` must be a single line)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


def _cursor(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def change_events(
    since=None,
    *,
    source: Callable[[], int] = latest_change,
    poll: float | None = None,
    keepalive: float | None = None,
    duration: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """Yield SSE messages: ``hello``, then ``change`` whenever ``source()`` moves, then ``bye``.

    ``since`` is the cursor the client saw last (the ``Last-Event-ID`` of a
    reconnecting ``EventSource``); when the cursor has moved since, the first
    message after ``hello`` is a ``change``. The timings default to the
    module's constants, read at call time so tests can shorten them.
    """
    poll = POLL_SECONDS if poll is None else poll
    keepalive = KEEPALIVE_SECONDS if keepalive is None else keepalive
    duration = STREAM_SECONDS if duration is None else duration
    started = last_sent = clock()
    cursor = source()
    yield f"retry: {RETRY_MS}\n" + sse_message("hello", str(cursor), cursor)
    seen = _cursor(since)
    if seen is not None and seen != cursor:
        yield sse_message("change", str(cursor), cursor)
    while clock() - started < duration:
        sleep(poll)
        current = source()
        if current != cursor:
            cursor = current
            last_sent = clock()
            yield sse_message("change", str(cursor), cursor)
        elif clock() - last_sent >= keepalive:
            last_sent = clock()
            yield ": keep-alive\n\n"
    yield sse_message("bye", str(cursor), cursor)


def event_stream_response(since=None, **options) -> StreamingHttpResponse:
    """Return a streaming ``text/event-stream`` response of :func:`change_events`.

    The headers stop caches and proxies (nginx ``X-Accel-Buffering``) from
    holding the messages back.
    """
    response = StreamingHttpResponse(
        change_events(since, **options), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"
    return response

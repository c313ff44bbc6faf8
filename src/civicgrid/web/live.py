"""Tell open pages that cases changed, with Server-Sent Events.

Every change to a case appends a ``CaseEvent`` (reports, transitions, the
overdue sweep), so the largest event id is a cursor that grows with every
change, in every process and on every machine sharing the database. A stream
sends a ``change`` event when the cursor moves; pages then refetch what they
show. The events carry no case data, so nothing leaks past ``visible_cases``:
each page refetches through its own restricted endpoints.

Under ASGI (``civicgrid serve``) a stream is an async generator and holds no
server thread: all streams of a process wait on one :class:`ChangeHub`, whose
single task reads the cursor for all of them. With a Redis configured
(``CIVICGRID_REDIS_URL``, or a ``redis://`` ``CIVICGRID_CACHE_URL``) the
hub wakes on the "case changed" message published after each commit
(:mod:`civicgrid.common.pubsub`) and otherwise re-reads the cursor every
``RESYNC_SECONDS``; without one it reads it every ``POLL_SECONDS``. Either
way the cost is one indexed ``MAX(id)`` per process per wake-up, however many
screens are open.

Under WSGI (``civicgrid.wsgi``, the test client, Django's live server) the
stream falls back to :func:`change_events`, a generator that polls the
cursor itself and holds one thread while it runs.

Streams end after ``STREAM_SECONDS``; the browser's ``EventSource``
reconnects by itself and sends ``Last-Event-ID``, which makes the new stream
report a change missed in between.
"""

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.models import Max
from django.http import StreamingHttpResponse

from civicgrid.cases.models import CaseEvent
from civicgrid.common import pubsub

log = logging.getLogger(__name__)

#: Seconds between two looks at the cursor (without Redis; WSGI streams).
POLL_SECONDS = 0.5
#: Seconds between two looks at the cursor when Redis messages wake the hub.
RESYNC_SECONDS = 10.0
#: Seconds to wait before reconnecting to Redis after an error (polling meanwhile).
REDIS_RETRY_SECONDS = 5.0
#: Seconds of silence after which a comment line keeps proxies from closing the stream.
KEEPALIVE_SECONDS = 15.0
#: Seconds after which a stream ends (the browser reconnects).
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


def _opening(since, cursor: int) -> list[str]:
    """Return the ``hello`` message, and a ``change`` when ``since`` is behind ``cursor``."""
    messages = [f"retry: {RETRY_MS}\n" + sse_message("hello", str(cursor), cursor)]
    seen = _cursor(since)
    if seen is not None and seen != cursor:
        messages.append(sse_message("change", str(cursor), cursor))
    return messages


def _step(
    cursor: int, current: int, last_sent: float, now: float, keepalive: float
) -> tuple[int, float, str | None]:
    """Return the new cursor, the time of the last message and the message due, if any.

    One rule for the sync and the async stream: a moved cursor sends a
    ``change``; ``keepalive`` quiet seconds send a comment, so proxies keep
    the connection open.
    """
    if current != cursor:
        return current, now, sse_message("change", str(current), current)
    if now - last_sent >= keepalive:
        return cursor, now, ": keep-alive\n\n"
    return cursor, last_sent, None


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
    yield from _opening(since, cursor)
    while clock() - started < duration:
        sleep(poll)
        cursor, last_sent, message = _step(cursor, source(), last_sent, clock(), keepalive)
        if message:
            yield message
    yield sse_message("bye", str(cursor), cursor)


def event_stream_response(since=None, **options) -> StreamingHttpResponse:
    """Return a streaming response of :func:`change_events` (the WSGI fallback)."""
    return stream_response(change_events(since, **options))


# -- async streams (ASGI) ---------------------------------------------------------


class ChangeHub:
    """Share one cursor watcher among all streams of one event loop.

    The watcher task runs only while at least one stream is subscribed. It
    reads the cursor in its own thread (one database connection per process,
    closed when the last stream leaves), wakes every ``POLL_SECONDS``, or on
    a Redis message and every ``RESYNC_SECONDS`` when Redis is configured,
    and wakes every waiting stream when the cursor moved.
    """

    def __init__(
        self, read_cursor: Callable[[], int] = latest_change, redis_url: str | None = None
    ):
        self._read_cursor = read_cursor
        self._redis_url = redis_url
        self.cursor: int | None = None
        self.subscribers = 0
        self.reads = 0
        self._changed = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None

    # subscription --------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def subscription(self):
        """Keep the watcher running while the ``async with`` block lasts."""
        self.subscribers += 1
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="civicgrid-live")
            self._task = asyncio.get_running_loop().create_task(self._watch())
        try:
            yield self
        finally:
            self.subscribers -= 1
            if self.subscribers == 0:
                await self._stop()

    async def _stop(self) -> None:
        task, executor = self._task, self._executor
        self._task = self._executor = None
        self.cursor = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if executor is not None:
            # The watcher's thread owns a database connection: close it there.
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(executor, connections.close_all)
            executor.shutdown(wait=False)

    async def current(self) -> int:
        """Return the cursor, waiting for the watcher's first read."""
        await self._ready.wait()
        return self.cursor

    async def wait_change(self, seen: int, timeout: float) -> int:
        """Return the cursor once it differs from ``seen``, or after ``timeout`` seconds."""
        if self.cursor != seen:
            return self.cursor
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), max(timeout, 0.0))
        return self.cursor

    # the watcher ---------------------------------------------------------------

    def _read_in_thread(self) -> int:
        # The thread keeps its connection between reads; a broken one is dropped.
        try:
            return self._read_cursor()
        except DatabaseError:
            connections.close_all()
            raise

    async def _refresh(self) -> None:
        try:
            value = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._read_in_thread
            )
        except Exception as exc:  # a database hiccup: keep the old cursor, try again later
            log.warning("live: could not read the change cursor: %s", exc)
            if self.cursor is None:
                self.cursor = 0
                self._ready.set()
            return
        self.reads += 1
        if value != self.cursor:
            self.cursor = value
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()
        self._ready.set()

    async def _watch(self) -> None:
        url = pubsub.redis_url() if self._redis_url is None else self._redis_url
        await self._refresh()
        while True:
            if url:
                await self._listen_redis(url)  # returns after an error: poll, then retry
                deadline = time.monotonic() + REDIS_RETRY_SECONDS
                while time.monotonic() < deadline:
                    await asyncio.sleep(POLL_SECONDS)
                    await self._refresh()
            else:
                await asyncio.sleep(POLL_SECONDS)
                await self._refresh()

    async def _listen_redis(self, url: str) -> None:
        client = pubsub.async_client(url)
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as channel:
                await channel.subscribe(pubsub.CHANNEL)
                await self._refresh()  # changes made while (re)connecting
                while True:
                    message = await channel.get_message(timeout=RESYNC_SECONDS)
                    # Drain what queued meanwhile: one read answers many messages.
                    while message is not None:
                        message = await channel.get_message(timeout=0)
                    await self._refresh()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # redis.RedisError, OSError
            log.warning("live: Redis pub/sub failed, polling the database meanwhile: %s", exc)
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChangeHub]" = (
    weakref.WeakKeyDictionary()
)


def hub_for_loop() -> ChangeHub:
    """Return the running event loop's hub (one per worker process under uvicorn)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = ChangeHub()
    return hub


def release_request_thread() -> None:
    """End the thread Django's ASGI handler keeps for this request's sync code.

    asgiref gives each ASGI request one thread for its sync parts (the
    middleware, the role check) and keeps it until the request ends. A stream
    lasts minutes and needs no thread once its headers are out, so it lets
    that thread end; a sync call later in the request (closing the response)
    simply gets a new one. Without this every open screen parks an idle
    thread.
    """
    from asgiref.sync import SyncToAsync

    context = SyncToAsync.thread_sensitive_context.get(None)
    executor = SyncToAsync.context_to_thread_executor.pop(context, None) if context else None
    if executor is not None:
        executor.shutdown(wait=False)


async def async_change_events(
    since=None,
    *,
    hub: ChangeHub | None = None,
    keepalive: float | None = None,
    duration: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[str]:
    """Yield the messages of :func:`change_events`, waiting on the hub instead of polling."""
    keepalive = KEEPALIVE_SECONDS if keepalive is None else keepalive
    duration = STREAM_SECONDS if duration is None else duration
    hub = hub or hub_for_loop()
    release_request_thread()  # the headers and middleware are done: no sync work until the end
    async with hub.subscription():
        started = last_sent = clock()
        cursor = await hub.current()
        for message in _opening(since, cursor):
            yield message
        while (left := duration - (clock() - started)) > 0:
            current = await hub.wait_change(cursor, min(left, keepalive - (clock() - last_sent)))
            cursor, last_sent, message = _step(cursor, current, last_sent, clock(), keepalive)
            if message:
                yield message
        yield sse_message("bye", str(cursor), cursor)


def stream_response(events: Iterator[str] | AsyncIterator[str]) -> StreamingHttpResponse:
    """Return a ``text/event-stream`` response of ``events`` (sync or async).

    The headers stop caches and proxies (nginx ``X-Accel-Buffering``) from
    holding the messages back.
    """
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"
    return response


def is_asgi(request) -> bool:
    """Return whether ``request`` came through the ASGI handler (an event loop serves it)."""
    from django.core.handlers.asgi import ASGIRequest

    return isinstance(request, ASGIRequest)

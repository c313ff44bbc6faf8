"""The live screen under ASGI: async streams fed by one hub per process, or by Redis."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from civicgrid.web import live
from civicgrid.web.tests import conftest_screen
from civicgrid.web.tests.conftest_screen import build_screen_city, local, report

screen_clock = conftest_screen.screen_clock
REDIS_URL = "redis://127.0.0.1:6379/6"


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


async def _next(chunks, timeout: float = 10.0) -> str:
    return (await asyncio.wait_for(anext(chunks), timeout)).decode()


def _new_report(city, clock):
    report(
        city.users["operator"],
        clock,
        city.city.center(city.cell(1, 1, 0)),
        local(2026, 3, 10, 9, 59),
    )


async def _open_stream(user, **headers):
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.get("/screen/events", headers=headers)
    return response


@pytest.mark.django_db(transaction=True)
def test_async_stream_reports_a_change(screen_clock, monkeypatch):
    """Through the ASGI handler the stream is async: hello, then ``change`` after a report."""
    monkeypatch.setattr(live, "POLL_SECONDS", 0.02)
    city = build_screen_city(screen_clock)

    async def scenario():
        response = await _open_stream(city.users["leader"])
        assert response.status_code == 200
        assert response.is_async is True  # no server thread waits on this stream
        assert response["Content-Type"].startswith("text/event-stream")
        chunks = aiter(response.streaming_content)
        try:
            hello = await _next(chunks)
            cursor = await sync_to_async(live.latest_change)()
            assert (
                hello == f"retry: {live.RETRY_MS}\nid: {cursor}\nevent: hello\ndata: {cursor}\n\n"
            )
            await sync_to_async(_new_report)(city, screen_clock)
            change = await _next(chunks)
            latest = await sync_to_async(live.latest_change)()
            assert latest > cursor
            assert change == f"id: {latest}\nevent: change\ndata: {latest}\n\n"
        finally:
            await chunks.aclose()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_async_stream_keeps_roles_and_login(screen_clock):
    """The async view refuses other roles (403) and sends anonymous users to log in."""
    city = build_screen_city(screen_clock)

    async def scenario():
        refused = await _open_stream(city.users["operator"])
        anonymous = await AsyncClient().get("/screen/events")
        return refused.status_code, anonymous.status_code, anonymous["Location"]

    refused, anonymous, location = async_to_sync(scenario)()
    assert refused == 403
    assert anonymous == 302 and location.startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_available(), reason=f"needs Redis at {REDIS_URL}")
def test_async_stream_wakes_on_a_redis_message(screen_clock, monkeypatch, settings):
    """With Redis the hub never polls: the message published after the commit wakes it."""
    monkeypatch.setattr(live, "POLL_SECONDS", 60.0)
    monkeypatch.setattr(live, "RESYNC_SECONDS", 60.0)
    settings.CIVICGRID = {**settings.CIVICGRID, "REDIS_URL": REDIS_URL}
    city = build_screen_city(screen_clock)

    async def scenario():
        response = await _open_stream(city.users["leader"])
        chunks = aiter(response.streaming_content)
        try:
            hello = await _next(chunks)
            hub = live.hub_for_loop()
            # Wait until the hub listens (its first read after subscribing), not a fixed time.
            for _ in range(500):
                if hub.reads >= 2:
                    break
                await asyncio.sleep(0.01)
            started = time.monotonic()
            await sync_to_async(_new_report)(city, screen_clock)
            change = await _next(chunks, timeout=5.0)
            return hello, change, time.monotonic() - started
        finally:
            await chunks.aclose()

    hello, change, waited = async_to_sync(scenario)()
    assert "event: hello" in hello
    assert "event: change" in change  # a 60 s poll could not have produced it
    assert waited < 5.0


def test_one_hub_reads_for_all_streams(monkeypatch):
    """A hundred streams of one process cost one cursor read per poll, not one each."""
    monkeypatch.setattr(live, "POLL_SECONDS", 0.01)
    cursor = [1]

    async def scenario():
        hub = live.ChangeHub(read_cursor=lambda: cursor[0], redis_url="")
        streams = [
            live.async_change_events(hub=hub, keepalive=60, duration=60) for _ in range(100)
        ]
        hellos = await asyncio.gather(*(anext(s) for s in streams))
        reads_before = hub.reads
        cursor[0] = 2
        changes = await asyncio.wait_for(asyncio.gather(*(anext(s) for s in streams)), 5)
        reads = hub.reads - reads_before
        for stream in streams:
            await stream.aclose()
        return hellos, changes, reads, hub.subscribers

    hellos, changes, reads, left = asyncio.run(scenario())
    assert all("event: hello\ndata: 1" in h for h in hellos)
    assert all(c == "id: 2\nevent: change\ndata: 2\n\n" for c in changes)
    assert reads < 20  # a few polls at most, shared by the hundred streams
    assert left == 0


def test_hub_ends_streams_with_keepalives_and_bye():
    """Silence brings keep-alives; the stream ends with ``bye`` after its lifetime."""

    async def scenario():
        hub = live.ChangeHub(read_cursor=lambda: 7, redis_url="")
        stream = live.async_change_events("7", hub=hub, keepalive=0.05, duration=0.3)
        return [m async for m in stream], hub.subscribers

    messages, left = asyncio.run(scenario())
    assert messages[0].endswith("event: hello\ndata: 7\n\n")
    assert messages.count(": keep-alive\n\n") >= 2
    assert messages[-1] == "id: 7\nevent: bye\ndata: 7\n\n"
    assert "event: change" not in "".join(messages)
    assert left == 0


def test_an_unreachable_redis_falls_back_to_polling(monkeypatch, caplog):
    """When Redis refuses the connection the hub logs it and polls the cursor meanwhile."""
    monkeypatch.setattr(live, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(live, "REDIS_RETRY_SECONDS", 60.0)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cursor = [3]

    async def scenario():
        hub = live.ChangeHub(
            read_cursor=lambda: cursor[0], redis_url=f"redis://127.0.0.1:{port}/6"
        )
        stream = live.async_change_events(hub=hub, keepalive=60, duration=60)
        hello = await anext(stream)
        cursor[0] = 4
        change = await asyncio.wait_for(anext(stream), 10)
        await stream.aclose()
        return hello, change

    with caplog.at_level(logging.WARNING, logger="civicgrid.web.live"):
        hello, change = asyncio.run(scenario())
    assert "data: 3" in hello
    assert change == "id: 4\nevent: change\ndata: 4\n\n"
    assert "Redis pub/sub failed" in caplog.text

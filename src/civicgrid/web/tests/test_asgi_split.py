"""Event streams go to the event loop, every other request to the thread pool."""

import asyncio

from civicgrid.web.asgi_split import split_application, wants_event_stream


def _scope(accept=None, kind="http"):
    headers = [(b"host", b"127.0.0.1")]
    if accept:
        headers.append((b"accept", accept))
    return {
        "type": kind,
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/screen/events",
        "raw_path": b"/screen/events",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def test_only_requests_asking_for_an_event_stream_go_to_the_loop():
    assert wants_event_stream(_scope(b"text/event-stream"))
    assert not wants_event_stream(_scope(b"text/html,application/xhtml+xml"))
    assert not wants_event_stream(_scope())


def test_the_split_routes_each_request_to_its_side():
    seen = []

    async def loop_app(scope, receive, send):
        seen.append(("loop", scope["type"]))

    def pooled_app(environ, start_response):
        seen.append(("pool", environ["PATH_INFO"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = split_application(loop_app, pooled_app, threads=2)
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def run():
        await app(_scope(b"text/event-stream"), receive, send)
        await app(_scope(b"text/html"), receive, send)
        await app(_scope(kind="lifespan"), receive, send)

    asyncio.run(run())
    assert seen == [("loop", "http"), ("pool", "/screen/events"), ("loop", "lifespan")]
    assert any(m.get("status") == 200 for m in sent)

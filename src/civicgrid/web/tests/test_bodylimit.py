"""Oversize request bodies are refused (413) before anything reads them, under WSGI and ASGI."""

import asyncio

import pytest
from django.test import Client, override_settings

from civicgrid.web.bodylimit import limit_asgi_body


@pytest.fixture
def small_limit(settings):
    """Cap whole bodies at 2,000 bytes."""
    settings.CIVICGRID = {**settings.CIVICGRID, "REQUEST_MAX_BYTES": 2000}


def test_an_api_body_over_the_cap_gets_413_json(small_limit, db):
    """The API answers 413 with its JSON error body, in Chinese, without reading the upload."""
    response = Client().post(
        "/api/v1/photos", {"photos": [b"x" * 3000]}, headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 413
    body = response.json()
    assert set(body) == {"error", "message", "fields"}
    assert body["error"] == "too_large"
    assert "请求过大" in body["message"]


def test_a_page_body_over_the_cap_gets_a_chinese_page(small_limit, db):
    """Elsewhere the answer is a short page in Chinese, not JSON."""
    response = Client().post("/accounts/login/", {"username": "x" * 3000, "password": "y"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "请求过大" in response.content.decode()


def test_a_declared_length_alone_is_enough_to_refuse(db):
    """The declared Content-Length decides; the body is never read (it is not even there)."""
    response = Client().post(
        "/api/v1/reports", b"{}", content_type="application/json", CONTENT_LENGTH="999999999999"
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_json_bodies_are_held_to_the_in_memory_limit(db):
    """A non-multipart body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused as JSON, not with HTML."""
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = Client().post(
            "/api/v1/places/locate", b"[" + b" " * 2000 + b"]", content_type="application/json"
        )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_bodies_under_the_limits_pass(small_limit, db):
    """A small request reaches its view as before."""
    response = Client().post(
        "/api/v1/places/locate", {"points": [[1, 2]]}, content_type="application/json"
    )
    assert response.status_code != 413


# --------------------------------------------------------------------------- ASGI


def _run_asgi(body_chunks, headers=()):
    """Drive a capped (100 bytes) echo app with one request; return (sent, what it received)."""
    sent, received = [], []
    queue = [
        {"type": "http.request", "body": chunk, "more_body": i < len(body_chunks) - 1}
        for i, chunk in enumerate(body_chunks)
    ]

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def inner(scope, receive, send):
        while True:
            message = await receive()
            received.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        if received[-1]["type"] != "http.disconnect":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    scope = {"type": "http", "path": "/api/v1/photos", "headers": list(headers)}
    asyncio.run(limit_asgi_body(inner, 100)(scope, receive, send))
    return sent, received


def test_asgi_refuses_a_declared_oversize_body_before_the_app_runs():
    """A content-length over the cap gets 413 and the app never starts."""
    sent, received = _run_asgi([b"x"], headers=[(b"content-length", b"5000")])
    assert sent[0]["status"] == 413
    assert received == []


def test_asgi_counts_a_chunked_body_and_stops_it_at_the_cap():
    """A body without a length is counted as it streams; past the cap the app sees a disconnect."""
    sent, received = _run_asgi([b"x" * 60, b"x" * 60, b"x" * 60])
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert received[-1]["type"] == "http.disconnect"
    assert sum(len(m.get("body", b"")) for m in received) == 60


def test_asgi_passes_a_small_body_through():
    """Under the cap the app receives every chunk and answers."""
    sent, received = _run_asgi([b"x" * 40, b"x" * 40])
    assert sent[0]["status"] == 200
    assert b"".join(m["body"] for m in received) == b"x" * 80


def test_the_asgi_entry_point_is_capped(settings):
    """``civicgrid.asgi.application`` refuses an oversize body with 413 JSON under /api/."""
    import json

    from civicgrid.asgi import application

    settings.CIVICGRID = {**settings.CIVICGRID, "REQUEST_MAX_BYTES": 100}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/reports",
        "headers": [(b"content-length", b"5000")],
    }
    asyncio.run(application(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"] == "too_large"

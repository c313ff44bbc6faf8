"""``civicgrid serve`` (gunicorn + uvicorn workers) with many live screens open (Linux /proc)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from civicgrid.testing.processes import child_pids, scratch_env, stop_group

SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from civicgrid.testing.factories import UserFactory
user = UserFactory(username="wall", roles=["leader"])
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _civicgrid(*args, env, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "civicgrid", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _get(port: int, path: str, cookie: str = "", timeout: float = 10.0) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _open_stream(port: int, cookie: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        f"GET /screen/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    return sock


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _threads_of_children(pid: int) -> int:
    return sum(len(os.listdir(f"/proc/{child}/task")) for child in child_pids(pid))


@pytest.fixture
def served(tmp_path):
    """Start ``civicgrid serve`` (one worker, no task worker) on a migrated scratch database."""
    env = scratch_env(tmp_path)
    _civicgrid("migrate", "-v0", env=env)
    session = _civicgrid("shell", "-c", SESSION_SCRIPT, env=env).stdout.strip().splitlines()[-1]
    port = _free_port()
    log = open(tmp_path / "serve.log", "w+b")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "civicgrid", "serve", "--port", str(port), "--workers", "1"]
        + ["--no-worker", "--no-collectstatic"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if _get(port, "/healthz", timeout=2) == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /healthz"
            time.sleep(0.2)
        yield port, f"sessionid={session}", server.pid
    finally:
        stop_group(server)
        log.close()


def test_fifty_open_screens_do_not_block_other_requests(served):
    """With 50 live streams open on one worker process, pages and the API still answer."""
    port, cookie, master = served
    streams = [_open_stream(port, cookie) for _ in range(50)]
    try:
        # Every stream is served at once (its hello arrives while the others stay open).
        hellos = [_read_until(sock, b"event: hello") for sock in streams]
        assert all(b" 200 OK" in h.split(b"\r\n")[0] and b"event: hello" in h for h in hellos)
        started = time.monotonic()
        assert _get(port, "/healthz") == 200
        assert _get(port, "/screen/stats.json", cookie) == 200
        assert _get(port, "/api/v1/categories") == 200
        assert time.monotonic() - started < 10  # generous: it is about not blocking at all
        # And the open streams hold no threads: the worker process has a handful, not 50+.
        assert _threads_of_children(master) < 20
    finally:
        for sock in streams:
            sock.close()

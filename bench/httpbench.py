"""What the HTTP benchmarks share: a throwaway server on loopback and keep-alive clients.

``Environment`` makes a temporary data dir (and, for PostgreSQL, a throwaway
database) and loads the demo city; ``Server`` runs ``civicgrid serve`` there
on a free 127.0.0.1 port and stops its whole process group on exit;
``run_clients`` sends requests over concurrent keep-alive connections.
Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.client
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HOST = "127.0.0.1"  # the only host the benchmarks ever talk to


# --- server and database lifecycle ------------------------------------------


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def psql(admin_url: str, sql: str) -> None:
    """Run one SQL statement as the PostgreSQL superuser (local, trust auth)."""
    subprocess.run(
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )


class Environment:
    """A temporary data dir plus, for PostgreSQL, a throwaway database."""

    def __init__(
        self,
        db: str = "sqlite",
        pg_server: str = "postgresql://postgres@127.0.0.1:5432",
        pg_name: str = "civicgrid_bench",
    ) -> None:
        self.db, self.pg_server, self.pg_name = db, pg_server.rstrip("/"), pg_name
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._created_db = False
        self.env: dict[str, str] = {}
        self.data_dir = Path()

    def __enter__(self) -> Environment:
        self._tmp = tempfile.TemporaryDirectory(prefix="civicgrid-bench-")
        try:
            self.data_dir = Path(self._tmp.name)
            env = dict(os.environ, CIVICGRID_DATA_DIR=str(self.data_dir))
            env["CIVICGRID_LOG_LEVEL"] = "WARNING"
            env.pop("CIVICGRID_DATABASE_URL", None)
            env.pop("DJANGO_SETTINGS_MODULE", None)
            # A loopback-only server: production settings allow plain HTTP only when asked.
            env["CIVICGRID_ALLOW_INSECURE_LOOPBACK"] = "1"
            if self.db == "postgres":
                if not self.pg_name.replace("_", "").isalnum():
                    raise SystemExit(f"--pg-db {self.pg_name!r}: letters, digits, _ only")
                try:
                    psql(f"{self.pg_server}/postgres", f"CREATE DATABASE {self.pg_name}")
                except subprocess.CalledProcessError as exc:
                    raise SystemExit(
                        f"cannot create database {self.pg_name}: {exc.stderr.strip()}\n"
                        f"(a leftover? drop it with: psql {self.pg_server}/postgres "
                        f"-c 'DROP DATABASE {self.pg_name}')"
                    ) from exc
                self._created_db = True
                env["CIVICGRID_DATABASE_URL"] = f"{self.pg_server}/{self.pg_name}"
            self.env = env
            demo = subprocess.run(
                [civicgrid_cli(), "demo"], env=env, capture_output=True, text=True, timeout=300
            )
            if demo.returncode != 0:
                raise RuntimeError(f"civicgrid demo failed:\n{demo.stderr[-2000:]}")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._created_db:
            try:
                psql(
                    f"{self.pg_server}/postgres",
                    f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)",
                )
            except subprocess.CalledProcessError as error:
                print(f"warning: could not drop {self.pg_name}: {error.stderr}", file=sys.stderr)
            self._created_db = False
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def civicgrid_cli() -> str:
    """Return the ``civicgrid`` console script next to this interpreter."""
    return str(Path(sys.executable).with_name("civicgrid"))


class Server:
    """``civicgrid serve`` on a free loopback port; its process group is stopped on exit."""

    def __init__(self, environment: Environment, workers: int, threads: int) -> None:
        self.environment, self.workers, self.threads = environment, workers, threads
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = None

    def __enter__(self) -> Server:
        try:
            self.port = free_port()
            self._log = open(self.environment.data_dir / "server.log", "w+b")  # noqa: SIM115
            self.proc = subprocess.Popen(
                [
                    civicgrid_cli(),
                    "serve",
                    "--host",
                    HOST,
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--no-worker",
                    "--no-collectstatic",
                ],
                env=self.environment.env,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._wait_healthy(60.0)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"no healthy /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, size: int = 3000) -> str:
        """Return the end of the server's output."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-size:]

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # gunicorn: graceful stop
                self.proc.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None


def run_clients(port: int, requests: list[tuple[str, str, bytes | None]], clients: int,
                headers: dict[str, str] | None = None):  # fmt: skip
    """Send ``requests`` (method, path, body) over ``clients`` keep-alive connections.

    Returns (wall seconds, sorted latencies in seconds, status counts, a sample
    error response). Each client thread owns one connection and takes every
    ``clients``-th request; a connection the server closed is reopened and the
    request retried once.
    """
    headers = {"Content-Type": "application/json", "Connection": "keep-alive", **(headers or {})}

    def client(offset: int):
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        latencies, statuses, sample = [], Counter(), ""
        try:
            for method, path, body in requests[offset::clients]:
                for attempt in (1, 2):
                    start = time.perf_counter()
                    try:
                        conn.request(method, path, body=body, headers=headers)
                        response = conn.getresponse()
                        content = response.read()
                    except (http.client.HTTPException, ConnectionError):
                        conn.close()  # the server closed an idle keep-alive: reconnect, retry
                        if attempt == 2:
                            raise
                        continue
                    latencies.append(time.perf_counter() - start)
                    statuses[response.status] += 1
                    if response.status >= 300 and not sample:
                        sample = f"{response.status} {content[:300]!r}"
                    break
        finally:
            conn.close()
        return latencies, statuses, sample

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(client, range(min(clients, len(requests)))))
    wall = time.perf_counter() - start
    latencies = sorted(x for lat, _, _ in results for x in lat)
    statuses = Counter()
    for _, counts, _ in results:
        statuses.update(counts)
    sample = next((s for _, _, s in results if s), "")
    return wall, latencies, statuses, sample


def percentile(sorted_values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(1, math.ceil(share * len(sorted_values))) - 1]

"""The supervised task worker: restarted when it exits, stopped with its supervisor."""

from __future__ import annotations

import sys
import threading
import time

from civicgrid.common.supervisor import Supervisor


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_a_dying_worker_is_restarted_with_a_growing_pause():
    """A child that exits at once is started again and again; pauses double up to the cap."""
    starts, pauses = [], []
    supervisor = Supervisor(
        [sys.executable, "-c", "raise SystemExit(3)"],
        min_pause=0.01,
        max_pause=0.04,
        healthy_after=60,
        on_start=starts.append,
    )
    real_wait = supervisor._stopping.wait
    supervisor._stopping.wait = lambda pause: pauses.append(pause) or real_wait(pause)
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    wait_for(lambda: len(starts) >= 5)
    supervisor.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert starts[:4] == [0, 1, 2, 3]
    assert pauses[:4] == [0.01, 0.02, 0.04, 0.04]


def test_a_failing_hook_does_not_stop_the_supervision():
    """A start hook that raises (database busy) is logged; the worker still starts."""
    started = []

    def on_start(count):
        started.append(count)
        raise RuntimeError("database is locked")

    supervisor = Supervisor(
        [sys.executable, "-c", "raise SystemExit(0)"], min_pause=0.01, on_start=on_start
    )
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    wait_for(lambda: len(started) >= 2)
    supervisor.stop()
    thread.join(10)
    assert supervisor.starts >= 2


def test_stopping_terminates_a_running_worker():
    """Stopping the supervisor terminates a worker that is still running."""
    beats = []
    supervisor = Supervisor(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        beat_seconds=0.05,
        on_beat=lambda: beats.append(1),
    )
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    wait_for(lambda: len(beats) >= 2)  # it beats while the worker runs
    process = supervisor.process
    supervisor.stop()
    thread.join(15)
    assert not thread.is_alive()
    assert process.poll() is not None
    assert supervisor.starts == 1


def test_the_worker_command_restarts_a_killed_db_worker(tmp_path):
    """``civicgrid worker``: the sweep runs, a killed db_worker comes back, /healthz data says so."""
    import os
    import signal
    import sqlite3
    import subprocess

    from civicgrid.testing.processes import child_pids, scratch_env, stop_group

    env = scratch_env(tmp_path)
    civicgrid = [sys.executable, "-m", "civicgrid"]
    subprocess.run([*civicgrid, "migrate", "-v0"], env=env, check=True, timeout=120)
    database = tmp_path / "civicgrid.sqlite3"

    def row(name):
        with sqlite3.connect(database, timeout=10) as conn:
            return conn.execute(
                "SELECT started_at, restarts FROM cases_taskrun WHERE name = ?", (name,)
            ).fetchone()

    def db_worker_pid(parent):
        pids = child_pids(parent)
        return pids[0] if pids else None

    supervisor = subprocess.Popen(
        [*civicgrid, "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: (row("sweep_overdue") or (None,))[0] is not None, timeout=60)
        first = db_worker_pid(supervisor.pid)
        assert first is not None
        os.kill(first, signal.SIGKILL)  # as if it had died on "database is locked"
        wait_for(lambda: (row("worker") or (None, 0))[1] == 1, timeout=60)
        wait_for(lambda: db_worker_pid(supervisor.pid) not in (None, first), timeout=30)
    finally:
        stop_group(supervisor)

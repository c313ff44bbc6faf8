"""Helpers for tests that run ``civicgrid`` as real processes on a scratch database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def scratch_env(data_dir: str | Path) -> dict[str, str]:
    """Return an environment for ``python -m civicgrid`` on a SQLite database in ``data_dir``.

    The configured database is dropped so a test never writes to a real one;
    ``PYTHONPATH`` carries this checkout's ``src`` so the child runs the code under test.
    """
    env = dict(os.environ)
    env.update(
        CIVICGRID_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="civicgrid.settings.dev",
        PYTHONPATH=os.pathsep.join(p for p in sys.path if p.endswith("src")),
    )
    env.pop("CIVICGRID_DATABASE_URL", None)
    return env


def child_pids(pid: int) -> list[int]:
    """Return the ids of the direct children of process ``pid`` (Linux ``pgrep``)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in children.stdout.split()]


def stop_group(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Terminate the process group ``process`` leads; kill it when it outlives ``timeout``.

    The process must have been started with ``start_new_session=True``, so
    its workers go with it and nothing outlives the test.
    """
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

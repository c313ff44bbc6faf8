"""Keep a child process running: restart it with a growing pause when it exits.

The task worker once died on ``database is locked`` while the site kept
serving, so overdue marking stopped unseen. The supervisor restarts it
(1 s, 2 s, 4 s … up to ``max_pause``; back to 1 s after a run that lasted
``healthy_after`` seconds), and calls ``on_start`` before each start and
``on_beat`` every ``beat_seconds`` while the child runs, which is where the
worker schedules the sweep and records its heartbeat for ``/healthz``.
"""

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)


class Supervisor:
    """Run ``command`` until :meth:`stop`, restarting it whenever it exits."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        min_pause: float = 1.0,
        max_pause: float = 60.0,
        healthy_after: float = 60.0,
        beat_seconds: float = 30.0,
        on_start: Callable[[int], None] | None = None,
        on_beat: Callable[[], None] | None = None,
        spawn: Callable[[Sequence[str]], subprocess.Popen] = subprocess.Popen,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.command = list(command)
        self.min_pause, self.max_pause = min_pause, max_pause
        self.healthy_after, self.beat_seconds = healthy_after, beat_seconds
        self.on_start, self.on_beat = on_start, on_beat
        self.spawn, self.clock = spawn, clock
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()

    def _hook(self, hook, *args) -> None:
        # A failing hook (database busy) must not stop the supervision itself.
        if hook is None:
            return
        try:
            hook(*args)
        except Exception:
            log.exception("worker supervisor: %s failed", getattr(hook, "__name__", hook))

    def run(self) -> None:
        """Start the child and restart it after each exit, until :meth:`stop` is called."""
        pause = self.min_pause
        while not self._stopping.is_set():
            self._hook(self.on_start, self.starts)
            self.starts += 1
            started = self.clock()
            self.process = self.spawn(self.command)
            log.info("worker supervisor: started %s (pid %s)", self.command, self.process.pid)
            while not self._stopping.is_set():
                try:
                    code = self.process.wait(timeout=self.beat_seconds)
                    break
                except subprocess.TimeoutExpired:
                    self._hook(self.on_beat)
            if self._stopping.is_set():
                break
            ran = self.clock() - started
            if ran >= self.healthy_after:
                pause = self.min_pause
            log.error(
                "worker supervisor: %s exited with %s after %.1f s; restarting in %.1f s",
                self.command[-1],
                code,
                ran,
                pause,
            )
            self._stopping.wait(pause)
            pause = min(pause * 2, self.max_pause)
        self._terminate()

    def stop(self) -> None:
        """Ask :meth:`run` to end; the child is terminated."""
        self._stopping.set()
        self._terminate()

    def _terminate(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

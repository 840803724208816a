"""An engine process in a process group of its own, and the sweep of a crashed run's leftovers.

A server is more than one process (RabbitMQ's start script, ``beam.smp`` and its port
helpers; PostgreSQL's postmaster and its backends), so a kill -9 that only hit the first
would leave the rest serving. Each engine therefore starts in a new session and is killed
as a group. A drill whose own process died (a CI time-out, a kill of pytest) leaves its
engines running; every engine's folder carries a marker and names its owner, so the next
start finds and kills the engines of dead owners by their folder, instead of by a broad
process name that would also hit the machine's own servers or another drill's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import psutil

T = TypeVar("T")


class EngineError(RuntimeError):
    """An engine did not start, or did not reach the state a drill waits for."""


class EngineDied(EngineError):
    """The engine's process exited while a drill waited for it: waiting longer cannot help."""


def wait_until(test: Callable[[], T | None], *, timeout_s: float, what: str) -> T:
    """Poll ``test`` until it returns something truthy; its last error explains a time-out."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            result = test()
        except EngineDied:
            raise
        except Exception as exc:
            last_error = exc
        else:
            if result:
                return result
        if time.monotonic() > deadline:
            raise EngineError(f"{what}: not within {timeout_s:.0f} s (last error: {last_error})")
        time.sleep(0.2)


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:``port`` (connections in TIME_WAIT do not count: the
    engines bind with SO_REUSEADDR, as a restarted node must)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen(1)  # Linux lets two SO_REUSEADDR sockets bind; only listen refuses
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


OWNER_FILE = "owner.pid"


def private_folder(marker: str) -> Path:
    """A new folder for one run's engines, after sweeping away what crashed runs left.

    The folder names the process that owns it, so a run never sweeps the engines of another
    drill that is running at the same time (another worktree, another session)."""
    _sweep_orphans(marker)
    folder = Path(tempfile.mkdtemp(prefix=marker))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    folder.chmod(0o755)  # the postgres user must reach its data folder below it
    return folder


def _owner_alive(folder: Path) -> bool:
    try:
        owner = int((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return False
    return psutil.pid_exists(owner)


def _sweep_orphans(marker: str) -> None:
    """Kill the processes whose command line names a folder of a dead run, remove the folder."""
    orphans = [
        str(folder)
        for folder in Path(tempfile.gettempdir()).glob(f"{marker}*")
        if not _owner_alive(folder)
    ]
    if not orphans:
        return
    for process in psutil.process_iter(["cmdline"]):
        try:
            command_line = " ".join(process.info["cmdline"] or ())
            if any(folder in command_line for folder in orphans):
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    for folder in orphans:
        shutil.rmtree(folder, ignore_errors=True)


class Engines:
    """Servers a drill starts on entering and always removes on leaving, even when the start
    itself failed half-way (a node that booted must not outlive a cluster that did not form)."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class EngineProcess:
    """One server process and its children, started in a session of their own."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.user = user
        self.cwd = cwd
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def group(self) -> int:
        """The process group to signal (``kill -9 -- -GROUP``): the leader's pid."""
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group, as a host or kernel would: nothing shuts down cleanly."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self, stop_signal: signal.Signals = signal.SIGTERM, timeout_s: float = 30) -> None:
        """Ask the leader to shut down, then kill the group if it has not within the time."""
        if self.alive():
            assert self.popen is not None
            self.popen.send_signal(stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout_s)
        self.kill()


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    timeout_s: float = 60,
) -> str:
    """A short engine command (initdb, rabbitmqctl …); its output explains a failure."""
    completed = subprocess.run(
        list(argv),
        env=env,
        user=user,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if completed.returncode != 0:
        raise EngineError(
            f"{' '.join(argv)} exited {completed.returncode}:\n{completed.stdout}{completed.stderr}"
        )
    return completed.stdout

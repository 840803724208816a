"""Every command line in the README and the guides works exactly as written.

Each ``ekomunat-gateway …``, ``.venv/bin/ekomunat-gateway …`` and ``python -m …`` line of a
fenced code block in ``README.md`` and ``docs/*.md`` is found and run, in a folder of its own
(``.venv`` linked in, so the README's paths hold) with its own store, log file, RabbitMQ vhost
and ports given through the environment, so it collides with nothing. A command that runs until
stopped (``serve``, ``demo``, ``sandbox``, ``relay``, ``consumers``, the back-offices,
``logs -f``) runs until it shows it is healthy, then is stopped; the others run to completion
and must exit 0. The benchmarks take minutes: they only show their ``--help``. A failure names
the file and line.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md")))
COMMAND = re.compile(r"^(?:\.venv/bin/)?(?:ekomunat-gateway|python -m)\s")
HEALTHY_CEILING_S = 300.0
"""How long a command may take to answer: the demo on a loaded 2-core CI machine took past
120 s. The test's own pytest timeout is twice this, so that a command which never answers fails
with its own output (the demo prints where it listens) rather than a bare timeout."""
PLACEHOLDERS = {
    # The guides write where a municipality's own broker goes; the test's private vhost here.
    "amqp://USER:PASSWORD@broker:5672/%2F": "{amqp_url}",
}
FOLLOW_LINE = (
    '{"event":"route.request","hop":"answered","outcome":"answered","request_id":"…",'
    '"level":"info","hops":[{"hop":"received","outcome":"received"},'
    '{"hop":"answered","outcome":"answered","duration_ms":1.5}]}\n'
)
"""A request's routing-log line (its hops listed) every documented follow command's filter
lets through; its ``received`` hop is what the command must print."""


@dataclass(frozen=True)
class DocCommand:
    document: Path
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(REPO_ROOT)}:{self.line}"


def _without_comment(line: str) -> str:
    return re.split(r"\s+#\s", line, maxsplit=1)[0].strip()


def documented_commands() -> list[DocCommand]:
    found = []
    for document in DOCUMENTS:
        in_block = False
        for number, raw in enumerate(document.read_text(encoding="utf-8").splitlines(), 1):
            if raw.lstrip().startswith("```"):
                in_block = not in_block
                continue
            if not in_block:
                continue
            # A command at the end of a pipe reads what the pipe gives it (here: nothing).
            text = _without_comment(raw).split("|")[-1].strip()
            if COMMAND.match(text):
                found.append(DocCommand(document, number, text))
    return found


COMMANDS = documented_commands()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_port_base() -> int:
    """A base whose BASE+1..18 are all free now (the sandbox's fixed layout)."""
    for _ in range(200):
        base = _free_port() // 100 * 100
        if base < 20000 or base > 64000:
            continue
        try:
            for offset in range(1, 19):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no free range of ports for the sandbox")


@dataclass
class Workspace:
    folder: Path
    env: dict[str, str]
    port: int
    log_file: Path


class Output:
    """A process's merged output, read in a thread so waiting on it never blocks."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.text: list[str] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.text.append(line)
            self.lines.put(line)

    def seen(self, needle: str) -> bool:
        while True:
            try:
                self.lines.get_nowait()
            except queue.Empty:
                break
        return any(needle in line for line in self.text)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _start(argv: list[str], workspace: Workspace) -> tuple[subprocess.Popen[str], Output]:
    process = subprocess.Popen(
        argv,
        cwd=workspace.folder,
        env=workspace.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, Output(process)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, amqp_url: str) -> Iterator[Workspace]:
    """A folder like a checkout (the repository's files linked in, a ``var/`` of its own), and
    one ``serve`` run in it so that var/gateway.log exists."""
    folder = tmp_path_factory.mktemp("docs")
    for entry in REPO_ROOT.iterdir():
        if entry.name not in ("var", ".git"):
            (folder / entry.name).symlink_to(entry)
    port = _free_port()
    log_file = folder / "var" / "gateway.log"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "GATEWAY_PORT": str(port),
        "GATEWAY_DATABASE_URL": f"sqlite:///{folder / 'gateway.db'}",
        "GATEWAY_AMQP_URL": amqp_url,
        "GATEWAY_LOG_FILE": str(log_file),
        "GATEWAY_OPEN_MUNICIPALITIES": "19",
        "SANDBOX_PORT_BASE": str(_free_port_base()),
    }
    running = Workspace(folder, env, port, log_file)
    process, output = _start([".venv/bin/ekomunat-gateway", "serve"], running)
    try:
        _until(lambda: _answers(f"http://127.0.0.1:{port}/ready"), process, output)
    finally:
        _stop(process)
    assert log_file.stat().st_size > 0, "serve wrote nothing to var/gateway.log"
    yield running


def _until(healthy: Callable[[], bool], process: subprocess.Popen[str], output: Output) -> None:
    deadline = time.monotonic() + HEALTHY_CEILING_S
    while not healthy():
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}:\n{''.join(output.text)[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not healthy in time:\n{''.join(output.text)[-3000:]}")
        time.sleep(0.2)


def _argv(command: DocCommand, workspace: Workspace) -> list[str]:
    text = command.text
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value.format(amqp_url=workspace.env["GATEWAY_AMQP_URL"]))
    argv = shlex.split(text)
    if argv[0] == "python":
        argv[0] = str(REPO_ROOT / ".venv" / "bin" / "python")
    elif argv[0] == "ekomunat-gateway":
        argv[0] = ".venv/bin/ekomunat-gateway"
    return argv


def _health_check(
    argv: list[str], workspace: Workspace, output: Output
) -> Callable[[], bool] | None:
    """How a long-running command shows it is healthy; None for one that runs to completion."""
    words = argv[1:]
    gateway = f"http://127.0.0.1:{workspace.port}/ready"
    if words[:2] == ["-m", "sandbox.backoffice"] or words[:1] in (["backoffice"], ["ministry"]):
        return lambda: output.seen("office.connected")
    checks: dict[str, Callable[[], bool]] = {
        "serve": lambda: _answers(gateway),
        "demo": lambda: _answers(gateway),
        "sandbox": lambda: output.seen("sandbox ready"),
        "relay": lambda: output.seen("relay.broker_connected"),
        "consumers": lambda: output.seen("consumers.running"),
    }
    if words[:1] == ["logs"] and ("-f" in words or "--follow" in words):
        with workspace.log_file.open("a", encoding="utf-8") as log:
            log.write(FOLLOW_LINE)
        return lambda: output.seen("received")
    return checks.get(words[0])


@pytest.mark.timeout(2 * HEALTHY_CEILING_S)
@pytest.mark.parametrize("command", COMMANDS, ids=[command.where for command in COMMANDS])
def test_a_documented_command_works_as_written(command: DocCommand, workspace: Workspace) -> None:
    argv = _argv(command, workspace)
    if argv[1:3] and argv[1] == "-m" and argv[2].startswith("bench."):
        argv.append("--help")  # a benchmark takes minutes: its options only
    process, output = _start(argv, workspace)
    try:
        healthy = _health_check(argv, workspace, output)
        if healthy is None:
            try:
                process.wait(HEALTHY_CEILING_S)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"{command.where}: `{command.text}` did not finish") from None
            assert process.returncode == 0, (
                f"{command.where}: `{command.text}` exited {process.returncode}:\n"
                + "".join(output.text)[-3000:]
            )
        else:
            try:
                _until(healthy, process, output)
            except AssertionError as failure:
                raise AssertionError(f"{command.where}: `{command.text}` {failure}") from None
    finally:
        _stop(process)


def test_the_docs_hold_the_commands_this_test_runs() -> None:
    """The extraction itself: the README's command line and the guides' commands are found."""
    where = {command.text for command in COMMANDS}
    assert ".venv/bin/ekomunat-gateway backoffice --municipality 19" in where
    assert "ekomunat-gateway logs var/gateway.log -f" in where
    assert "ekomunat-gateway logs --service birth-certificate" in where
    assert len(COMMANDS) >= 20

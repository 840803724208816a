"""The parts under test, each as a real process on loopback: sandbox, gateway, back-office.

The benchmark and the drills start exactly what production runs (``python -m sandbox``,
``python -m gateway.cli serve``, ``python -m sandbox.backoffice``), each with its own log file,
on a fresh SQLite file (or a fresh PostgreSQL schema) and in a private RabbitMQ virtual host,
so nothing here touches anyone else's data on the shared broker and database. Every part is
stopped, and every vhost and schema dropped, when the ``ExitStack`` that started it closes.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil

ROOT = Path(__file__).resolve().parents[1]
BROKER = "127.0.0.1:5672"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
OPEN_FILES = 20_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _raise_open_files() -> None:
    """In the child: room for 10,000 connections in flight (the memory measurement)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(OPEN_FILES, hard), hard))


class Child:
    """A child process whose output goes to a log file; SIGTERM, then SIGKILL, to stop."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        log_dir: Path,
        env: Mapping[str, str] | None = None,
        *,
        root: Path = ROOT,
    ) -> None:
        self.name = name
        self.argv = argv
        self.root = root
        self.log_path = log_dir / f"{name}.log"
        self._env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.popen = self._spawn()

    def _spawn(self) -> subprocess.Popen[str]:
        with self.log_path.open("a", encoding="utf-8") as log:
            return subprocess.Popen(
                self.argv,
                cwd=self.root,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                preexec_fn=_raise_open_files,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown code runs."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def restart(self) -> None:
        self.stop()
        self.popen = self._spawn()

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


# ---- the sandbox registries ---------------------------------------------------------------------


@dataclass
class Sandbox:
    """``python -m sandbox --port-base 0``: where each registry listens, and its admin API."""

    process: subprocess.Popen[str]
    urls: dict[str, str]
    admin: dict[str, str]

    @classmethod
    def start(cls, log_dir: Path) -> Sandbox:
        log = (log_dir / "sandbox.log").open("a", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port-base", "0", "--exit-with-parent"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None
        urls: dict[str, str] = {}
        admin: dict[str, str] = {}
        timer = threading.Timer(90, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                name, *pairs = line.split()
                if name == "sandbox":
                    break
                values = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
                urls[name], admin[name] = values["url"], values["admin"]
        finally:
            timer.cancel()
        if not {"civil", "business", "cadastre"} <= set(urls):
            process.kill()
            raise SystemExit("the sandbox did not start; see sandbox.log")
        return cls(process, urls, admin)

    def endpoint_env(self) -> dict[str, str]:
        """The variables routing.yaml reads the registries' endpoints from, set to this sandbox."""
        return {_endpoint_variable(name): url for name, url in self.urls.items()}

    def set_faults(self, registry: str, **knobs: Any) -> None:
        """Replace the registry's fault knobs (``{}`` puts it back to normal)."""
        request = urllib.request.Request(
            f"{self.admin[registry]}/faults",
            data=json.dumps(knobs).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---- the broker and the database ----------------------------------------------------------------


def rabbitmqctl(*arguments: str, timeout_s: float = 120) -> str:
    return subprocess.run(
        ["rabbitmqctl", *arguments],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    ).stdout


def wait_for_broker(url: str, timeout_s: float = 120) -> None:
    import pika

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pika.BlockingConnection(pika.URLParameters(url)).close()
            return
        except Exception:  # any failure to connect means: not yet (pika's tree is not one)
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@dataclass
class PrivateVhost:
    """A RabbitMQ virtual host of our own, deleted with everything in it at the end."""

    name: str = field(default_factory=lambda: f"ekomunat-bench-{uuid.uuid4().hex[:8]}")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@{BROKER}/{quote(self.name, safe='')}"

    def create(self) -> PrivateVhost:
        wait_for_broker(f"amqp://guest:guest@{BROKER}/%2F")
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        return self

    def delete(self) -> None:
        try:
            rabbitmqctl("delete_vhost", self.name)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            sys.stderr.write(f"could not delete RabbitMQ vhost {self.name}\n")


@dataclass
class PostgresSchema:
    """A fresh schema in the shared ``test`` database, reached through ``search_path``."""

    name: str = field(default_factory=lambda: f"bench_{uuid.uuid4().hex[:12]}")

    @property
    def url(self) -> str:
        base = POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://")
        return f"{base}?options=-csearch_path%3D{self.name}"

    def _execute(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(statement)

    def create(self) -> PostgresSchema:
        self._execute(f'CREATE SCHEMA "{self.name}"')
        return self

    def drop(self) -> None:
        self._execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


# ---- the gateway --------------------------------------------------------------------------------


def _wait_health(child: Child, base: str, what: str, timeout_s: float) -> float:
    """Until ``base/health`` answers; the seconds it took. ``what`` names ``child`` in errors."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if not child.alive():
            raise RuntimeError(f"{what} stopped; see {child.log_path}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2):
                return time.monotonic() - started
        except (OSError, urllib.error.URLError):
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer in time; see {child.log_path}")


class Gateway(Child):
    """``python -m gateway.cli serve --port P`` with its registries, store and broker."""

    def __init__(
        self,
        log_dir: Path,
        *,
        sandbox: Sandbox,
        database_url: str,
        amqp_url: str,
        relay: bool = True,
        extra_env: Mapping[str, str] | None = None,
        name: str = "gateway",
        root: Path = ROOT,
    ) -> None:
        """``root``: the checkout whose code runs (``python -m`` imports from its folder)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            "GATEWAY_LOG_FORMAT": "json",
            "GATEWAY_DATABASE_URL": database_url,
            "GATEWAY_AMQP_URL": amqp_url,
            "GATEWAY_RELAY_ENABLED": "true" if relay else "false",
            **sandbox.endpoint_env(),
            **(extra_env or {}),
        }
        argv = [sys.executable, "-m", "gateway.cli", "serve", "--port", str(self.port)]
        super().__init__(name, argv, log_dir, env, root=root)

    def wait_ready(self, timeout_s: float = 120) -> float:
        """Until ``/health`` answers; returns the seconds it took from now."""
        return _wait_health(self, self.base, "the gateway", timeout_s)


class Reference(Child):
    """``python -m bench.reference_app``: the naive fan-out the sync route is compared with."""

    def __init__(self, log_dir: Path, *, calls_template: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [
            sys.executable,
            "-m",
            "bench.reference_app",
            "--port",
            str(self.port),
            "--calls",
            str(calls_template),
        ]
        super().__init__("reference", argv, log_dir)

    def wait_ready(self, timeout_s: float = 60) -> float:
        return _wait_health(self, self.base, "the reference app", timeout_s)


def ready_gateway(
    stack: ExitStack,
    log_dir: Path,
    *,
    sandbox: Sandbox,
    amqp_url: str,
    label: str,
    database_url: str | None = None,
    **options: Any,
) -> Gateway:
    """``gateway-<label>`` answering ``/health``, stopped when ``stack`` closes.

    Its store is a fresh SQLite file in ``log_dir`` unless ``database_url`` names one; the
    other ``options`` go to ``Gateway`` (``extra_env``, ``root``, ``relay``).
    """
    fresh = f"sqlite:///{log_dir / f'{label}-{uuid.uuid4().hex[:6]}.db'}"
    gateway = Gateway(
        log_dir,
        sandbox=sandbox,
        database_url=database_url or fresh,
        amqp_url=amqp_url,
        name=f"gateway-{label}",
        **options,
    )
    stack.callback(gateway.stop)
    gateway.wait_ready()
    return gateway


def _endpoint_variable(registry: str) -> str:
    """The variable routing.yaml reads a registry's endpoint from."""
    if registry in ("civil", "business"):
        return f"GATEWAY_{registry.upper()}_REGISTRY_URL"
    return f"GATEWAY_{registry.upper().replace('-', '_')}_URL"


def backoffice(log_dir: Path, municipality: str, amqp_url: str, database: Path) -> Child:
    """The reference municipal back-office, consuming ``ekomunat.<municipality>``."""
    return Child(
        f"backoffice-{municipality}",
        [
            sys.executable,
            "-m",
            "sandbox.backoffice",
            "--municipality",
            municipality,
            "--amqp-url",
            amqp_url,
            "--database",
            str(database),
            "--decision-delay",
            "3600",
        ],
        log_dir,
    )


# ---- what a process costs -----------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    cpu_s: float
    rss_mib: float
    peak_rss_mib: float


class Meter:
    """CPU seconds and memory of one process (and its children), read with psutil.

    ``peak_rss_mib`` is the kernel's high-water mark (VmHWM) of the process, which only grows:
    a case's peak is what it reached, whichever case came before. ``sample_peak`` polls RSS in
    a thread, for the peak of one window only.
    """

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)

    def usage(self) -> Usage:
        times = self._process.cpu_times()
        info = self._process.memory_info()
        return Usage(
            cpu_s=times.user + times.system,
            rss_mib=info.rss / 2**20,
            peak_rss_mib=_vm_hwm_kib(self._process.pid) / 1024,
        )

    def sample_peak(self, stop: threading.Event, interval_s: float = 0.05) -> list[float]:
        """RSS samples (MiB) until ``stop`` is set; run it in a thread."""
        samples: list[float] = []
        while not stop.is_set():
            try:
                samples.append(self._process.memory_info().rss / 2**20)
            except psutil.Error:
                break
            stop.wait(interval_s)
        return samples


def _vm_hwm_kib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    return 0.0

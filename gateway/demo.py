"""``ekomunat-gateway demo``: the whole flow on one machine, on the embedded defaults.

It starts the sandbox registries, the gateway (with its relay and status consumer), a
sandbox back-office for a few municipalities and the sandbox ministry that reviews municipal
acts, then a sample portal client that makes sync and async requests and follows them until
the municipalities have decided, and a sample municipality client that submits acts for
legality review and holds a public hearing, and a sample assembly client that seeds three
municipalities' assemblies, publishes a session and records a vote, and a sample of citizens
asking their assembly questions and signing petitions (``sandbox.participation``). Each part is a
real process talking over loopback, exactly as in production; their logs go to
``var/demo/*.log`` so the terminal shows only the story, and the gateway's JSON lines also to
``var/gateway.log`` (``GATEWAY_LOG_FILE``), which ``ekomunat-gateway logs`` follows. With
RabbitMQ unreachable it still runs, and says that the applications wait in the outbox.

``start_sandbox`` and ``start_gateway`` are the building blocks the demo's own test starts
too, so the gateway a test checks is the gateway ``make run`` shows.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from adapters.amqp.topology import BrokerCommandFailed
from adapters.http_probe import http_answers
from gateway.settings import REPO_ROOT, Settings

DEMO_MUNICIPALITIES = ("19", "20", "32")
SOURCE_SETTINGS = {
    "civil": "GATEWAY_CIVIL_REGISTRY_URL",
    "business": "GATEWAY_BUSINESS_REGISTRY_URL",
    "cadastre": "GATEWAY_CADASTRE_URL",
    "treasury": "GATEWAY_TREASURY_URL",
    "procurement": "GATEWAY_PROCUREMENT_URL",
    "urban_planning": "GATEWAY_URBAN_PLANNING_URL",
    "ministry_permits": "GATEWAY_MINISTRY_PERMITS_URL",
    "tax": "GATEWAY_TAX_ADMINISTRATION_URL",
}
"""The variable of ``routing.yaml`` that takes each sandbox server's URL (its launcher line)."""


class Process:
    """A child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, argv: Sequence[str], log_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        self.popen = subprocess.Popen(
            list(argv),
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE if name == "sandbox" else self._log,
            stderr=self._log,
            text=True,
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()


def _port_free(host: str, port: int) -> bool:
    """Whether the gateway could listen on ``port``. It binds with SO_REUSEADDR, as uvicorn
    does: a port the last gateway left in TIME_WAIT is free for the next one, and the demo
    must keep the port it was told to use rather than wander off to another."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def broker_reachable(amqp_url: str) -> bool:
    parts = urlsplit(amqp_url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 2):
            return True
    except OSError:
        return False


def _sandbox_endpoints(process: Process) -> dict[str, str]:
    """Read the launcher's 'name url=… …' lines until 'sandbox ready'."""
    assert process.popen.stdout is not None
    endpoints: dict[str, str] = {}
    deadline = time.monotonic() + 60
    for line in process.popen.stdout:
        name, *pairs = line.split()
        if name == "sandbox":
            return endpoints
        values = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
        endpoints[name] = values["url"]
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"the sandbox did not start; see {process.log_path}")


def _wait_ready(base: str, process: Process, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"the gateway stopped; see {process.log_path}")
        if http_answers(f"{base}/ready", timeout_s=2):
            return  # it answers; /ready explains itself
        time.sleep(0.3)
    raise RuntimeError(f"the gateway did not answer in time; see {process.log_path}")


def party_urls(amqp_url: str) -> dict[str, str]:
    """Create (idempotently) the back-offices' and the ministry's own broker users in the
    gateway's vhost, with a fresh password: the gateway believes only a sender the broker
    checked, so each sandbox party logs in as itself. Its AMQP URL by party."""
    import secrets
    from urllib.parse import quote

    from adapters.amqp.admin import virtual_host
    from adapters.amqp.topology import (
        ActReviewNames,
        TopologyNames,
        apply_commands,
        ministry_user_commands,
        municipal_party_commands,
    )

    parts, password = urlsplit(amqp_url), secrets.token_hex(16)
    vhost = virtual_host(amqp_url)
    names = TopologyNames()
    users = {code: names.municipality_user(code) for code in DEMO_MUNICIPALITIES}
    users["ministry"] = ActReviewNames(names).ministry_user
    for code in DEMO_MUNICIPALITIES:
        apply_commands(municipal_party_commands(code, password, vhost=vhost))
    apply_commands(ministry_user_commands(password, vhost=vhost))
    host = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}"
    return {
        party: f"amqp://{quote(user, safe='')}:{password}@{host}{parts.path or '/%2F'}"
        for party, user in users.items()
    }


def start_sandbox(stack: ExitStack, log_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """The sandbox launcher on free ports, stopped with ``stack``; its servers' URLs by name."""
    sandbox = Process(
        "sandbox",
        [sys.executable, "-m", "sandbox", "--port-base", "0", "--exit-with-parent"],
        log_dir,
        env,
    )
    stack.callback(sandbox.stop)
    return _sandbox_endpoints(sandbox)


def gateway_environment(endpoints: dict[str, str]) -> dict[str, str]:
    """Every registry and transparency source the sandbox started, as ``routing.yaml`` reads
    them: a server left out would leave its feeds on a default port where nothing listens."""
    missing = sorted(set(SOURCE_SETTINGS) - set(endpoints))
    if missing:
        raise RuntimeError(f"the sandbox did not start {', '.join(missing)}")
    return {SOURCE_SETTINGS[name]: endpoints[name] for name in SOURCE_SETTINGS}


def start_gateway(
    stack: ExitStack, log_dir: Path, env: dict[str, str], endpoints: dict[str, str], port: int
) -> tuple[str, Process]:
    """``ekomunat-gateway serve`` on ``port`` with the sandbox's URLs and a fresh SQLite store
    in ``log_dir``; answers once it does, stopped with ``stack``."""
    database = log_dir / "gateway.db"
    for leftover in log_dir.glob("gateway.db*"):
        leftover.unlink()
    gateway_env = {
        **env,
        **gateway_environment(endpoints),
        "GATEWAY_PORT": str(port),
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
    }
    gateway = Process(
        "gateway", [sys.executable, "-m", "gateway.cli", "serve"], log_dir, gateway_env
    )
    stack.callback(gateway.stop)
    host = gateway_env.get("GATEWAY_HOST", Settings().host)
    base = f"http://{host}:{port}"
    _wait_ready(base, gateway)
    return base, gateway


def _catch_up_topology(settings: Settings, say: Callable[[str], object]) -> None:
    """A demo of an earlier version may have left queues with older arguments (before single
    active consumers, say); every worker would then fail to declare them. Nothing consumes
    yet, so the demo moves them as an operator would (``topology migrate``)."""
    from adapters.amqp.topology.migrate import migrate
    from gateway.broker_topology import deployment_topology

    for queue in migrate(settings.amqp_url, deployment_topology(settings)[0]):
        say(f"queue {queue.name} brought up to date, {queue.moved} messages kept\n")


def run_demo(*, keep_running: bool, wait_s: float) -> int:
    settings = Settings()
    say = sys.stdout.write
    log_dir = Path.cwd() / "var" / "demo"
    log_dir.mkdir(parents=True, exist_ok=True)
    for leftover in log_dir.glob("*.db*"):
        leftover.unlink()
    broker_up = broker_reachable(settings.amqp_url)
    python = sys.executable
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "GATEWAY_LOG_FORMAT": "json"}

    # A service manager (or a test) stops the demo with SIGTERM: unwind, stopping every part.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with ExitStack() as stack:
        endpoints = start_sandbox(stack, log_dir, env)
        say("sandbox registries and transparency sources\n")
        for name, url in endpoints.items():
            say(f"  {name:16} {url}\n")

        if broker_up:
            _catch_up_topology(settings, say)
        port = (
            settings.port if _port_free(settings.host, settings.port) else _free_port(settings.host)
        )
        base, gateway = start_gateway(stack, log_dir, env, endpoints, port)
        say(f"gateway\n  API       {base}/v1/catalogue/services\n  docs      {base}/docs\n")
        say(f"  open data {base}/v1/open/budget (the feeds fill within a refresh)\n")

        if broker_up:
            try:
                urls = party_urls(settings.amqp_url)
            except (OSError, BrokerCommandFailed):
                say("rabbitmqctl could not create the parties' broker users: their answers ")
                say("are dead-lettered (the gateway believes only a sender the broker checked)\n")
                urls = {}
            for code in DEMO_MUNICIPALITIES:
                office = Process(
                    f"backoffice-{code}",
                    [
                        python,
                        "-m",
                        "sandbox.backoffice",
                        "--municipality",
                        code,
                        "--amqp-url",
                        urls.get(code, settings.amqp_url),
                        "--decision-delay",
                        "1",
                        "--database",
                        str(log_dir / f"backoffice-{code}.db"),
                        "--exit-with-parent",
                    ],
                    log_dir,
                    env,
                )
                stack.callback(office.stop)
            ministry = Process(
                "ministry",
                [
                    python,
                    "-m",
                    "sandbox.ministry",
                    "--amqp-url",
                    urls.get("ministry", settings.amqp_url),
                    "--decision-delay",
                    "1",
                    "--database",
                    str(log_dir / "ministry.db"),
                    "--exit-with-parent",
                ],
                log_dir,
                env,
            )
            stack.callback(ministry.stop)
            say(f"back-offices  municipalities {', '.join(DEMO_MUNICIPALITIES)} (RabbitMQ)\n")
            say("ministry      legality review of municipal acts (MAPL, RabbitMQ)\n")
        else:
            say(
                "RabbitMQ is not reachable at "
                f"{urlsplit(settings.amqp_url).hostname}: applications are accepted and wait "
                "in the outbox; they are handed off when the broker is back.\n"
            )

        say("\nthe portal sends requests …\n\n")
        portal = subprocess.run(
            [
                python,
                "-m",
                "sandbox.portal",
                "--gateway",
                base,
                "--wait",
                str(wait_s if broker_up else 2),
                "--municipalities",
                *DEMO_MUNICIPALITIES,
            ],
            cwd=REPO_ROOT,
            env=env,
            check=False,
        )
        if portal.returncode != 0:
            return portal.returncode
        # The municipal stories, in order; one that fails ends the demo's stories there.
        stories = (
            (
                "municipalities submit acts and hold a public hearing",
                [
                    "sandbox.municipal_client",
                    "--gateway",
                    base,
                    "--wait",
                    str(wait_s if broker_up else 2),
                ],
            ),
            (
                "municipal assemblies publish sessions and record votes",
                ["sandbox.assembly", "--gateway", base],
            ),
            (
                "citizens ask their assembly and sign a petition",
                ["sandbox.participation", "--gateway", base],
            ),
        )
        for heading, arguments in stories:
            say(f"\n{heading} …\n\n")
            municipal = subprocess.run(
                [python, "-m", *arguments], cwd=REPO_ROOT, env=env, check=False
            )
            if municipal.returncode != 0:
                break
        log_file = settings.log_file or f"{log_dir}/gateway.log"
        say(f"\nlogs: {log_dir}/*.log; the gateway's hops: ekomunat-gateway logs {log_file} -f\n")
        if municipal.returncode != 0:
            return municipal.returncode
        if keep_running:
            say(f"the gateway keeps running at {base}; Ctrl-C stops everything\n")
            try:
                while gateway.popen.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                say("\nstopping …\n")
    return 0

"""One sandbox registry server: its public port, its admin port, and its life in a process.

Each registry runs in its own process (see `sandbox.launcher`), so the three together can use
more than one core and a benchmark of the gateway is not limited by the simulators. The
`refuse` knob really stops listening on the public port (new connections are refused) and starts
listening again on the same port when the knob is turned back.
"""

import asyncio
import os
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import Any

from aiohttp import web

from sandbox.faults import FaultKnobs
from sandbox.http_app import FaultControl, admin_app, build_registry_app
from sandbox.seed import SeedData, build_seed

PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class ServerAddress:
    registry: str
    host: str
    port: int
    admin_port: int


class RegistryServer:
    """Runs one registry application plus its admin application on loopback ports."""

    def __init__(
        self, app: web.Application, control: FaultControl, host: str, port: int, admin_port: int
    ) -> None:
        self._app = app
        self._control = control
        self._host = host
        self._port = port
        self._admin_port = admin_port
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self._admin_runner = web.AppRunner(
            admin_app(control), access_log=None, handle_signals=False
        )
        self._site: web.TCPSite | None = None
        control.on_listening = self.listen

    async def start(self) -> ServerAddress:
        await self._runner.setup()
        await self._admin_runner.setup()
        await web.TCPSite(self._admin_runner, self._host, self._admin_port).start()
        self._admin_port = _bound_port(self._admin_runner)
        await self.listen(True)
        if self._control.state.knobs.down == "refuse":
            await self.listen(False)
        return ServerAddress(self._control.registry, self._host, self._port, self._admin_port)

    async def listen(self, on: bool) -> None:
        """Open or close the public listening socket (closed = connections refused)."""
        if on and self._site is None:
            site = web.TCPSite(self._runner, self._host, self._port)
            await site.start()
            self._port = _bound_port(self._runner)
            self._site = site
        elif not on and self._site is not None:
            await self._site.stop()
            self._site = None

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self._admin_runner.cleanup()


def _bound_port(runner: web.AppRunner) -> int:
    """The port the runner's (single) site really listens on; differs from 0 when asked for 0."""
    return int(runner.addresses[0][1])


async def serve_until_stopped(server: RegistryServer, report: "Queue[Any]") -> None:
    """Start ``server``, report where it listens, and serve until SIGTERM/SIGINT or orphaned.

    A child whose launcher died (its parent changed) stops by itself, so a killed test run
    leaves no server holding a port.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    address = await server.start()
    report.put(("ready", address))
    parent = os.getppid()
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), PARENT_CHECK_SECONDS)
            except TimeoutError:
                if os.getppid() != parent:
                    break
    finally:
        await server.stop()


def run_child(
    name: str,
    knobs: dict[str, Any],
    report: "Queue[Any]",
    serve: Callable[[FaultKnobs], Coroutine[Any, Any, None]],
) -> None:
    """The body of a server's child process: parse the knobs, serve, report start failures."""
    try:
        parsed = FaultKnobs.model_validate(knobs)
        asyncio.run(serve(parsed))
    except OSError as exc:
        report.put(("error", name, f"{type(exc).__name__}: {exc}"))
    except ValueError as exc:
        report.put(("error", name, str(exc)))
    except KeyboardInterrupt:
        return  # Ctrl-C reached the child before its own signal handlers were installed


AppBuilder = Callable[[str, SeedData, FaultKnobs | None], tuple[web.Application, FaultControl]]
"""Builds one server's application from its name, the registry seed and its fault knobs; a
module-level function, so the launcher can hand it to a spawned child."""


def run_server_process(
    registry: str,
    host: str,
    port: int,
    admin_port: int,
    seed: int,
    persons: int,
    knobs: dict[str, Any],
    report: "Queue[Any]",
    build: AppBuilder = build_registry_app,
) -> None:
    """Entry point of a server's child process: serve until SIGTERM/SIGINT or orphaned."""

    async def serve(parsed: FaultKnobs) -> None:
        data = build_seed(seed=seed, persons=persons)
        app, control = build(registry, data, parsed)
        await serve_until_stopped(RegistryServer(app, control, host, port, admin_port), report)

    run_child(registry, knobs, report, serve)

"""How ``ekomunat-gateway serve`` runs the app: one process, or N worker processes on one port.

N workers use uvicorn's own multi-process mode rather than a supervisor of ours: uvicorn binds
the socket once in the parent and hands it to every worker (the kernel spreads the
connections), pings each worker, restarts one that died or hangs, stops the whole set when a
worker cannot start at all (a broken file would fail every restart the same way), and replaces
the workers one by one on SIGHUP. A supervisor of our own would repeat all of that.

uvicorn starts each worker as a fresh interpreter (``spawn``), so each one builds its own
gateway in ``worker_app`` and freezes its own start-up objects there. The parent checks the
configuration and migrates the store first, so a broken file stops the start with its reasons
before anything binds, and the workers find nothing left to migrate. The workers' metrics
meet in ``PROMETHEUS_MULTIPROC_DIR`` (``gateway.metrics``).
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.app import create_app
from gateway.bootstrap import Gateway, bootstrap
from gateway.metrics import MULTIPROCESS_DIR_VARIABLE
from gateway.settings import Settings


def settle_start_up_objects() -> None:
    """Keep what start-up built (catalogue, routes, compiled contracts) out of the cycle GC.

    Those ~140,000 objects live as long as the process, yet every full collection walked
    them all again: ~140 ms with the event loop stopped, the p99 of a request under load
    (bench/results/optimisation.md). Frozen, a full collection only looks at what requests
    made since. Only for a serving process: tests build many gateways and drop them.
    """
    gc.collect()
    gc.freeze()


HEAD_REFUSED = "Request head too large."
DEFAULT_MAX_HEAD_BYTES = 16 * 1024
"""h11's default bound, for a server built without ``h11_max_incomplete_event_size``."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the bound h11 had: a request head still incomplete
    past ``GATEWAY_MAX_HEADER_BYTES`` gets a 400 and the connection is closed.

    httptools (llhttp) alone buffers a header of any size until its line ends, and no
    uvicorn option bounds it. The bytes read while a head is incomplete are counted, as
    h11 counts its buffer: a head that arrives complete in one read, whatever its size, is
    parsed, and the front door's check (``gateway/api/front_door.py``) refuses it with a
    431. So a head held in memory stays within the setting plus a read or two (the
    transport reads at most 256 KiB at once), and the 431 covers the rest, as on h11; the
    parsing is llhttp's C instead of h11's Python (``bench/http_server.py``: about a third
    of the CPU of a ``/health`` request).
    """

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        # uvicorn's own option for h11's bound, so that N workers (which get the options
        # pickled) carry it too.
        self.max_head_bytes = config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD_BYTES
        self._in_head = False
        self._heads_begun = 0
        self._head_bytes = 0

    def data_received(self, data: bytes) -> None:
        heads_begun = self._heads_begun
        super().data_received(data)
        # Only reads that find a head unfinished and leave the same head unfinished count:
        # a read that begins a head may also end the request before it (a pipelined one), so
        # it is not counted, and the bound holds within one read.
        if not self._in_head or self._heads_begun != heads_begun:
            return
        self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes and not self.transport.is_closing():
            self.logger.warning(HEAD_REFUSED)
            self.send_400_response(HEAD_REFUSED)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._heads_begun += 1
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options, the same for one process and for N workers."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        # httptools, bounded as h11 was (``BoundedHttpToolsProtocol``).
        "http": BoundedHttpToolsProtocol,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
    }


def serve_one(settings: Settings, gateway: Gateway) -> None:
    """The gateway in this process, with the gateway bootstrap already built."""
    app = create_app(settings, gateway=gateway)
    settle_start_up_objects()
    uvicorn.run(app, **server_options(settings))


def serve_workers(settings: Settings, checked: Gateway, workers: int) -> None:
    """``workers`` processes on one port; ``checked`` is the parent's gateway, built only to
    refuse a broken configuration and to migrate the store, and closed before they start."""
    asyncio.run(checked.close())
    # The workers read their settings from the environment: the command line's host and
    # port must reach them the same way.
    os.environ["GATEWAY_HOST"] = settings.host
    os.environ["GATEWAY_PORT"] = str(settings.port)
    with metrics_directory():
        uvicorn.run(
            "gateway.serving:worker_app",
            factory=True,
            workers=workers,
            **server_options(settings),
        )


SUPERVISOR_WATCH_S = 1.0
"""How often a worker looks whether its supervisor still lives."""


def exit_with_the_supervisor(parent: int, every_s: float = SUPERVISOR_WATCH_S) -> None:
    """Stop this worker (SIGTERM to itself: a clean shutdown) once ``parent`` is gone.

    The workers hold the listening socket too: a supervisor killed outright (kill -9, the
    OOM killer) would leave them answering on its port, unsupervised, and a restarted
    ``serve`` could not bind it. A worker whose parent died is adopted by another process,
    so a change of ``getppid()`` says it; a watching thread rather than the kernel's
    parent-death signal, which fires when the spawning *thread* ends, not the process.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def worker_app() -> FastAPI:
    """The app of one worker process: its own gateway, its start-up objects frozen."""
    exit_with_the_supervisor(os.getppid())
    settings = Settings()
    app = create_app(settings, gateway=bootstrap(settings))
    settle_start_up_objects()
    return app


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """The folder the workers' metric files meet in, empty at start as prometheus_client
    requires: the operator's ``PROMETHEUS_MULTIPROC_DIR`` emptied, or a temporary folder
    removed afterwards."""
    given = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    directory = Path(tempfile.mkdtemp(prefix="ekomunat-metrics-"))
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(directory)
    try:
        yield directory
    finally:
        del os.environ[MULTIPROCESS_DIR_VARIABLE]
        shutil.rmtree(directory, ignore_errors=True)

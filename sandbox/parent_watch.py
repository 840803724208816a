"""``--exit-with-parent``: a sandbox process that stops when whoever started it is gone.

Test fixtures and the demo start sandbox servers and back-offices as children; when such a
run is killed outright, its children must not keep ports and queues. A person who starts the
same command with ``&``, ``nohup`` or a service manager wants the opposite: the process
outlives the shell that launched it. So watching the parent is opt-in.
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable

CHECK_SECONDS = 0.5


def add_exit_with_parent(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one exits (test fixtures, the demo); "
        "off by default, so a command started with &, nohup or a service manager keeps running",
    )


def parent_alive(parent: int) -> bool:
    """True while the process that started us (pid ``parent``) is still our parent."""
    return os.getppid() == parent


def stop_with_parent(stop: Callable[[], None]) -> None:
    """Call ``stop`` once this process's parent has gone (checked from a daemon thread)."""
    parent = os.getppid()
    gone = threading.Event()

    def watch() -> None:
        while not gone.wait(CHECK_SECONDS):
            if not parent_alive(parent):
                gone.set()
                stop()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()

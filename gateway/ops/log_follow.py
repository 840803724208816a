"""``ekomunat-gateway logs``: follow the JSON log as readable, coloured lines, filtered.

The gateway writes one JSON object per line; an operator chasing one citizen's request wants
its hops, in order, at a glance. This reads a log file (following it as it grows, like
``tail -f``, and across truncation or rotation) or standard input, keeps the routing-log
lines (those with a ``hop``) that pass the filters, and prints each hop as one line::

    14:03:12.345 registry_call  found     birth-certificate 19 civil getPerson  12.3 ms  3f2a…

A request's routing log is one JSON line with its hops in a list (``gateway.routing.journey``):
it is shown as one printed line per hop, in order, so an operator reads the same steps as when
each hop had its own line. ``--hop`` and ``--outcome`` keep a request whose line has such a
hop or outcome anywhere in it, and show all of its hops.

Lines are already masked by the gateway; this tool masks again anyway, so a log written by
something else cannot put a personal number on an operator's screen. Values are shown with
every control character escaped (``\x1b``, ``\n``, ``\u2028``): the JSON log escapes them, but
decoded and printed raw, a newline in a client's value drew a fake record and ESC sequences
could clear or recolour the terminal (issue 16, item 7). The only escape sequences printed are
this tool's own colours.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gateway.logging import mask_text
from gateway.routing.journey import hops_of

GOOD = frozenset(
    {
        "received",
        "valid",
        "found",
        "absent",
        "passed",
        "answered",
        "accepted",
        "replayed",
        "confirmed",
        "recorded",
        "delivered",
    }
)
BAD = frozenset({"failed", "dead_lettered", "returned", "error", "cancelled", "unavailable"})
RESET, BOLD, DIM, RED, GREEN, YELLOW, CYAN = (
    "\033[0m",
    "\033[1m",
    "\033[2m",
    "\033[31m",
    "\033[32m",
    "\033[33m",
    "\033[36m",
)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls, line and paragraph separators, and the bidirectional overrides that
reorder what a terminal shows."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as text a terminal shows as it is: one line, nothing it would interpret."""
    return _UNPRINTABLE.sub(_escape, str(value))


@dataclass(frozen=True)
class LogFilter:
    """What to show; ``None`` means any. ``everything`` shows lines without a hop too."""

    request_id: str | None = None
    service: str | None = None
    municipality: str | None = None
    outcome: str | None = None
    hop: str | None = None
    everything: bool = False

    def accepts(self, event: Mapping[str, Any]) -> bool:
        if not self.everything and "hop" not in event:
            return False
        if self.request_id is not None and self.request_id not in (
            event.get("request_id"),
            event.get("http_request_id"),
            event.get("replayed_request_id"),
        ):
            return False
        if not all(
            wanted is None or str(event.get(field)) == wanted
            for field, wanted in (("service", self.service), ("municipality", self.municipality))
        ):
            return False
        return all(
            wanted is None
            or str(event.get(field)) == wanted
            or any(str(step.get(field)) == wanted for step in hops_of(event))
            for field, wanted in (("outcome", self.outcome), ("hop", self.hop))
        )


def parse(line: str) -> dict[str, Any] | None:
    """The JSON object on ``line``, or None for anything else (a traceback, a banner)."""
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _paint(text: str, colour: str, enabled: bool) -> str:
    return f"{colour}{text}{RESET}" if enabled else text


def outcome_colour(outcome: str, level: str) -> str:
    if level in ("error", "critical") or outcome in BAD or outcome.startswith("registry."):
        return RED
    if outcome in GOOD:
        return GREEN
    return YELLOW


def render(event: Mapping[str, Any], *, colour: bool) -> str:
    """Readable lines for one event: one per hop of a request's line, else one."""
    hops = event.get("hops")
    if not isinstance(hops, list) or not hops:
        return _render_one(event, colour=colour)
    # Each hop is shown with the request's own fields (its id, service, timestamp), and the
    # last one with the line's extras too (a refusal's detail, a crash's error).
    common = {key: value for key, value in event.items() if key != "hops"}
    steps = list(hops_of(event))
    shown = []
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        base = common if last else {k: common[k] for k in _CONTEXT if k in common}
        shown.append(_render_one({**base, **step}, colour=colour))
    return "\n".join(shown)


_CONTEXT = ("timestamp", "request_id", "service", "municipality", "client")


def _render_one(event: Mapping[str, Any], *, colour: bool) -> str:
    timestamp = printable(event.get("timestamp", ""))
    clock = timestamp[11:23] if len(timestamp) >= 23 else timestamp
    level = printable(event.get("level", "info"))
    hop = printable(event.get("hop") or event.get("event", "?"))
    outcome = printable(event.get("outcome", ""))
    where = [
        printable(event[key])
        for key in ("service", "municipality", "registry", "operation", "rule", "call")
        if event.get(key) not in (None, "")
    ]
    parts = [
        _paint(clock, DIM, colour),
        _paint(f"{hop:13}", BOLD + CYAN, colour),
        _paint(f"{outcome:10}", outcome_colour(outcome, level), colour) if outcome else " " * 10,
        " ".join(where),
    ]
    if "duration_ms" in event:
        parts.append(f"{printable(event['duration_ms'])} ms")
    if event.get("request_id"):
        parts.append(_paint(printable(event["request_id"]), DIM, colour))
    if "hop" not in event or level in ("warning", "error"):
        parts.append(_paint(printable(event.get("event", "")), DIM, colour))
    for key in ("reason", "detail", "error", "code"):
        if event.get(key):
            parts.append(f"{key}={printable(event[key])}")
    return mask_text("  ".join(part for part in parts if part))


def lines_of(path: Path, *, follow: bool, poll_s: float = 0.25) -> Iterator[str]:
    """The file's lines; with ``follow``, then its new lines forever, across rotation."""
    handle = path.open("r", encoding="utf-8", errors="replace")
    inode = os.fstat(handle.fileno()).st_ino
    try:
        while True:
            line = handle.readline()
            if line:
                yield line
                continue
            if not follow:
                return
            time.sleep(poll_s)
            try:
                current = path.stat()
            except FileNotFoundError:
                continue
            if current.st_ino != inode or current.st_size < handle.tell():
                handle.close()
                handle = path.open("r", encoding="utf-8", errors="replace")
                inode = os.fstat(handle.fileno()).st_ino
    finally:
        handle.close()


def show(lines: Iterator[str], log_filter: LogFilter, out: TextIO, *, colour: bool) -> int:
    """Print the lines ``log_filter`` accepts; returns how many were printed."""
    shown = 0
    for line in lines:
        event = parse(line)
        if event is None:
            if log_filter.everything and line.strip():
                out.write(_paint(mask_text(printable(line.rstrip("\r\n"))), DIM, colour) + "\n")
            continue
        if not log_filter.accepts(event):
            continue
        out.write(render(event, colour=colour) + "\n")
        out.flush()
        shown += 1
    return shown


def run(source: str, log_filter: LogFilter, *, follow: bool, colour_choice: str = "auto") -> int:
    """The CLI's entry: ``source`` is a file path or ``-`` for standard input."""
    colour = colour_choice == "always" or (colour_choice == "auto" and sys.stdout.isatty())
    try:
        if source == "-":
            show(iter(sys.stdin), log_filter, sys.stdout, colour=colour)
        else:
            path = Path(source)
            if not path.exists():
                sys.stderr.write(f"no log file at {path}\n")
                return 1
            show(lines_of(path, follow=follow), log_filter, sys.stdout, colour=colour)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        return 0
    return 0

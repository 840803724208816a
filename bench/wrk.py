"""Running wrk (Debian's ``wrk`` package) with ``wrk_portal.lua`` and reading its result."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk_portal.lua"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    errors: int
    """Socket errors (connect, read, write, timeout) plus answers other than 2xx/3xx."""
    wall_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def ok(self) -> int:
        return self.requests - self.errors


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str,
    *,
    connections: int,
    duration_s: float,
    post_bodies: Path | None = None,
    tag: str = "x",
    timeout_s: float = 30,
) -> WrkResult:
    """One wrk run: GET ``url``, or POST the portal bodies to ``url``'s origin."""
    threads = max(1, min(2, connections))
    arguments = ["post", str(post_bodies), tag] if post_bodies is not None else ["get"]
    completed = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration_s))}s",
            f"--timeout={round(timeout_s)}s",
            "-s",
            str(SCRIPT),
            url,
            "--",
            *arguments,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=duration_s + timeout_s + 60,
    )
    line = next(
        (line for line in completed.stdout.splitlines() if line.startswith("BENCHJSON ")), None
    )
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    errors = sum(data[name] for name in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        requests=data["requests"],
        errors=errors,
        wall_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1e3,
        p95_ms=data["p95_us"] / 1e3,
        p99_ms=data["p99_us"] / 1e3,
        max_ms=data["max_us"] / 1e3,
    )

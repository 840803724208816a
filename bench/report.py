"""The gateway benchmark's report: Markdown tables, the goals checked, and one PNG plot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

GOAL_LEVEL = 64


class CellLike(Protocol):
    case: str
    concurrency: int
    generator: str
    requests: int
    ok: int
    errors: int
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    gateway_cpu_us: float | None
    gateway_cores: float | None
    gateway_peak_mib: float | None
    extra: dict[str, Any]


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _num(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _find(cells: Sequence[CellLike], case: str, level: int) -> CellLike | None:
    return next((c for c in cells if c.case == case and c.concurrency == level), None)


def _accepted_rate(cell: CellLike) -> float:
    """202 answers per second of the cell (its rate counts every answer)."""
    return cell.rate * cell.ok / cell.requests if cell.requests else 0.0


def ratios(cells: Sequence[CellLike]) -> list[list[str]]:
    rows = []
    for level in sorted({c.concurrency for c in cells}):
        base, sync = _find(cells, "baseline", level), _find(cells, "sync", level)
        accept, reference = _find(cells, "async", level), _find(cells, "reference", level)
        gw, direct = _find(cells, "sync (py)", level), _find(cells, "direct (py)", level)
        to_reference = sync.rate / reference.rate if sync and reference and reference.rate else None
        to_baseline = _accepted_rate(accept) / base.rate if accept and base and base.rate else None
        rows.append(
            [
                str(level),
                f"{sync.rate / base.rate:.1%}" if sync and base and base.rate else "–",
                _num(to_reference, 2),
                _num(to_baseline, 2),
                f"{gw.rate / direct.rate:.1%}" if gw and direct and direct.rate else "–",
                f"{gw.p50_ms - direct.p50_ms:+.2f}" if gw and direct else "–",
                f"{gw.p99_ms - direct.p99_ms:+.2f}" if gw and direct else "–",
                f"{gw.p50_ms / direct.p50_ms:.2f}x" if gw and direct and direct.p50_ms else "–",
            ]
        )
    return rows


def _row(figure: str, source: str, reached: str, goal: str, met: bool | None) -> list[str]:
    verdict = "–" if met is None else ("met" if met else "not met")
    return [figure, source, reached, goal, verdict]


def goals(results: Any) -> list[list[str]]:
    """Issue #20's goals table, each row from this one run (the drills' from their last run)."""
    cells = results.cells
    at = GOAL_LEVEL
    base, sync = _find(cells, "baseline", at), _find(cells, "sync", at)
    accept, reference = _find(cells, "async", at), _find(cells, "reference", at)
    rows = []
    if sync and sync.gateway_cpu_us is not None:
        ms = sync.gateway_cpu_us / 1e3
        rows.append(
            _row(
                "sync gateway CPU per request",
                f"`sync`, wrk, {at} conns",
                f"{ms:.2f} ms",
                "≤ 1.5 ms",
                ms <= 1.5,
            )
        )
    if accept and accept.gateway_cpu_us is not None:
        ms = accept.gateway_cpu_us / 1e3
        rows.append(
            _row(
                "async accept CPU per request, the relay's publish included",
                f"`async`, wrk, {at} conns, until the outbox is drained",
                f"{ms:.2f} ms",
                "≤ 0.8 ms",
                ms <= 0.8,
            )
        )
    if sync and reference and reference.rate:
        share = sync.rate / reference.rate
        rows.append(
            _row(
                "sync req/s / naive reference req/s",
                f"`sync` / `reference`, wrk, {at} conns",
                f"{share:.2f} ({sync.rate:,.0f} / {reference.rate:,.0f})",
                "≥ 0.6",
                share >= 0.6,
            )
        )
    if accept and base and base.rate:
        accepted = _accepted_rate(accept)
        share = accepted / base.rate
        rows.append(
            _row(
                "async accepted/s / `/health` req/s",
                f"`async` / `baseline`, wrk, {at} conns",
                f"{share:.2f} ({accepted:,.0f} / {base.rate:,.0f})",
                "≥ 0.4",
                share >= 0.4,
            )
        )
    if sync:
        rows.append(
            _row(
                "sync p99",
                f"`sync`, wrk, {at} conns",
                f"{sync.p99_ms:,.0f} ms",
                "≤ 150 ms",
                sync.p99_ms <= 150,
            )
        )
    single_gw, single_direct = _find(cells, "sync (py)", 1), _find(cells, "direct (py)", 1)
    if single_gw and single_direct:
        added = single_gw.p50_ms - single_direct.p50_ms
        rows.append(
            _row(
                "gateway adds at p50 over the direct calls, 1 connection",
                "`sync (py)` − `direct (py)`, Python generator, 1 conn",
                f"{added:+.2f} ms ({single_gw.p50_ms:.2f} against {single_direct.p50_ms:.2f})",
                "≤ +1.5 ms",
                added <= 1.5,
            )
        )
    drills = getattr(results, "drills", None) or {}
    if drills:
        rows.append(
            _row(
                "drills: lost / duplicated",
                f"not run by this command: the last drill results "
                f"(`{drills['command']}`, {drills['run_at']}, {drills['faults']} faults, "
                f"`bench/results/drills/`)",
                f"{drills['lost']} / {drills['duplicated']}",
                "0 / 0 (unchanged)",
                drills["lost"] == 0 and drills["duplicated"] == 0,
            )
        )
    best = max(results.handoffs, key=lambda run: run.rate, default=None)
    if best is not None:
        rows.append(
            _row(
                "hand-offs confirmed/s",
                f"section 2, best run ({best.store}, {best.relays} relay(s))",
                f"{best.rate:,.0f} /s",
                "≥ 5,000 (unchanged)",
                best.rate >= 5000,
            )
        )
    return rows


def render(setting: Mapping[str, Any], results: Any) -> str:
    cells = results.cells
    parts = [
        "# The gateway under load: measured",
        f"Command: `.venv/bin/{setting['command']}` (from the repository root).  \n"
        f"Run: {setting['started']}, {setting['machine']}; {setting['packages']}.  \n"
        f"Store: {setting['store']} (fresh), relay in the gateway process, private RabbitMQ "
        f"vhost. {setting['applicants']} distinct applicants, a fresh Idempotency-Key on every "
        f"request. {setting['duration']:.0f} s per cell.  \n"
        f"Load average (1/5/15 min) before: {setting['load_before']}; after: "
        f"{setting['load_after']}.",
        "Everything shares the same 2 vCPUs: the load generator, the gateway (one process, one "
        "event loop; the relay and status consumer are threads in it), the three sandbox "
        "registry processes, RabbitMQ, and whatever else runs on the machine. Read req/s as "
        "ratios between rows of one run, not as capacities.",
    ]
    if cells:
        parts += [
            "## 1. Per case and concurrency",
            "`baseline` = wrk `GET /health` on the same gateway process (same app and "
            "middleware; no store, no registry). `sync` = wrk `POST /v1/requests` "
            "`possession-list` (civil GetPerson SOAP + cadastre getPossessionList REST, "
            "concurrently, then the applicant_alive rule, then the request row committed). "
            "`async` = wrk `POST /v1/requests` `municipal-service-complaint` (request + outbox "
            "row + idempotency answer in one commit, 202) while the in-process relay publishes "
            "with confirms. `sync (py)` and `direct (py)` = the Python generator "
            "(`bench/loadgen.py`, aiohttp + uvloop, closed loop) against the gateway, and with "
            "the adapters' exact two requests straight at the sandbox. `reference` = wrk, the "
            "`sync` bodies at `bench/reference_app.py`, its own process: FastAPI, one shared "
            "aiohttp session and `asyncio.gather` over the same two registry calls at the same "
            "sandbox, no checks, no store, served with the gateway's uvicorn options. Gateway "
            "CPU = the gateway process's CPU time during the cell / requests (for `reference`, "
            "the reference app's); peak = its VmHWM so far.",
            table(
                [
                    "case",
                    "conns",
                    "generator",
                    "req/s",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "errors",
                    "gateway CPU µs/req",
                    "gateway cores",
                    "gateway peak MiB",
                ],
                [
                    [
                        c.case,
                        str(c.concurrency),
                        c.generator,
                        _num(c.rate),
                        _num(c.p50_ms, 2),
                        _num(c.p95_ms, 2),
                        _num(c.p99_ms, 2),
                        f"{c.errors} / {c.requests}",
                        _num(c.gateway_cpu_us),
                        _num(c.gateway_cores, 2),
                        _num(c.gateway_peak_mib),
                    ]
                    for c in sorted(cells, key=lambda c: (c.concurrency, c.case))
                ],
            ),
            "### Ratios",
            "sync / baseline, sync / reference, async accepted / baseline: wrk against wrk. "
            "gateway / direct: the Python generator against itself (gateway sync route against "
            "the same two registry calls made directly).",
            table(
                [
                    "conns",
                    "sync / baseline (req/s)",
                    "sync / reference (req/s)",
                    "async accepted / baseline (req/s)",
                    "gateway / direct (req/s)",
                    "gateway adds at p50 (ms)",
                    "gateway adds at p99 (ms)",
                    "p50 gateway / direct",
                ],
                ratios(cells),
            ),
        ]
        asyncs = [c for c in cells if c.case == "async"]
        if asyncs:
            parts += [
                "### Async route: accepted against handed off",
                "Accepted = 202 answers per second during the cell. Published = outbox rows "
                "confirmed by the broker during the cell. Backlog = outbox depth at the end of "
                "the cell; drain = seconds until the relay had published it all; end to end = "
                "accepted / (cell + drain).",
                table(
                    [
                        "conns",
                        "accepted /s",
                        "published /s (during)",
                        "backlog at end",
                        "drain s",
                        "end to end /s",
                    ],
                    [
                        [
                            str(c.concurrency),
                            _num(c.ok / float(setting["duration"])),
                            _num(c.extra.get("published_per_s")),
                            _num(c.extra.get("backlog_at_end")),
                            _num(c.extra.get("drain_s"), 1),
                            _num(c.extra.get("handed_off_per_s")),
                        ]
                        for c in asyncs
                    ],
                ),
            ]
    if results.handoffs:
        parts += [
            "## 2. Hand-off rate: outbox to broker-confirmed",
            "The outbox is filled first, then `python -m gateway.relay` processes drain it "
            "(pipelined confirms, persistent messages, quorum queues); counted from the first "
            "row confirmed to the last.",
            table(
                ["store", "relays", "rows", "seconds", "confirmed hand-offs /s"],
                [
                    [r.store, str(r.relays), str(r.rows), f"{r.seconds:.2f}", _num(r.rate)]
                    for r in results.handoffs
                ],
            ),
        ]
    if results.loading:
        parts += [
            "## 3. Start-up: loading what the gateway checks before it serves",
            "Medians in a fresh interpreter (`load_catalogue`, `build_routing`: routing.yaml, "
            "every route checked against the catalogue and the contracts, every WSDL + XSD "
            "through zeep and lxml, the OpenAPI file with its check).",
            table(
                ["what", "cost"],
                [[name, f"{value:,.2f}"] for name, value in results.loading.items()],
            ),
        ]
    if results.memory:
        parts += [
            "## 4. Memory with requests in flight",
            "The Python generator holds N sync requests open at once (N connections, each "
            "sending again as soon as it has its answer); the gateway's RSS is sampled every "
            "50 ms. With admission off (limit `none`, `GATEWAY_MAX_IN_FLIGHT=0`) the gateway "
            "takes every request in: the registries allow 64 connections each (routing.yaml), "
            "so most wait inside the gateway, and those that wait longer than the registry "
            "timeout (2 s) are answered 503 (`registry.*.unavailable`). With the default limit "
            "it handles that many at once and answers the rest at once with 503 "
            "`gateway.overloaded`. Like the portal, the generator waits `Retry-After` before "
            "it resends after a 503; a 503 is a refusal, not a lost request. Answers count "
            "what came back within the measured window; a gateway that has not finished "
            "taking the requests in by then has none to show, and its memory is still the "
            "figure of the row. Generator cores = the generator's CPU time over the window: "
            "near 1.0 it is itself the bottleneck (one process, one event loop), and the row's "
            "latencies are mostly its own lag.",
            table(
                [
                    "in flight",
                    "admission limit",
                    "RSS idle MiB",
                    "RSS peak MiB",
                    "KiB per request in flight",
                    "answers",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "generator cores",
                ],
                [
                    [
                        str(m["in_flight"]),
                        str(m.get("limit") or "none"),
                        _num(m["idle_mib"]),
                        _num(m["peak_mib"]),
                        _num(m["per_request_kib"], 1),
                        ", ".join(f"{k}: {v}" for k, v in sorted(m["statuses"].items()))
                        or "none within the window",
                        _num(m["rate"] if m["statuses"] else None),
                        _num(m["p50_ms"] if m["statuses"] else None),
                        _num(m["p99_ms"] if m["statuses"] else None),
                        _num(m.get("generator_cpu_share"), 2),
                    ]
                    for m in results.memory
                ],
            ),
        ]
    goal_rows = goals(results)
    if goal_rows:
        parts += [
            "## Goals (issue #20)",
            f"Every row from this run (`.venv/bin/{setting['command']}`) but the drills', which "
            "need a cluster of their own and cannot run inside `make bench`. CPU per request is "
            "the gateway process's CPU over the requests answered, the in-process relay's "
            "included.",
            table(["figure", "from", "reached", "goal", "met"], goal_rows),
        ]
    if results.notes:
        parts += ["## Notes", "\n".join(f"- {note}" for note in results.notes)]
    return "\n\n".join(parts) + "\n"


def plot(cells: Sequence[CellLike], path: Path) -> None:
    """Throughput and p99 latency against concurrency, one line per case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for case in sorted({c.case for c in cells}):
        points = sorted((c.concurrency, c.rate, c.p99_ms) for c in cells if c.case == case)
        levels = [p[0] for p in points]
        left.plot(levels, [p[1] for p in points], marker="o", label=case)
        right.plot(levels, [p[2] for p in points], marker="o", label=case)
    for axis, title, unit in (
        (left, "throughput", "requests per second"),
        (right, "p99 latency", "milliseconds"),
    ):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("concurrent connections")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    left.legend()
    figure.suptitle("eKomunat Gateway on 2 shared vCPUs (bench/gateway_load.py)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

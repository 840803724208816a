"""Fault knobs: the ways a sandbox registry can misbehave on purpose, for tests and drills.

Knobs are set at start (launcher flags) or at run time (`PUT /_sandbox/faults`), and a PUT replaces
the whole set, so a test always knows exactly what is switched on. Rates are deterministic, not
random: with `failure_rate` 0.25 exactly every fourth operation fails, so a test can count on it.

- `latency_ms`: wait this long before answering.
- `failure_rate`: this share of operations answers "unavailable" (SOAP ServiceUnavailableFault
  with HTTP 500; cadastre 503 problem document).
- `down`: `drop` closes every connection without a word; `refuse` also stops listening, so new
  connections are refused (the admin port keeps working so the knob can be turned back).
- `malformed_rate`: this share of answers is cut in half (broken XML / JSON, status 200).
- `hostile`: answers carry an attack: `xxe` (external entity reading a local file), `xxe_network`
  (external entity fetching the sandbox's own canary URL, so a test can see whether a client
  fetched it), `billion_laughs` (exponential entity expansion) for the SOAP registries;
  `deep_nesting` (a JSON document nested 100,000 levels deep) for the cadastre.
- `drip_bytes` / `drip_interval_ms`: send the answer this many bytes at a time, pausing between
  chunks (a slow, trickling upstream).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DownMode = Literal["up", "drop", "refuse"]
HostileKind = Literal["xxe", "xxe_network", "billion_laughs", "deep_nesting"]
SOAP_HOSTILE_KINDS: frozenset[str] = frozenset({"xxe", "xxe_network", "billion_laughs"})
JSON_HOSTILE_KINDS: frozenset[str] = frozenset({"deep_nesting"})


class FaultKnobs(BaseModel):
    """The complete fault set of one sandbox server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(0, ge=0, le=600_000)
    failure_rate: float = Field(0, ge=0, le=1)
    down: DownMode = "up"
    malformed_rate: float = Field(0, ge=0, le=1)
    hostile: HostileKind | None = None
    drip_bytes: int = Field(0, ge=0, le=1_000_000)
    drip_interval_ms: float = Field(50, ge=0, le=60_000)


class RateGate:
    """Decides, deterministically, whether the n-th event falls within a rate."""

    def __init__(self) -> None:
        self._count = 0

    def fires(self, rate: float) -> bool:
        if rate <= 0:
            return False
        before = int(self._count * rate)
        self._count += 1
        return int(self._count * rate) > before


class FaultState:
    """The knobs in force plus the counters that go with them; reset together."""

    def __init__(self, hostile_kinds: frozenset[str], knobs: FaultKnobs | None = None) -> None:
        self.hostile_kinds = hostile_kinds
        self.knobs = FaultKnobs()
        self.failures = RateGate()
        self.malformations = RateGate()
        self.stats: dict[str, int] = {}
        self.replace(knobs or FaultKnobs())

    def check(self, knobs: FaultKnobs) -> None:
        """Reject knobs this registry cannot honour (e.g. XXE on a JSON API)."""
        if knobs.hostile is not None and knobs.hostile not in self.hostile_kinds:
            allowed = ", ".join(sorted(self.hostile_kinds))
            raise ValueError(f"hostile={knobs.hostile!r} is not offered here (use {allowed})")

    def replace(self, knobs: FaultKnobs) -> None:
        self.check(knobs)
        self.knobs = knobs
        self.failures = RateGate()
        self.malformations = RateGate()
        self.stats = {
            "operations": 0,
            "failures": 0,
            "malformed": 0,
            "hostile": 0,
            "dropped": 0,
            "canary_hits": self.stats.get("canary_hits", 0),
        }

    def count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1


def parse_knob_assignments(assignments: list[str]) -> dict[str, dict[str, str | None]]:
    """Parse launcher flags like `civil:latency_ms=200` or `all:failure_rate=0.1`.

    Returns raw strings per registry; `FaultKnobs.model_validate` converts and checks them.
    """
    result: dict[str, dict[str, str | None]] = {}
    for item in assignments:
        target, sep, rest = item.partition(":")
        name, eq, value = rest.partition("=")
        if not sep or not eq or not target or not name:
            raise ValueError(f"--fault expects REGISTRY:KNOB=VALUE, got {item!r}")
        result.setdefault(target, {})[name] = None if value.lower() in ("none", "null") else value
    return result

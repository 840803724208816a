"""How patiently the gateway treats one registry: timeout, retries, circuit breaker, pool.

Values come from ``routing.yaml`` (one policy per registry); the defaults here are what a
registry gets when the file says nothing. They are chosen so that a sync request stays well
under the portal's patience: three attempts of at most 2 s each, with short backoff.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryPolicy:
    """Resilience settings for one registry.

    ``retries`` counts attempts, so ``1`` means "no retry". Backoff is exponential from
    ``backoff_base_s`` up to ``backoff_max_s``, plus a random jitter of up to
    ``backoff_base_s`` so that many gateway instances do not retry in step. The breaker
    opens after ``failure_threshold`` consecutive failed attempts and lets one probe through
    after ``cool_down_s``.
    """

    timeout_s: float = 2.0
    retries: int = 3
    backoff_base_s: float = 0.05
    backoff_max_s: float = 1.0
    failure_threshold: int = 5
    cool_down_s: float = 10.0
    max_connections: int = 64
    max_response_bytes: int = 1_048_576

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.retries < 1:
            raise ValueError("retries counts attempts and must be at least 1")
        if self.backoff_base_s < 0 or self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff needs 0 <= backoff_base_s <= backoff_max_s")
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if self.cool_down_s < 0:
            raise ValueError("cool_down_s must not be negative")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if self.max_response_bytes < 1024:
            raise ValueError("max_response_bytes must be at least 1024")

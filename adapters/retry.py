"""Bounded retries with exponential backoff and jitter, built from a registry's policy.

Only reads are retried, and only on errors that say "try again" (``RegistryError.retryable``:
a timeout, a refused connection, a 5xx, a declared "service unavailable" fault). A not-found,
a rejection or a bad answer would come back the same, so they are raised at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from adapters.errors import RegistryError
from adapters.policy import RegistryPolicy

_log = structlog.get_logger("adapters.retry")

Sleep = Callable[[float], Awaitable[None]]


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, RegistryError) and exc.retryable


def _log_retry(registry: str, operation: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        _log.info(
            "registry.retry_scheduled",
            registry=registry,
            operation=operation,
            attempt=state.attempt_number,
            wait_ms=round((state.upcoming_sleep or 0.0) * 1000, 1),
            error=error.code if isinstance(error, RegistryError) else type(error).__name__,
        )

    return before_sleep


def build_retrying(
    policy: RegistryPolicy,
    *,
    registry: str,
    operation: str,
    idempotent: bool,
    sleep: Sleep | None = None,
) -> AsyncRetrying:
    """Return a fresh tenacity controller for one call (controllers keep per-call state).

    ``sleep`` replaces ``asyncio.sleep`` in tests that must not wait for real backoff.
    """
    attempts = policy.retries if idempotent else 1
    # Passed only when given: tenacity's own default sleeps for asyncio and trio alike.
    extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    return AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=policy.backoff_base_s, max=policy.backoff_max_s)
        + wait_random(0, policy.backoff_base_s),
        retry=retry_if_exception(_is_retryable),
        before_sleep=_log_retry(registry, operation),
        reraise=True,
        **extra,
    )

"""The resilience policy refuses settings that would make a registry call unbounded or odd."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.policy import RegistryPolicy


def test_defaults_bound_a_call() -> None:
    policy = RegistryPolicy()
    assert policy.timeout_s > 0
    assert policy.retries >= 1
    assert policy.backoff_max_s >= policy.backoff_base_s


@pytest.mark.parametrize(
    "changes",
    [
        {"timeout_s": 0},
        {"retries": 0},
        {"backoff_base_s": 2.0, "backoff_max_s": 1.0},
        {"failure_threshold": 0},
        {"cool_down_s": -1},
        {"max_connections": 0},
        {"max_response_bytes": 10},
    ],
)
def test_unsafe_values_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RegistryPolicy(**changes)


def test_policy_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RegistryPolicy().timeout_s = 5  # type: ignore[misc]

"""Registry clients pointed at the running sandbox, with a fast retry policy for tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.policy import RegistryPolicy
from adapters.registry import ResilientRegistry, build_registry
from tests.fixtures.sandbox import RunningSandbox

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = {
    "civil": ("soap", ROOT / "wsdl" / "civil-registry.wsdl"),
    "business": ("soap", ROOT / "wsdl" / "business-registry.wsdl"),
    "cadastre": ("rest", ROOT / "wsdl" / "cadastre.openapi.yaml"),
    "tax": ("rest", ROOT / "wsdl" / "tax-administration.openapi.yaml"),
}
FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 5.0}


def client(
    sandbox: RunningSandbox,
    name: str,
    *,
    clock: Callable[[], float] = time.monotonic,
    **policy: Any,
) -> ResilientRegistry:
    """A fresh client for one test (its pooled session belongs to that test's event loop)."""
    kind, contract = CONTRACTS[name]
    endpoint = {
        "civil": sandbox.civil_url,
        "business": sandbox.business_url,
        "cadastre": sandbox.cadastre_url,
        "tax": sandbox.tax_url,
    }[name]
    return build_registry(
        name,
        kind=kind,  # type: ignore[arg-type]
        contract=contract,
        endpoint=endpoint,
        policy=RegistryPolicy(**{**FAST, **policy}),
        clock=clock,
    )


async def call_once(registry: ResilientRegistry, operation: str, **arguments: str) -> Any:
    """Call, then close the client's pool, so no connection outlives the test's loop."""
    try:
        return await registry.call(operation, arguments)
    finally:
        await registry.aclose()

"""Every fault knob of the sandbox, driven through the adapters over real HTTP.

Each test turns knobs on ``sandbox_reset``, which resets them before and after, and reads the
sandbox's own counters to see how many attempts really reached the registry.
"""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from adapters.errors import (
    RegistryBadResponse,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from adapters.policy import RegistryPolicy
from adapters.registry import build_registry
from tests.fixtures.sandbox import RunningSandbox

from .registries import CONTRACTS, call_once, client

DECLARATION_REFUSED = "answer carries a DTD or entity declaration; refused"


def get_person(sandbox: RunningSandbox, **policy: float):
    number = sandbox.seed.alive_parcel_owner().personal_number
    registry = client(sandbox, "civil", **policy)
    return asyncio.run(call_once(registry, "GetPerson", personalNumber=number))


def get_parcel(sandbox: RunningSandbox, **policy: float):
    parcel = sandbox.seed.co_owned_parcel()
    registry = client(sandbox, "cadastre", **policy)
    return asyncio.run(
        call_once(
            registry,
            "getParcel",
            cadastralZone=parcel.cadastral_zone,
            parcelNumber=parcel.parcel_number,
        )
    )


def test_a_slow_registry_is_retried_then_reported_unavailable(
    sandbox_reset: RunningSandbox,
) -> None:
    sandbox_reset.set_faults("civil", latency_ms=2000)
    with pytest.raises(RegistryUnavailable, match="no answer within") as raised:
        get_person(sandbox_reset, timeout_s=0.2, retries=3)
    assert raised.value.code == "registry.civil.unavailable"
    assert sandbox_reset.stats("civil")["operations"] == 3


def test_a_trickling_answer_times_out_as_unavailable(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("cadastre", drip_bytes=8, drip_interval_ms=100)
    with pytest.raises(RegistryUnavailable):
        get_parcel(sandbox_reset, timeout_s=0.3, retries=2)
    assert sandbox_reset.stats("cadastre")["operations"] == 2


@pytest.mark.parametrize("registry", ["civil", "cadastre"])
def test_a_server_error_is_retried_and_the_retry_answers(
    sandbox_reset: RunningSandbox, registry: str
) -> None:
    # failure_rate 0.5 fails exactly every second operation: the first call succeeds,
    # the second call's first attempt fails and its retry succeeds.
    sandbox_reset.set_faults(registry, failure_rate=0.5)
    ask = get_person if registry == "civil" else get_parcel
    ask(sandbox_reset)
    with capture_logs() as logs:
        record = ask(sandbox_reset)
    assert record is not None
    (finished,) = [entry for entry in logs if entry["event"] == "registry.call.finished"]
    assert (finished["outcome"], finished["attempt"]) == ("found", 2)
    assert [entry["event"] for entry in logs].count("registry.retry_scheduled") == 1
    assert sandbox_reset.stats(registry)["failures"] == 1


@pytest.mark.parametrize("registry", ["civil", "cadastre"])
def test_a_registry_that_keeps_failing_is_unavailable_after_every_retry(
    sandbox_reset: RunningSandbox, registry: str
) -> None:
    sandbox_reset.set_faults(registry, failure_rate=1)
    ask = get_person if registry == "civil" else get_parcel
    with pytest.raises(RegistryUnavailable) as raised:
        ask(sandbox_reset, retries=3)
    assert raised.value.code == f"registry.{registry}.unavailable"
    assert sandbox_reset.stats(registry)["failures"] == 3


def test_a_soap_fault_is_a_rejection_and_is_not_retried(sandbox_reset: RunningSandbox) -> None:
    # A civil request sent to the business registry (a misrouted endpoint) gets that
    # registry's InvalidRequestFault: a real fault, undeclared for the civil operation.
    # The adapter's own XSD check keeps every schema-invalid request from leaving, so the
    # declared InvalidRequestFault is covered by the unit tests.
    _, contract = CONTRACTS["civil"]
    registry = build_registry(
        "civil",
        kind="soap",
        contract=contract,
        endpoint=sandbox_reset.business_url,
        policy=RegistryPolicy(retries=3, backoff_base_s=0.01, backoff_max_s=0.05),
    )
    number = sandbox_reset.seed.alive_parcel_owner().personal_number
    with pytest.raises(RegistryRejected) as raised:
        asyncio.run(call_once(registry, "GetPerson", personalNumber=number))
    assert raised.value.code == "registry.civil.rejected"
    assert sandbox_reset.stats("business")["operations"] == 1


def test_a_not_found_fault_is_not_retried(sandbox_reset: RunningSandbox) -> None:
    registry = client(sandbox_reset, "business", retries=3)
    unknown = sandbox_reset.seed.unknown_registration_number()
    with pytest.raises(RegistryNotFound):
        asyncio.run(call_once(registry, "GetBusiness", registrationNumber=unknown))
    assert sandbox_reset.stats("business")["operations"] == 1


@pytest.mark.parametrize("registry", ["civil", "cadastre"])
def test_a_truncated_answer_is_a_bad_response_and_is_not_retried(
    sandbox_reset: RunningSandbox, registry: str
) -> None:
    sandbox_reset.set_faults(registry, malformed_rate=1)
    ask = get_person if registry == "civil" else get_parcel
    with pytest.raises(RegistryBadResponse) as raised:
        ask(sandbox_reset, retries=3)
    assert raised.value.code == f"registry.{registry}.bad_response"
    assert sandbox_reset.stats(registry)["operations"] == 1


def test_an_xxe_answer_is_refused_without_reading_the_file(
    sandbox_reset: RunningSandbox,
) -> None:
    sandbox_reset.set_faults("civil", hostile="xxe")
    with capture_logs() as logs, pytest.raises(RegistryBadResponse) as raised:
        get_person(sandbox_reset)
    assert raised.value.code == "registry.civil.bad_response"
    assert raised.value.detail == DECLARATION_REFUSED
    (finished,) = [entry for entry in logs if entry["event"] == "registry.call.finished"]
    assert (finished["code"], finished["detail"]) == (raised.value.code, DECLARATION_REFUSED)
    # The entity points at /etc/passwd; its first line names the root account.
    assert "root:" not in str(raised.value)
    assert "root:" not in repr(logs)
    assert raised.value.__cause__ is None


def test_an_xxe_answer_is_refused_without_fetching_the_url(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("civil", hostile="xxe_network")
    with pytest.raises(RegistryBadResponse) as raised:
        get_person(sandbox_reset)
    assert (raised.value.code, raised.value.detail) == (
        "registry.civil.bad_response",
        DECLARATION_REFUSED,
    )
    assert sandbox_reset.stats("civil")["canary_hits"] == 0


def test_an_entity_expansion_bomb_is_refused(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("business", hostile="billion_laughs")
    registry = client(sandbox_reset, "business")
    _, business = sandbox_reset.seed.active_business_owner()
    with pytest.raises(RegistryBadResponse) as raised:
        asyncio.run(
            call_once(registry, "GetBusiness", registrationNumber=business.registration_number)
        )
    assert (raised.value.code, raised.value.detail) == (
        "registry.business.bad_response",
        DECLARATION_REFUSED,
    )
    assert sandbox_reset.stats("business")["hostile"] == 1, "the sandbox did send the bomb"


def test_a_json_nesting_bomb_is_refused(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("cadastre", hostile="deep_nesting")
    with pytest.raises(RegistryBadResponse, match="JSON"):
        get_parcel(sandbox_reset)


@pytest.mark.parametrize("mode", ["drop", "refuse"])
def test_a_registry_that_is_down_is_unavailable(sandbox_reset: RunningSandbox, mode: str) -> None:
    sandbox_reset.set_faults("civil", down=mode)
    with pytest.raises(RegistryUnavailable):
        get_person(sandbox_reset, retries=2)


def test_the_breaker_opens_fails_fast_and_closes_again(sandbox_reset: RunningSandbox) -> None:
    seed = sandbox_reset.seed
    number = seed.alive_parcel_owner().personal_number

    # The breaker's clock is moved by hand: the cool-down passes when the test says so.
    now = [0.0]

    async def scenario() -> list[str]:
        registry = client(
            sandbox_reset,
            "civil",
            clock=lambda: now[0],
            retries=1,
            failure_threshold=2,
            cool_down_s=30,
        )
        states = []
        try:
            sandbox_reset.set_faults("civil", down="drop")
            for _ in range(2):
                with pytest.raises(RegistryUnavailable):
                    await registry.call("GetPerson", {"personalNumber": number})
            states.append(registry.breaker_state())
            dropped = sandbox_reset.stats("civil")["dropped"]
            with pytest.raises(RegistryUnavailable, match="breaker"):
                await registry.call("GetPerson", {"personalNumber": number})
            assert sandbox_reset.stats("civil")["dropped"] == dropped
            sandbox_reset.reset_faults()
            now[0] += 29.9
            states.append(registry.breaker_state())
            now[0] += 0.1
            states.append(registry.breaker_state())
            await registry.call("GetPerson", {"personalNumber": number})
            states.append(registry.breaker_state())
        finally:
            await registry.aclose()
        return states

    assert asyncio.run(scenario()) == ["open", "open", "half_open", "closed"]

"""Each fault knob makes the sandbox misbehave the way its name promises, and resets cleanly."""

import json

import httpx
import pytest
from lxml import etree

from tests.fixtures.sandbox import RunningSandbox
from tests.integration.sandbox.wire import (
    BUSINESS_NS,
    CIVIL_NS,
    body_payload,
    call_soap,
    envelope,
    fault_detail,
)

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)
"""A dropped connection shows as a disconnect or, with request bytes still unread, a reset."""
HARDENED = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _civil(sandbox: RunningSandbox, timeout: float = 10.0) -> httpx.Response:
    person = sandbox.seed.alive_parcel_owner()
    return call_soap(
        sandbox.civil_url,
        CIVIL_NS,
        "GetPerson",
        "personalNumber",
        person.personal_number,
        timeout=timeout,
    )


def _business(sandbox: RunningSandbox) -> httpx.Response:
    business = sandbox.seed.business_with_status("active")
    return call_soap(
        sandbox.business_url,
        BUSINESS_NS,
        "GetBusiness",
        "registrationNumber",
        business.registration_number,
    )


def _parcel(sandbox: RunningSandbox) -> httpx.Response:
    parcel = sandbox.seed.co_owned_parcel()
    return httpx.get(
        f"{sandbox.cadastre_url}/v1/parcels/{parcel.cadastral_zone}/{parcel.parcel_number}/owners",
        timeout=10,
    )


def test_latency_makes_a_short_client_deadline_expire(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("civil", latency_ms=3000)
    with pytest.raises(httpx.ReadTimeout):
        _civil(sandbox_reset, timeout=0.5)
    sandbox_reset.reset_faults()
    assert _civil(sandbox_reset, timeout=5).status_code == 200


def test_failure_rate_one_makes_every_registry_unavailable(sandbox_reset: RunningSandbox) -> None:
    for registry in ("civil", "business", "cadastre"):
        sandbox_reset.set_faults(registry, failure_rate=1)
    civil = _civil(sandbox_reset)
    assert civil.status_code == 500
    assert fault_detail(civil, CIVIL_NS) == ("soap:Server", "ServiceUnavailableFault", "ARC-503")
    business = _business(sandbox_reset)
    assert fault_detail(business, BUSINESS_NS)[1:] == ("ServiceUnavailableFault", "ARBK-503")
    cadastre = _parcel(sandbox_reset)
    assert cadastre.status_code == 503
    assert cadastre.headers["content-type"] == "application/problem+json"


def test_failure_rate_is_deterministic(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("cadastre", failure_rate=0.5)
    assert [_parcel(sandbox_reset).status_code for _ in range(4)] == [200, 503, 200, 503]
    assert sandbox_reset.stats("cadastre")["failures"] == 2


def test_a_knob_on_one_registry_leaves_the_others_alone(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("civil", failure_rate=1)
    civil = _civil(sandbox_reset)
    assert civil.status_code == 500, "the civil knob took effect"
    assert fault_detail(civil, CIVIL_NS)[1] == "ServiceUnavailableFault"
    assert sandbox_reset.stats("civil")["failures"] == 1
    assert _business(sandbox_reset).status_code == 200
    assert _parcel(sandbox_reset).status_code == 200
    assert sandbox_reset.stats("business")["failures"] == 0


def test_down_drop_closes_connections_without_an_answer(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("civil", down="drop")
    with pytest.raises(DROPPED):
        _civil(sandbox_reset)
    with pytest.raises(DROPPED):
        httpx.get(sandbox_reset.civil_wsdl_url)
    assert sandbox_reset.faults("civil")["down"] == "drop"
    assert sandbox_reset.stats("civil")["dropped"] == 2
    sandbox_reset.reset_faults()
    assert _civil(sandbox_reset).status_code == 200


def test_down_refuse_refuses_connections_until_turned_back(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("cadastre", down="refuse")
    with pytest.raises(httpx.ConnectError):
        _parcel(sandbox_reset)
    sandbox_reset.reset_faults()
    assert _parcel(sandbox_reset).status_code == 200


def test_malformed_answers_are_broken_xml_and_json(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("civil", malformed_rate=1)
    sandbox_reset.set_faults("cadastre", malformed_rate=1)
    civil = _civil(sandbox_reset)
    assert civil.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(civil.content, HARDENED)
    cadastre = _parcel(sandbox_reset)
    assert cadastre.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        cadastre.json()


@pytest.mark.parametrize("registry", ["civil", "business"])
def test_hostile_xxe_answer_points_at_a_local_file(
    sandbox_reset: RunningSandbox, registry: str
) -> None:
    sandbox_reset.set_faults(registry, hostile="xxe")
    response = _civil(sandbox_reset) if registry == "civil" else _business(sandbox_reset)
    assert response.status_code == 200
    assert b'<!ENTITY xxe SYSTEM "file:///etc/passwd">' in response.content
    root = etree.fromstring(response.content, HARDENED)
    assert "root:" not in etree.tostring(root, encoding="unicode")


def test_hostile_network_xxe_has_a_canary_that_counts_fetches(
    sandbox_reset: RunningSandbox,
) -> None:
    sandbox_reset.set_faults("civil", hostile="xxe_network")
    response = _civil(sandbox_reset)
    root = etree.fromstring(response.content, HARDENED)
    canary_url = root.getroottree().docinfo.internalDTD.iterentities().__next__().system_url
    assert canary_url.endswith("/_sandbox/canary")
    before = sandbox_reset.stats("civil")["canary_hits"]
    httpx.get(canary_url)  # what a vulnerable client would do while parsing the answer
    assert sandbox_reset.stats("civil")["canary_hits"] == before + 1


def test_hostile_billion_laughs_does_not_expand_in_a_hardened_parser(
    sandbox_reset: RunningSandbox,
) -> None:
    sandbox_reset.set_faults("civil", hostile="billion_laughs")
    response = _civil(sandbox_reset)
    assert response.content.count(b"<!ENTITY lol") == 10
    try:
        root = etree.fromstring(response.content, HARDENED)
    except etree.XMLSyntaxError:
        return  # refusing the document is a safe outcome too
    assert len(etree.tostring(root)) < 4 * len(response.content)


def test_hostile_cadastre_answer_is_a_json_nesting_bomb(sandbox_reset: RunningSandbox) -> None:
    sandbox_reset.set_faults("cadastre", hostile="deep_nesting")
    response = _parcel(sandbox_reset)
    with pytest.raises(RecursionError):
        json.loads(response.content)


def test_slow_drip_trickles_the_same_answer(sandbox_reset: RunningSandbox) -> None:
    normal = _civil(sandbox_reset).content
    sandbox_reset.set_faults("civil", drip_bytes=64, drip_interval_ms=20)
    person = sandbox_reset.seed.alive_parcel_owner()
    with httpx.stream(
        "POST",
        sandbox_reset.civil_url,
        timeout=10,
        content=envelope(CIVIL_NS, "GetPerson", "personalNumber", person.personal_number),
        headers={"Content-Type": "text/xml"},
    ) as response:
        chunks = list(response.iter_raw())
    assert len(chunks) > 3
    assert b"".join(chunks) == normal
    assert body_payload(_civil(sandbox_reset)) is not None


def test_admin_api_shows_replaces_resets_and_refuses_bad_knobs(
    sandbox_reset: RunningSandbox,
) -> None:
    admin = sandbox_reset.admin_urls["cadastre"] + "/faults"
    shown = httpx.put(admin, json={"latency_ms": 5, "failure_rate": 0.1}).json()
    assert shown["latency_ms"] == 5 and shown["failure_rate"] == 0.1
    replaced = httpx.put(admin, json={"malformed_rate": 0.2}).json()
    assert replaced["latency_ms"] == 0 and replaced["malformed_rate"] == 0.2
    assert httpx.get(admin).json() == replaced
    assert httpx.put(admin, json={"hostile": "xxe"}).status_code == 422
    assert httpx.put(admin, json={"speed": "slow"}).status_code == 422
    assert httpx.delete(admin).json()["malformed_rate"] == 0
    public_admin = sandbox_reset.cadastre_url + "/_sandbox/faults"
    assert httpx.get(public_admin).json() == httpx.get(admin).json()

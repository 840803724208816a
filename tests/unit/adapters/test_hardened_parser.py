"""The hardened XML parser and the SOAP engine, each against every hostile payload.

Two lines of defence read a registry's answer. The engine refuses any DTD or entity
declaration (and any NUL byte, so UTF-16 and UTF-32 too) it finds in the bytes before
parsing, and any document type the parser then reports; the parser the engine uses
(``answer_parser``) must be safe on its own all the same, should a payload ever get past the
byte search. So each payload is tried on the parser alone (no entity expands, no local file
is opened, the limits hold) and through the engine (refused as a bad response, for the
reason an operator will read in the log).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from adapters import civil_registry
from adapters.errors import RegistryBadResponse
from adapters.soap import SoapContract, SoapEngine, answer_parser
from adapters.transport import TransportResponse

from .canned import CIVIL_WSDL, PERSONAL_NUMBER, CannedTransport, person_answer

SECRET = "TOP-SECRET-CONTENT"
DEPTH_LIMIT = 256
"""libxml2's nesting limit without XML_PARSE_HUGE (huge_tree)."""
TEXT_LIMIT = 10_000_000
"""libxml2's longest text node without XML_PARSE_HUGE, in bytes."""


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def outside_dtd(tmp_path: Path, secret: Path) -> Path:
    """A DTD an attacker hopes the parser will load: it declares two entities of its own."""
    path = tmp_path / "outside.dtd"
    path.write_text(
        f'<!ENTITY leak SYSTEM "{secret.as_uri()}"><!ENTITY planted "FROM-OUTSIDE">',
        encoding="utf-8",
    )
    return path


def _bomb_entities() -> str:
    return '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )


def _declared_entities(root: etree._Element) -> set[str]:
    dtd = root.getroottree().docinfo.internalDTD
    return {entity.name for entity in dtd.iterentities()} if dtd is not None else set()


# ── the parser alone ─────────────────────────────────────────────────────────────────────


def test_a_doctype_is_always_reported_to_the_caller() -> None:
    """libxml2 applies an internal subset's default attributes whatever the options (the
    ``injected`` attribute below appears), so the parser cannot be the one to refuse a DTD:
    it reports the document type, and the engine refuses any answer that has one."""
    body = b'<!DOCTYPE a [<!ATTLIST a injected CDATA "yes">]><a>x</a>'
    root = etree.fromstring(body, answer_parser())
    assert root.getroottree().docinfo.doctype == "<!DOCTYPE a>"


def test_an_external_entity_is_never_read(secret: Path) -> None:
    body = f'<!DOCTYPE a [<!ENTITY x SYSTEM "{secret.as_uri()}">]><a>&x;</a>'.encode()
    root = etree.fromstring(body, answer_parser())
    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_an_external_parameter_entity_opens_no_file(outside_dtd: Path) -> None:
    body = (
        f'<!DOCTYPE a [<!ENTITY % outside SYSTEM "{outside_dtd.as_uri()}"> %outside;]>'
        "<a>&planted;&leak;</a>"
    ).encode()
    root = etree.fromstring(body, answer_parser())
    assert {"planted", "leak"}.isdisjoint(_declared_entities(root)), "the DTD file was loaded"
    assert "FROM-OUTSIDE" not in etree.tostring(root, encoding="unicode")
    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_an_internal_entity_bomb_is_refused_before_it_expands() -> None:
    body = f"<!DOCTYPE a [{_bomb_entities()}]><a>&a9;</a>".encode()
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        etree.fromstring(body, answer_parser())


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    within = b"<a>" * (DEPTH_LIMIT - 1) + b"</a>" * (DEPTH_LIMIT - 1)
    beyond = b"<a>" * (DEPTH_LIMIT + 1) + b"</a>" * (DEPTH_LIMIT + 1)
    etree.fromstring(within, answer_parser())
    with pytest.raises(etree.XMLSyntaxError, match="Excessive depth"):
        etree.fromstring(beyond, answer_parser())


def test_a_text_node_longer_than_the_limit_is_refused() -> None:
    body = b"<a>" + b"x" * (TEXT_LIMIT + 1) + b"</a>"
    with pytest.raises(etree.XMLSyntaxError, match="Text node too long"):
        etree.fromstring(body, answer_parser())


# ── through the engine: refused, and why ─────────────────────────────────────────────────

DECLARATION_REFUSED = "answer carries a DTD or entity declaration; refused"
NOT_WELL_FORMED = "answer is not well-formed XML"


@pytest.fixture(scope="module")
def civil_contract() -> SoapContract:
    return SoapContract.load(CIVIL_WSDL)


def _with_doctype(subset: str, *, first_name: str = "Arta") -> bytes:
    return person_answer(first_name=first_name).body.replace(
        b"?>", f"?><!DOCTYPE soapenv:Envelope [{subset}]>".encode(), 1
    )


def _deeply_nested() -> bytes:
    nested = "<c:x>" * (DEPTH_LIMIT + 1) + "</c:x>" * (DEPTH_LIMIT + 1)
    return person_answer(first_name=f"Arta{nested}").body


def _utf16_with_outside_dtd(outside: Path) -> bytes:
    text = person_answer().body.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    subset = f'<!ENTITY % outside SYSTEM "{outside.as_uri()}"> %outside;'
    return text.replace("?>", f"?><!DOCTYPE soapenv:Envelope [{subset}]>", 1).encode("utf-16")


PAYLOADS: dict[str, tuple[Callable[[Path, Path], bytes], str]] = {
    "doctype": (lambda _s, _d: _with_doctype("<!ELEMENT a ANY>"), DECLARATION_REFUSED),
    "external entity": (
        lambda s, _d: _with_doctype(f'<!ENTITY x SYSTEM "{s.as_uri()}">', first_name="&x;"),
        DECLARATION_REFUSED,
    ),
    "parameter entity": (
        lambda _s, d: _with_doctype(f'<!ENTITY % o SYSTEM "{d.as_uri()}"> %o;'),
        DECLARATION_REFUSED,
    ),
    "internal entity bomb": (
        lambda _s, _d: _with_doctype(_bomb_entities(), first_name="&a9;"),
        DECLARATION_REFUSED,
    ),
    "deep nesting": (lambda _s, _d: _deeply_nested(), NOT_WELL_FORMED),
    "huge text node": (
        lambda _s, _d: person_answer(first_name="x" * (TEXT_LIMIT + 1)).body,
        NOT_WELL_FORMED,
    ),
    # No search for "<!DOCTYPE" finds it in UTF-16; the NUL bytes give it away.
    "parameter entity in utf-16": (lambda _s, d: _utf16_with_outside_dtd(d), DECLARATION_REFUSED),
}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_answer_is_a_bad_response_for_its_reason(
    civil_contract: SoapContract, secret: Path, outside_dtd: Path, payload: str
) -> None:
    build, reason = PAYLOADS[payload]
    engine = SoapEngine(
        "civil",
        contract=civil_contract,
        mapping=civil_registry.MAPPING,
        endpoint="http://registry.invalid/civil-registry",
        transport=CannedTransport([TransportResponse(200, "text/xml", build(secret, outside_dtd))]),
    )
    with pytest.raises(RegistryBadResponse) as raised:
        asyncio.run(engine.invoke("GetPerson", {"personalNumber": PERSONAL_NUMBER}))

    assert raised.value.code == "registry.civil.bad_response"
    assert raised.value.detail == reason
    assert raised.value.__cause__ is None, "no parser error (with its excerpt) travels on"
    assert SECRET not in str(raised.value) and "FROM-OUTSIDE" not in str(raised.value)

"""How the sandbox integration tests talk to the servers: raw SOAP envelopes and plain HTTP.

The tests check the servers against the contract files themselves (the XSDs and the OpenAPI
schemas), never against sandbox code, so a server that drifts from its contract fails here.
"""

from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import yaml
from lxml import etree

ROOT = Path(__file__).resolve().parents[3]
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CIVIL_NS = "urn:ks:arc:civil-registry:v1"
BUSINESS_NS = "urn:ks:arbk:business-registry:v1"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@cache
def xsd(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(ROOT / "xsd" / f"{name}.xsd")))


def envelope(namespace: str, operation: str, key_name: str, key: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}" '
        f'xmlns:r="{namespace}"><soap:Body><r:{operation}Request><r:{key_name}>{key}'
        f"</r:{key_name}></r:{operation}Request></soap:Body></soap:Envelope>"
    ).encode()


def call_soap(
    url: str, namespace: str, operation: str, key_name: str, key: str, timeout: float = 10.0
) -> httpx.Response:
    return httpx.post(
        url,
        content=envelope(namespace, operation, key_name, key),
        timeout=timeout,
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{namespace}#{operation}"',
        },
    )


def body_payload(response: httpx.Response) -> etree._Element:
    """The single element inside soap:Body."""
    root = etree.fromstring(response.content, _SAFE)
    assert root.tag == f"{{{SOAP_ENV}}}Envelope"
    (payload,) = root.find(f"{{{SOAP_ENV}}}Body")
    return payload


def fault_detail(response: httpx.Response, namespace: str) -> tuple[str, str, str]:
    """(faultcode, detail element local name, detail code) of a SOAP fault answer."""
    payload = body_payload(response)
    assert payload.tag == f"{{{SOAP_ENV}}}Fault"
    (detail,) = payload.find("detail")
    assert etree.QName(detail).namespace == namespace
    return (
        payload.findtext("faultcode"),
        etree.QName(detail).localname,
        detail.findtext(f"{{{namespace}}}code"),
    )


def text(element: etree._Element, namespace: str, path: str) -> str | None:
    return element.findtext("/".join(f"{{{namespace}}}{step}" for step in path.split("/")))


@cache
def _openapi() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "wsdl" / "cadastre.openapi.yaml").read_text(encoding="utf-8"))


def assert_matches_openapi_schema(document: Any, schema_name: str) -> None:
    """Validate a JSON answer against a component schema of the cadastre's OpenAPI file."""
    root = {"components": _openapi()["components"], "$ref": f"#/components/schemas/{schema_name}"}
    jsonschema.Draft4Validator(
        root, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    ).validate(document)

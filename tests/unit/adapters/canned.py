"""Test doubles at the adapters' byte seam, and sample answers shaped by the real contracts.

``CannedTransport`` stands in for the network in unit tests only: it hands the engine the
exact bytes a registry could send (including hostile ones) and records what the engine sent.
The same answers travel over real HTTP in ``tests/integration/adapters``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from adapters.transport import TransportResponse

ROOT = Path(__file__).resolve().parents[3]
CIVIL_WSDL = ROOT / "wsdl" / "civil-registry.wsdl"
BUSINESS_WSDL = ROOT / "wsdl" / "business-registry.wsdl"
CADASTRE_OPENAPI = ROOT / "wsdl" / "cadastre.openapi.yaml"

CIVIL_NS = "urn:ks:arc:civil-registry:v1"
BUSINESS_NS = "urn:ks:arbk:business-registry:v1"
PERSONAL_NUMBER = "1234567892"


@dataclass
class SentRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None


@dataclass
class CannedTransport:
    """Answers every request with the next canned response (the last one repeats)."""

    responses: list[TransportResponse]
    sent: list[SentRequest] = field(default_factory=list)
    closed: bool = False

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        operation: str,
    ) -> TransportResponse:
        self.sent.append(SentRequest(method, url, dict(headers), body))
        index = min(len(self.sent), len(self.responses)) - 1
        return self.responses[index]

    async def aclose(self) -> None:
        self.closed = True


def soap(body: str, *, status: int = 200, media_type: str = "text/xml") -> TransportResponse:
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
    return TransportResponse(status=status, media_type=media_type, body=envelope.encode())


def soap_fault(detail_element: str | None, *, namespace: str = CIVIL_NS) -> TransportResponse:
    detail = (
        ""
        if detail_element is None
        else f'<detail><f:{detail_element} xmlns:f="{namespace}"><f:code>X</f:code>'
        f"<f:message>raw registry words</f:message></f:{detail_element}></detail>"
    )
    return soap(
        "<soapenv:Fault><faultcode>soapenv:Client</faultcode>"
        f"<faultstring>raw registry words</faultstring>{detail}</soapenv:Fault>",
        status=500,
    )


ADDRESS = (
    "<c:street>Rruga Nëna Terezë</c:street><c:houseNumber>12</c:houseNumber>"
    "<c:settlement>Prishtinë</c:settlement><c:postalCode>10000</c:postalCode>"
    "<c:municipalityCode>19</c:municipalityCode>"
)


def person_answer(*, first_name: str = "Arta", postal_code: str = "10000") -> TransportResponse:
    return soap(
        f'<c:GetPersonResponse xmlns:c="{CIVIL_NS}"><c:person>'
        f"<c:personalNumber>{PERSONAL_NUMBER}</c:personalNumber>"
        f"<c:firstName>{first_name}</c:firstName><c:lastName>Krasniqi</c:lastName>"
        "<c:fatherName>Agim</c:fatherName>"
        "<c:dateOfBirth>1990-04-17</c:dateOfBirth><c:placeOfBirth>Prishtinë</c:placeOfBirth>"
        "<c:sex>F</c:sex><c:citizenship>XK</c:citizenship><c:status>alive</c:status>"
        f"<c:address>{ADDRESS.replace('10000', postal_code)}</c:address>"
        "<c:municipalityCode>19</c:municipalityCode>"
        "</c:person></c:GetPersonResponse>"
    )


def json_answer(text: str, *, status: int = 200, media_type: str = "application/json"):
    return TransportResponse(status=status, media_type=media_type, body=text.encode())


PARCEL_JSON = (
    '{"cadastralZone": "191001", "cadastralZoneName": "Prishtinë", "parcelNumber": "1234-2",'
    ' "municipalityCode": "19", "areaM2": 512.5, "landUse": "residential"}'
)
PROBLEM_JSON = '{"type": "about:blank", "title": "raw registry words", "status": %d}'

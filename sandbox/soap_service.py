"""SOAP 1.1 document/literal handling shared by the civil and business registry simulators.

A request goes through a hardened lxml parser (no entity expansion, no network, no DTD loading, no
huge trees), must be a SOAP 1.1 envelope whose body holds one request element of the service's
namespace, and must validate against the very XSD the WSDL imports. Answers are built with lxml
and cached as bytes per (operation, key), because the seed never changes while a server runs.
Faults are proper SOAP 1.1 faults (HTTP 500) whose detail carries the fault element the WSDL
declares, so a client can tell "not found" from "invalid" from "unavailable".
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from sandbox.answers import XML_CONTENT_TYPE, Answer

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
INVALID_REQUEST = "InvalidRequestFault"
SERVICE_UNAVAILABLE = "ServiceUnavailableFault"
CACHE_LIMIT = 100_000


def hardened_parser() -> etree.XMLParser:
    """A parser that cannot be turned against the server by the document it reads."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_blank_text=True,
    )


class SoapFault(Exception):
    """A declared fault: `element` is the detail element's local name in the service namespace."""

    def __init__(self, element: str, code: str, message: str, *, client_side: bool) -> None:
        super().__init__(message)
        self.element = element
        self.code = code
        self.message = message
        self.client_side = client_side


Operation = Callable[[str], etree._Element]
"""Takes the request's single key (a personal or registration number), returns the response
wrapper element, or raises SoapFault."""


@dataclass(frozen=True, slots=True)
class SoapServiceSpec:
    namespace: str
    xsd_path: Path
    operations: dict[str, Operation]
    """Keyed by request element local name, e.g. "GetPersonRequest"."""
    code_prefix: str
    """Prefix of the fault codes this registry uses, e.g. "ARC"."""


class SoapService:
    """Turns request bytes into answer bytes for one SOAP registry."""

    def __init__(self, spec: SoapServiceSpec) -> None:
        self._spec = spec
        self._parser = hardened_parser()
        self._schema = etree.XMLSchema(etree.parse(str(spec.xsd_path), hardened_parser()))
        self._cache: dict[tuple[str, str], Answer] = {}

    @property
    def namespace(self) -> str:
        return self._spec.namespace

    def handle(self, body: bytes) -> Answer:
        try:
            operation, key = self._read_request(body)
        except SoapFault as fault:
            return self.fault_answer(fault)
        cached = self._cache.get((operation, key))
        if cached is not None:
            return cached
        try:
            answer = Answer(200, XML_CONTENT_TYPE, envelope(self._spec.operations[operation](key)))
        except SoapFault as fault:
            answer = self.fault_answer(fault)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[(operation, key)] = answer
        return answer

    def _invalid(self, message: str) -> SoapFault:
        return SoapFault(
            INVALID_REQUEST, f"{self._spec.code_prefix}-400", message, client_side=True
        )

    def _read_request(self, body: bytes) -> tuple[str, str]:
        try:
            root = etree.fromstring(body, self._parser)
        except etree.XMLSyntaxError as exc:
            raise self._invalid("The request is not well-formed XML.") from exc
        if root.getroottree().docinfo.doctype:
            raise self._invalid("Document type declarations are not accepted.")
        if root.tag != f"{{{SOAP_ENV}}}Envelope":
            raise self._invalid("The request is not a SOAP 1.1 envelope.")
        soap_body = root.find(f"{{{SOAP_ENV}}}Body")
        payload = None
        if soap_body is not None:
            payload = next((c for c in soap_body if isinstance(c.tag, str)), None)
        if payload is None:
            raise self._invalid("The SOAP body is empty.")
        name = etree.QName(payload)
        if name.namespace != self._spec.namespace or name.localname not in self._spec.operations:
            raise self._invalid(f"Unknown operation element {name.localname!r}.")
        if not self._schema.validate(payload):
            error = self._schema.error_log.last_error
            field = _last_step(error.path or "") if error is not None else "request"
            raise self._invalid(f"{name.localname}: '{field}' does not match the schema.")
        key = payload[0].text or ""
        return name.localname, key

    def fault_answer(self, fault: SoapFault) -> Answer:
        return Answer(500, XML_CONTENT_TYPE, self._fault_bytes(fault))

    def _fault_bytes(self, fault: SoapFault) -> bytes:
        env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
        soap_fault = etree.SubElement(
            etree.SubElement(env, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault"
        )
        etree.SubElement(soap_fault, "faultcode").text = (
            "soap:Client" if fault.client_side else "soap:Server"
        )
        etree.SubElement(soap_fault, "faultstring").text = fault.message
        detail = etree.SubElement(soap_fault, "detail")
        ns = self._spec.namespace
        element = etree.SubElement(detail, f"{{{ns}}}{fault.element}", nsmap={"tns": ns})
        etree.SubElement(element, f"{{{ns}}}code").text = fault.code
        etree.SubElement(element, f"{{{ns}}}message").text = fault.message
        return etree.tostring(env, xml_declaration=True, encoding="UTF-8")

    def unavailable(self) -> Answer:
        """What the failure-rate knob answers: the declared ServiceUnavailableFault."""
        return self.fault_answer(
            SoapFault(
                SERVICE_UNAVAILABLE,
                f"{self._spec.code_prefix}-503",
                "The registry is temporarily unavailable; try again later.",
                client_side=False,
            )
        )


def _last_step(path: str) -> str:
    """Local name of the last step of an lxml error path such as '/a:x/b:y[2]'."""
    return path.rsplit("/", 1)[-1].split(":")[-1].split("[")[0] or "request"


def envelope(payload: etree._Element) -> bytes:
    """Wrap a response element in a SOAP 1.1 envelope and serialise it."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


class ElementBuilder:
    """Small helper for building namespace-qualified response trees without repetition."""

    def __init__(self, namespace: str, prefix: str) -> None:
        self._ns = namespace
        self._nsmap = {prefix: namespace}

    def root(self, name: str) -> etree._Element:
        return etree.Element(f"{{{self._ns}}}{name}", nsmap=self._nsmap)

    def child(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self._ns}}}{name}")
        if text is not None:
            element.text = text
        return element

    def optional(self, parent: etree._Element, name: str, text: str | None) -> None:
        if text is not None:
            self.child(parent, name, text)

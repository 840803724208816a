"""A generic SOAP 1.1 (document/literal wrapped) engine: zeep reads the WSDL, lxml does the work.

At start-up ``SoapContract.load`` reads the WSDL once with zeep's hardened settings (no DTDs,
no entities, no external resolution) and keeps only what the hot path needs: each operation's
SOAPAction, request element and parameters, answer element and declared faults, plus the
message schema compiled by lxml. Per call, the envelope is built and the answer parsed with
lxml directly: ``bench/registry_adapters.py`` measures zeep's ``create_message`` +
``process_reply`` at ~4x the CPU of this path for the same person record, and lxml's compiled
XMLSchema at ~3 µs per answer against ~280 µs for xmlschema.

Answers are parsed as hostile input: any DTD or entity declaration is refused before parsing,
the parser never resolves entities nor touches the network, and the answer must validate
against the XSD before a mapper sees it. Whatever goes wrong, the raw text stays here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from lxml import etree
from pydantic import BaseModel
from zeep import Settings
from zeep.exceptions import Error as ZeepError
from zeep.transports import Transport
from zeep.wsdl import Document

from adapters.errors import (
    RegistryBadResponse,
    RegistryError,
    RegistryNotFound,
    RegistryRejected,
    RegistryUnavailable,
)
from adapters.operations import ContractError, OperationSpec, RecordMapper, check_arguments
from adapters.transport import RegistryTransport, TransportResponse

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_ENVELOPE = f"{{{SOAP_ENV_NS}}}Envelope"
_BODY = f"{{{SOAP_ENV_NS}}}Body"
_FAULT = f"{{{SOAP_ENV_NS}}}Fault"
_XSD_NS = "http://www.w3.org/2001/XMLSchema"
_ENVELOPE_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}"><soapenv:Body>'
).encode()
_ENVELOPE_TAIL = b"</soapenv:Body></soapenv:Envelope>"
_HOSTILE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml"})


class _NothingFromOutside(etree.Resolver):
    """Answers every request for an outside resource with an empty one."""

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        return self.resolve_string("", context)


def hardened_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or reaches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def answer_parser() -> etree.XMLParser:
    """The hardened parser for what a registry sends, which may not open any file at all.

    ``load_dtd=False`` does not stop libxml2 from loading an external parameter entity
    (``<!ENTITY % p SYSTEM "file:///..."> %p;``) named in a document's internal subset: it
    opens the file and reads its declarations. Here every such request gets an empty
    resource. (The contract's own XSD files import each other, so they keep the plain one.)
    """
    parser = hardened_parser()
    parser.resolvers.add(_NothingFromOutside())
    return parser


@dataclass(frozen=True, slots=True)
class SoapOperation:
    """What the hot path needs to know about one WSDL operation."""

    name: str
    soap_action: str
    request_element: str
    parameters: tuple[tuple[str, str], ...]
    response_element: str
    namespace: str
    faults: Mapping[str, str]


class SoapContract:
    """A WSDL and its message schema, loaded and compiled once."""

    def __init__(
        self,
        *,
        wsdl: Path,
        operations: Mapping[str, SoapOperation],
        schema: etree.XMLSchema,
    ) -> None:
        self.wsdl = wsdl
        self.operations = operations
        self.schema = schema

    @classmethod
    def load(cls, wsdl: Path) -> SoapContract:
        """Read the WSDL with zeep (hardened) and compile its XSD with lxml.

        Raises ``ContractError`` naming the file when either cannot be used: a gateway with a
        broken contract must refuse to start rather than fail on the first citizen.
        """
        settings = Settings(
            strict=True,
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
            xml_huge_tree=False,
        )
        try:
            # zeep annotates ``transport`` as a class, but calls an instance's methods on it.
            document = Document(str(wsdl), Transport(), settings=settings)  # type: ignore[arg-type]
        except (ZeepError, etree.XMLSyntaxError, OSError, ValueError) as exc:
            raise ContractError(f"{wsdl}: cannot load the WSDL ({exc})") from exc
        operations: dict[str, SoapOperation] = {}
        for binding in document.bindings.values():
            for name, operation in binding.all().items():
                operations[name] = _describe_operation(wsdl, binding, name, operation)
        if not operations:
            raise ContractError(f"{wsdl}: the WSDL declares no operations")
        schema_files = [
            Path(doc._location)
            for doc in document.types.documents
            if doc._location and Path(doc._location).resolve() != wsdl.resolve()
        ]
        return cls(
            wsdl=wsdl,
            operations=operations,
            schema=_compile_schema(wsdl, schema_files),
        )


def _describe_operation(wsdl: Path, binding: Any, name: str, operation: Any) -> SoapOperation:
    """Pull one operation's names out of zeep's model of the binding (zeep is untyped)."""
    try:
        request = operation.input.body
        response = operation.output.body
        parameters = tuple(
            (child_name, child.qname.text) for child_name, child in request.type.elements
        )
        abstract = binding.port_type.operations[name]
        faults = {
            part.element.qname.text: fault_name
            for fault_name, message in abstract.fault_messages.items()
            for part in message.parts.values()
            if part.element is not None
        }
        return SoapOperation(
            name=name,
            soap_action=operation.soapaction or "",
            request_element=request.qname.text,
            parameters=parameters,
            response_element=response.qname.text,
            namespace=response.qname.namespace or "",
            faults=faults,
        )
    except (AttributeError, KeyError, TypeError) as exc:
        raise ContractError(
            f"{wsdl}: operation {name} is not document/literal wrapped ({exc})"
        ) from exc


def _compile_schema(wsdl: Path, schema_files: list[Path]) -> etree.XMLSchema:
    """Compile the message schemas with lxml; several files are joined by one wrapper."""
    if not schema_files:
        raise ContractError(f"{wsdl}: the WSDL imports no message schema (xsd)")
    try:
        if len(schema_files) == 1:
            tree = etree.parse(str(schema_files[0]), hardened_parser())
        else:
            wrapper = etree.Element(f"{{{_XSD_NS}}}schema", nsmap={"xs": _XSD_NS})
            for path in schema_files:
                target = etree.parse(str(path), hardened_parser()).getroot().get("targetNamespace")
                etree.SubElement(
                    wrapper,
                    f"{{{_XSD_NS}}}import",
                    namespace=target or "",
                    schemaLocation=path.resolve().as_uri(),
                )
            tree = etree.ElementTree(wrapper)
        return etree.XMLSchema(tree)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError, OSError) as exc:
        raise ContractError(f"{wsdl}: cannot compile the message schema ({exc})") from exc


class XmlNode:
    """A read-only view of a validated answer element, for the per-registry mappers.

    Names are local names in the contract's target namespace. A missing required element
    raises ``LookupError``; a malformed value raises ``ValueError``. The engine reports both
    as a bad answer, which can only happen if the XSD and the mapper disagree.
    """

    __slots__ = ("_by_name", "_element", "_namespace")

    def __init__(self, element: etree._Element, namespace: str) -> None:
        self._element = element
        self._namespace = namespace
        self._by_name: dict[str, list[etree._Element]] | None = None

    def _all(self, name: str) -> list[etree._Element]:
        # One pass over the children, then dictionary look-ups: several times cheaper than
        # one ElementPath search per field on a 15-field record.
        if self._by_name is None:
            prefix = len(self._namespace) + 2
            by_name: dict[str, list[etree._Element]] = {}
            for element in self._element.iterchildren(f"{{{self._namespace}}}*"):
                by_name.setdefault(_tag(element)[prefix:], []).append(element)
            self._by_name = by_name
        return self._by_name.get(name, [])

    def optional_text(self, name: str) -> str | None:
        found = self._all(name)
        if not found:
            return None
        return found[0].text or ""

    def text(self, name: str) -> str:
        value = self.optional_text(name)
        if value is None:
            raise LookupError(f"element {name} is missing")
        return value

    def optional_date(self, name: str) -> date | None:
        value = self.optional_text(name)
        return None if value is None else _xs_date(value)

    def date(self, name: str) -> date:
        return _xs_date(self.text(name))

    def boolean(self, name: str) -> bool:
        value = self.text(name).strip()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise ValueError(f"element {name} is not an xs:boolean")

    def optional_decimal(self, name: str) -> Decimal | None:
        value = self.optional_text(name)
        if value is None:
            return None
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"element {name} is not an xs:decimal") from exc

    def decimal(self, name: str) -> Decimal:
        value = self.optional_decimal(name)
        if value is None:
            raise LookupError(f"element {name} is missing")
        return value

    def optional_child(self, name: str) -> XmlNode | None:
        found = self._all(name)
        return XmlNode(found[0], self._namespace) if found else None

    def child(self, name: str) -> XmlNode:
        node = self.optional_child(name)
        if node is None:
            raise LookupError(f"element {name} is missing")
        return node

    def children(self, name: str) -> list[XmlNode]:
        return [XmlNode(element, self._namespace) for element in self._all(name)]


def _tag(element: etree._Element) -> str:
    """A parsed element's tag, which lxml gives as a string (only a tag a program set
    itself may be bytes or a ``QName``, and nothing here sets one)."""
    return cast(str, element.tag)


def _xsd_breach(schema: etree.XMLSchema) -> str:
    """Where the last validation failed and what rule it broke, for the error's detail."""
    error = schema.error_log.last_error
    if error is None:
        return "the XSD"
    return f"the XSD at {error.path} ({error.type_name})"


def _xs_date(value: str) -> date:
    """An xs:date without its optional time zone (a calendar date has none in our records)."""
    return date.fromisoformat(value.strip()[:10])


@dataclass(frozen=True, slots=True)
class SoapMapping:
    """What one registry module tells the engine: a mapper per operation, and fault meanings.

    Fault names are the WSDL's ``wsdl:fault`` names. A fault in ``not_found`` means "no such
    record"; in ``unavailable`` "try again later" (retried); any other fault is a rejection.
    """

    records: Mapping[str, RecordMapper[XmlNode]]
    not_found: frozenset[str]
    unavailable: frozenset[str]


class SoapEngine:
    """Calls one SOAP registry: envelope out, validated answer in, canonical record back."""

    def __init__(
        self,
        registry: str,
        *,
        contract: SoapContract,
        mapping: SoapMapping,
        endpoint: str,
        transport: RegistryTransport,
    ) -> None:
        missing = sorted(set(contract.operations) - set(mapping.records))
        extra = sorted(set(mapping.records) - set(contract.operations))
        if missing or extra:
            raise ContractError(
                f"{contract.wsdl}: mapping for registry {registry} does not match the WSDL "
                f"(unmapped operations {missing}, mapped but undeclared {extra})"
            )
        self._registry = registry
        self._contract = contract
        self._mapping = mapping
        self._endpoint = endpoint
        self._transport = transport
        # One parser per engine: lxml parsers are not thread-safe, and an engine lives on
        # one event loop.
        self._parser = answer_parser()
        self._headers = {
            name: {
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{operation.soap_action}"',
                "Accept": "text/xml",
            }
            for name, operation in contract.operations.items()
        }
        self._specs = {
            name: OperationSpec(
                name=name,
                parameters=tuple(param for param, _ in operation.parameters),
                record=mapping.records[name].record,
            )
            for name, operation in contract.operations.items()
        }

    def operations(self) -> Mapping[str, OperationSpec]:
        return self._specs

    async def invoke(self, operation: str, arguments: Mapping[str, str]) -> BaseModel:
        spec = self._specs.get(operation)
        if spec is None:
            raise ValueError(f"registry {self._registry} has no operation {operation}")
        check_arguments(spec, arguments)
        described = self._contract.operations[operation]
        envelope = self._envelope(described, arguments)
        response = await self._transport.send(
            "POST",
            self._endpoint,
            headers=self._headers[operation],
            body=envelope,
            operation=operation,
        )
        payload = self._payload(described, response)
        try:
            return self._mapping.records[operation].build(XmlNode(payload, described.namespace))
        except (LookupError, ValueError):
            # The mapper's error may quote registry data; keep it out of the chain.
            raise RegistryBadResponse(
                self._registry,
                "answer is valid XML but cannot become a canonical record",
                operation=operation,
            ) from None

    async def aclose(self) -> None:
        await self._transport.aclose()

    def _envelope(self, operation: SoapOperation, arguments: Mapping[str, str]) -> bytes:
        # Only the request element is built: the XSD check needs it, and lxml escapes the
        # arguments as it serialises it. The envelope around it never changes, so it is
        # constant bytes (the same bytes lxml wrote when it built the whole envelope; half
        # the CPU, ``bench/registry_client.py`` section 3).
        request = etree.Element(operation.request_element)
        try:
            for name, tag in operation.parameters:
                etree.SubElement(request, tag).text = arguments[name]
        except (TypeError, ValueError):
            raise RegistryRejected(
                self._registry,
                "an argument is not a valid XML string; not sent",
                operation=operation.name,
            ) from None
        if not self._contract.schema.validate(request):
            raise RegistryRejected(
                self._registry,
                f"request breaks {_xsd_breach(self._contract.schema)}; not sent",
                operation=operation.name,
            )
        return _ENVELOPE_HEAD + etree.tostring(request, encoding="utf-8") + _ENVELOPE_TAIL

    def _payload(self, operation: SoapOperation, response: TransportResponse) -> etree._Element:
        """Return the validated answer element, or raise the error the response stands for.

        SOAP 1.1 sends faults with status 500, so a 5xx is read for a fault first; a 5xx
        that holds no fault (a proxy's error page, a crash) means "unavailable, try again".
        """
        status = response.status
        if status != 200 and status < 500:
            kind = RegistryUnavailable if status in (408, 429) else RegistryRejected
            raise kind(self._registry, f"HTTP status {status}", operation=operation.name)
        body_element = self._parse(operation, response)
        first = (
            body_element[0]
            if isinstance(body_element, etree._Element) and len(body_element)
            else None
        )
        if first is not None and first.tag == _FAULT:
            raise self._fault_error(operation, first)
        if status != 200:
            raise RegistryUnavailable(
                self._registry,
                f"HTTP status {status} without a declared SOAP fault",
                operation=operation.name,
            )
        if isinstance(body_element, str):
            raise self._bad(operation, body_element)
        if first is None or first.tag != operation.response_element or len(body_element) != 1:
            raise self._bad(operation, "SOAP body does not hold the declared answer element")
        if not self._contract.schema.validate(first):
            raise self._bad(operation, f"answer breaks {_xsd_breach(self._contract.schema)}")
        return first

    def _parse(self, operation: SoapOperation, response: TransportResponse) -> etree._Element | str:
        """Parse the envelope as hostile input; return its Body, or why it is no envelope.

        A DTD or entity declaration is refused outright, whatever the status: it is how XXE
        and entity-expansion attacks arrive, and no registry contract needs one.
        """
        body = response.body
        if any(marker in body for marker in _HOSTILE_MARKERS) or b"\x00" in body:
            raise self._bad(operation, "answer carries a DTD or entity declaration; refused")
        if response.media_type not in _XML_MEDIA_TYPES:
            return f"answer has media type {response.media_type!r}, not XML"
        try:
            root = etree.fromstring(body, self._parser)
        except etree.XMLSyntaxError:
            return "answer is not well-formed XML"
        if root.getroottree().docinfo.doctype:
            raise self._bad(operation, "answer carries a document type declaration; refused")
        body_element = root.find(_BODY) if root.tag == _ENVELOPE else None
        if body_element is None:
            return "answer is not a SOAP 1.1 envelope with a Body"
        return body_element

    def _fault_error(self, operation: SoapOperation, fault: etree._Element) -> RegistryError:
        detail = fault.find("detail")
        declared = None
        if detail is not None and len(detail):
            declared = operation.faults.get(_tag(detail[0]))
        if declared is None:
            return RegistryRejected(
                self._registry, "SOAP fault without a declared detail", operation=operation.name
            )
        message = f"SOAP fault {declared}"
        if declared in self._mapping.not_found:
            return RegistryNotFound(self._registry, message, operation=operation.name)
        if declared in self._mapping.unavailable:
            return RegistryUnavailable(self._registry, message, operation=operation.name)
        return RegistryRejected(self._registry, message, operation=operation.name)

    def _bad(self, operation: SoapOperation, detail: str) -> RegistryBadResponse:
        return RegistryBadResponse(self._registry, detail, operation=operation.name)

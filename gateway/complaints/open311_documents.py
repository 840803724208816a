"""Open311 GeoReport v2 documents in its two formats, XML and JSON.

The spec defines the XML (schemaless, no namespace, UTF-8 with a declaration) and derives
the JSON from it by the "Spark convention": a list element becomes an array of its items,
an element with children an object, a leaf its value. One tree of Python values is
therefore rendered both ways: ``render(value, root, fmt)`` where lists name their items
(``services`` → ``service``, ``service_requests`` → ``request``, ``errors`` → ``error``).
Missing values are ``null`` in JSON and empty elements in XML, as in the spec's examples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from lxml import etree

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")

MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all; shown as U+FFFD rather than failing the answer.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def as_format(text: str) -> Format | None:
    lowered = text.lower()
    return "json" if lowered == "json" else "xml" if lowered == "xml" else None


def render(value: Any, root: str, fmt: Format) -> bytes:
    """``value`` as the document whose root element is ``root``."""
    if fmt == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    element = etree.Element(root)
    _fill(element, value)
    return XML_DECLARATION + etree.tostring(element, encoding="utf-8", pretty_print=True)


def _fill(element: etree._Element, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(etree.SubElement(element, key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_name = ITEM_NAMES.get(str(element.tag), "item")
        for child in value:
            _fill(etree.SubElement(element, item_name), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("\ufffd", str(value))

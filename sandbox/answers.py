"""The unit every sandbox operation produces: status, content type and body bytes.

Keeping answers as finished bytes lets the fault knobs (malformed, hostile, slow drip) work on what
actually goes on the wire, the same way for SOAP and JSON registries.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes


XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
PROBLEM_CONTENT_TYPE = "application/problem+json"

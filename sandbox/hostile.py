"""Answers that are broken or hostile on purpose, built from a real answer.

They exist so the gateway's defences can be tested against a live upstream: a truncated body
must be a contract violation, an XXE or entity-expansion payload must be refused by the
gateway's parser without reading files, fetching URLs or blowing up memory, and a JSON bomb
must not crash the decoder. Each hostile answer is otherwise a plausible answer to the request.
"""

from lxml import etree

from sandbox.answers import Answer

_MARKER = "HOSTILE-ENTITY-MARKER"
_NAME_FIELDS = ("firstName", "name", "faultstring")
JSON_NESTING_DEPTH = 100_000


def truncated(answer: Answer) -> Answer:
    """The first half of the body: no longer well-formed XML or valid JSON."""
    return Answer(answer.status, answer.content_type, answer.body[: max(1, len(answer.body) // 2)])


def _doctype(kind: str, canary_url: str) -> tuple[str, str]:
    if kind == "xxe":
        return '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"
    if kind == "xxe_network":
        return f'<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "{canary_url}">]>', "&xxe;"
    laughs = ['<!ENTITY lol0 "lol">']
    laughs += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return "<!DOCTYPE soap:Envelope [" + "".join(laughs) + "]>", "&lol9;"


def hostile_xml(answer: Answer, kind: str, canary_url: str) -> Answer:
    """The same SOAP answer with a DTD whose entity is referenced from a name field."""
    root = etree.fromstring(answer.body)
    target = None
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in _NAME_FIELDS:
            target = element
            break
    if target is None:
        target = next(e for e in root.iter() if isinstance(e.tag, str) and len(e) == 0)
    target.text = _MARKER
    doctype, reference = _doctype(kind, canary_url)
    text = etree.tostring(root, encoding="unicode").replace(_MARKER, reference)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{text}'.encode()
    return Answer(answer.status, answer.content_type, body)


def hostile_json(answer: Answer) -> Answer:
    """A JSON document nested so deep that a recursive decoder runs out of stack."""
    body = b'{"cadastralZone":' + b"[" * JSON_NESTING_DEPTH + b"]" * JSON_NESTING_DEPTH + b"}"
    return Answer(answer.status, answer.content_type, body)

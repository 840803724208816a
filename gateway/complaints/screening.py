"""Checking a submitted complaint before anything is stored: all or nothing.

The complaint app is on citizens' phones, so anything can arrive: a 40 KB description,
``<script>`` in a name, ``javascript:`` as the photo URL, a point in Albania. Nothing is
stripped or rewritten silently. A field that breaks a rule refuses the whole complaint with
the Open311 400 error naming the field and the rule, and the app can show that to the
citizen. The rules, in short:

* text: no HTML tags or comments, no entity-encoded tags, no script URL schemes, no
  control characters; line breaks only in free text (description, ``text`` attributes);
* sizes: description 4,000 characters (the spec's limit), names 100, address 500,
  attribute strings 200, attribute texts 2,000, URLs 2,000;
* formats: e-mail and phone by pattern, ``media_url`` an absolute http(s) URL without
  credentials, lat/long finite numbers, both or neither;
* attributes: only the category's, each value of its datatype, list values from its list,
  required ones present;
* personal data: the free text (address, description, text answers) holds no personal
  number, phone number, e-mail address or the complainant's own name (``personal_data``).
  The address is public, and the rest reaches the institution even when the citizen asked to
  stay anonymous; contact details belong in the contact fields, which are never published.

Where the problem is (inside Kosovo, which municipality) is decided by ``placement``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from contracts.catalogue import DisplayLanguage
from contracts.complaint_messages import MAX_DESCRIPTION
from contracts.complaints.catalogue import Attribute, ComplaintCategory
from gateway.personal_data import kinds_in
from gateway.refusals import Reason

NAME_LIMIT = 100
ADDRESS_LIMIT = 500
IDENTIFIER_LIMIT = 100
URL_LIMIT = 2000
EMAIL_LIMIT = 254
ATTRIBUTE_STRING_LIMIT = 200
ATTRIBUTE_TEXT_LIMIT = 2000
MULTI_VALUE_LIMIT = 20

_TAG = re.compile(r"<[a-z/!?]", re.IGNORECASE)
_ENCODED_TAG = re.compile(r"&(lt|#0*60|#x0*3c);?[a-z/!?]", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"(java|vb|live)script:|data:text/html")
_SPACES = re.compile(r"[\s\x00-\x1f]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_LINE_BREAK = re.compile(r"[\r\n]")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,31}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._:@-]{1,100}$")
_NUMBER = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$")


@dataclass(frozen=True, slots=True)
class Contact:
    """What the complainant told about themselves; every part optional."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    device_id: str | None = None
    account_id: str | None = None

    def reachable_details(self) -> dict[str, str]:
        """Name, e-mail and phone: what an institution could use to reply."""
        details = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
        }
        return {key: value for key, value in details.items() if value}

    def stored(self) -> dict[str, str]:
        details = {
            **self.reachable_details(),
            "device_id": self.device_id,
            "account_id": self.account_id,
        }
        return {key: value for key, value in details.items() if value}


@dataclass(frozen=True)
class ComplaintSubmission:
    """A complaint whose every field passed the checks (not yet placed or routed)."""

    category: ComplaintCategory
    language: DisplayLanguage
    jurisdiction: str | None
    latitude: float | None
    longitude: float | None
    address: str | None
    address_id: str | None
    description: str | None
    media_url: str | None
    attributes: Mapping[str, str | list[str]]
    contact: Contact
    anonymous: bool


@dataclass
class Findings:
    """Collects every problem of one submission, so the citizen sees them all at once."""

    reasons: list[Reason] = field(default_factory=list)

    def add(self, code: str, name: str, limit: int | None = None) -> None:
        self.reasons.append(Reason(code, name, limit))


def hostile(text: str) -> bool:
    """True for markup or script, also when spread with spaces or encoded as an entity."""
    folded = unicodedata.normalize("NFKC", text)
    if _TAG.search(folded) or _ENCODED_TAG.search(folded):
        return True
    if ":" not in folded:  # no URL scheme without a colon: skip the costlier check
        return False
    squeezed = _SPACES.sub("", folded.lower())
    return bool(_SCRIPT_SCHEME.search(squeezed))


def check_text(
    findings: Findings, name: str, value: str | None, *, limit: int, multiline: bool = False
) -> str | None:
    """The value if it is acceptable text (empty counts as absent), else ``None``."""
    if value is None or value == "":
        return None
    if len(value) > limit:
        findings.add("complaint.field.too_long", name, limit)
        return None
    if _CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
        findings.add("complaint.field.control_characters", name)
        return None
    if hostile(value):
        findings.add("complaint.field.markup", name)
        return None
    return value


def check_pattern(
    findings: Findings, name: str, value: str | None, pattern: re.Pattern[str], *, limit: int
) -> str | None:
    text = check_text(findings, name, value, limit=limit)
    if text is None:
        return None
    if not pattern.fullmatch(text):
        findings.add("complaint.field.invalid", name)
        return None
    return text


def check_url(findings: Findings, name: str, value: str | None) -> str | None:
    """An absolute http(s) URL with a host and no credentials (a photo's address)."""
    text = check_text(findings, name, value, limit=URL_LIMIT)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        valid = (
            parts.scheme in {"http", "https"}
            and bool(parts.hostname)
            and parts.username is None
            and not re.search(r"\s", text)
        )
    except ValueError:
        valid = False
    if not valid:
        findings.add("complaint.field.invalid", name)
        return None
    return text


def check_coordinate(
    findings: Findings, name: str, value: str | None, *, bound: float
) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        findings.add("complaint.field.invalid", name)
        return None
    if not math.isfinite(number) or abs(number) > bound:
        findings.add("complaint.field.invalid", name)
        return None
    return number


def check_attributes(
    findings: Findings,
    category: ComplaintCategory,
    given: Mapping[str, Sequence[str]],
) -> dict[str, str | list[str]]:
    """The category's attributes as answered: single values as text, lists as lists."""
    accepted: dict[str, str | list[str]] = {}
    for code in sorted(given):
        if category.attribute(code) is None:
            findings.add("complaint.field.unknown", f"attribute[{code}]")
    for attribute in sorted(category.attributes, key=lambda a: a.order):
        values = [value for value in given.get(attribute.code, ()) if value != ""]
        name = f"attribute[{attribute.code}]"
        if not values:
            if attribute.required and attribute.variable:
                findings.add("complaint.attribute.missing", name)
            continue
        checked = _attribute_values(findings, attribute, name, values)
        if checked is not None:
            accepted[attribute.code] = checked
    return accepted


def _attribute_values(
    findings: Findings, attribute: Attribute, name: str, values: list[str]
) -> str | list[str] | None:
    if attribute.datatype == "multivaluelist":
        allowed = {value.key for value in attribute.values}
        if len(values) > MULTI_VALUE_LIMIT or any(value not in allowed for value in values):
            findings.add("complaint.field.invalid", name)
            return None
        return list(dict.fromkeys(values))
    if len(values) > 1:
        findings.add("complaint.field.repeated", name)
        return None
    value = values[0]
    if attribute.datatype == "singlevaluelist":
        if value not in {option.key for option in attribute.values}:
            findings.add("complaint.field.invalid", name)
            return None
        return value
    if attribute.datatype == "number":
        if not _NUMBER.fullmatch(value):
            findings.add("complaint.field.invalid", name)
            return None
        return value
    if attribute.datatype == "datetime":
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            findings.add("complaint.field.invalid", name)
            return None
        return moment.isoformat()
    if attribute.datatype == "text":
        return check_text(findings, name, value, limit=ATTRIBUTE_TEXT_LIMIT, multiline=True)
    return check_text(findings, name, value, limit=ATTRIBUTE_STRING_LIMIT)


def parse_flag(findings: Findings, name: str, value: str | None) -> bool:
    if value is None or value == "":
        return False
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    findings.add("complaint.field.invalid", name)
    return False


def screen_description(findings: Findings, value: str | None) -> str | None:
    return check_text(findings, "description", value, limit=MAX_DESCRIPTION, multiline=True)


def screen_contact(findings: Findings, fields: Mapping[str, str]) -> Contact:
    return Contact(
        first_name=check_text(findings, "first_name", fields.get("first_name"), limit=NAME_LIMIT),
        last_name=check_text(findings, "last_name", fields.get("last_name"), limit=NAME_LIMIT),
        email=check_pattern(findings, "email", fields.get("email"), _EMAIL, limit=EMAIL_LIMIT),
        phone=check_pattern(findings, "phone", fields.get("phone"), _PHONE, limit=32),
        device_id=check_pattern(
            findings, "device_id", fields.get("device_id"), _IDENTIFIER, limit=IDENTIFIER_LIMIT
        ),
        account_id=check_pattern(
            findings, "account_id", fields.get("account_id"), _IDENTIFIER, limit=IDENTIFIER_LIMIT
        ),
    )


def screen_personal_data(
    findings: Findings, texts: Mapping[str, str | list[str] | None], contact: Contact
) -> None:
    """Refuse free text holding personal data (``docs/complaints.md``: refused, not masked)."""
    names = [name for name in (contact.first_name, contact.last_name) if name]
    for name, value in texts.items():
        if isinstance(value, str) and kinds_in(value, names=names):
            findings.add("complaint.field.personal_data", name)

"""Personal data in free text that becomes public: found to refuse it, or masked to publish.

Citizens and officials write free text the public will read: a complaint's address, the note
an institution publishes with its answer. Four kinds of personal data are looked for:

* personal numbers, exactly as the log's masker finds them (``gateway.logging.mask_text``,
  the one implementation: ten digits with a valid check digit, so a reference such as
  ``CSV-1796194701`` is not one);
* phone numbers: international (``+383 44 111 222``, ``00383...``) or Kosovo's national form
  (``044 111 222``, ``038-200-300``), spaces, dots and dashes allowed between digits;
* e-mail addresses;
* names the gateway was told: the complainant's own first and last name. A name nobody gave
  cannot be told from a street named after a person (``Rruga Agim Ramadani``), so no other
  name is guessed at.

What is done with a finding is the caller's choice, as ``docs/complaints.md`` defines it: the
complaints channel refuses a submission carrying any, and text an institution publishes is
masked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from gateway.logging import mask_text

PERSONAL_NUMBER = "personal_number"
PHONE = "phone"
EMAIL = "email"
NAME = "name"

_PHONE = re.compile(
    r"(?<![\w+-])(?:(?:\+|00)[1-9](?:[ .-]?[0-9]){6,13}|0[2-9][0-9](?:[ .-]?[0-9]){6})(?![\w-])"
)
_EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WORD = re.compile(r"\w+")


def _folded(text: str) -> str:
    """Lower case without diacritics: ``Hoxhë`` and ``hoxhe`` are the same name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def kinds_in(text: str, *, names: Iterable[str] = ()) -> list[str]:
    """The kinds of personal data ``text`` holds, in a fixed order; empty when none."""
    found = []
    if mask_text(text) != text:
        found.append(PERSONAL_NUMBER)
    if _PHONE.search(text):
        found.append(PHONE)
    if _EMAIL.search(text):
        found.append(EMAIL)
    words = {_folded(word) for word in _WORD.findall(text)}
    given = {_folded(part) for name in names for part in _WORD.findall(name) if len(part) > 1}
    if words & given:
        found.append(NAME)
    return found


def masked(text: str) -> str:
    """``text`` with its personal numbers, phone numbers and e-mail addresses hidden."""
    text = _EMAIL.sub("[e-mail]", mask_text(text))
    return _PHONE.sub(lambda match: "*" * (len(match.group(0)) - 2) + match.group(0)[-2:], text)

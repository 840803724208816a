"""Free text of citizens' participation that the open data publishes: refused when personal.

A question's subject and text and a petition's title and summary appear verbatim in
``/v1/open/questions`` and ``/v1/open/petitions``, and issue 23 promises that no personal
data is published there. Masking would publish a citizen's words altered without their
knowing, so, as for anonymous hearing comments, the text is refused instead (``422``, a
pointer per field), before anything is stored, and the citizen rewrites it. Besides personal
numbers, phone numbers and e-mail addresses, the author's own first and last name count: the
portal gives them with the applicant, and an asker who signs their question would otherwise be
named beside it (``gateway.personal_data.kinds_in``).
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.messages import Applicant
from gateway.personal_data import kinds_in
from gateway.refusals import Refusal


def refuse_personal_data(
    code: str, texts: Mapping[str, object], *, author: Applicant | None = None
) -> None:
    """Raise ``Refusal(code)`` naming each field of ``texts`` (pointer → text) that holds some."""
    names = (author.first_name, author.last_name) if author is not None else ()
    errors = [
        (pointer, "holds " + ", ".join(kinds).replace("_", " "))
        for pointer, text in texts.items()
        if isinstance(text, str) and (kinds := kinds_in(text, names=names))
    ]
    if errors:
        raise Refusal(code, status=422, errors=errors)

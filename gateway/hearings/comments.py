"""A citizen's comment in a public hearing: it must name an open hearing of that municipality.

The catalogue's ``public-hearing-comment`` is an ordinary async service: the portal sends it to
``/v1/requests`` (with or without the citizen's name), the intake checks and routes it, and its
hand-off reaches the municipality through the outbox like any application. What this module
adds runs inside the accept transaction (``Intake``'s ``on_accept`` hook): the hearing the form's
``hearing_reference`` names must exist in the request's municipality and take comments now;
then the comment is counted. A comment before the window opens, after it closed, or after the
report is a ``409``; one naming no hearing a ``422``; in each case nothing is stored.

A comment sent without a name stays anonymous to the municipality too, so its free text (the
comment, its attachments' names) may hold no personal number, phone number or e-mail address
(``gateway/personal_data``): such a comment is a ``422 hearing.comment.personal_data``, to be
sent again without them or with the citizen's name. A named comment may say what it likes.

The hearing's row is locked for the check (PostgreSQL; SQLite serialises writers anyway), so a
report published at the same moment either counts the comment or refuses it, never both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from contracts.messages import HandoffMessage
from gateway.personal_data import kinds_in
from gateway.refusals import Refusal
from gateway.store import UnitOfWork
from gateway.store.clock import utc_now
from gateway.store.hearings import HearingRepository
from gateway.store.records import NewRequest

SERVICE = "public-hearing-comment"


def _refuse_personal_data(form: Mapping[str, Any]) -> None:
    texts = {"/form/description": form.get("description")}
    for index, attachment in enumerate(form.get("attachments") or ()):
        if isinstance(attachment, Mapping):
            texts[f"/form/attachments/{index}/name"] = attachment.get("name")
    errors = [
        (pointer, "holds " + ", ".join(kinds).replace("_", " "))
        for pointer, text in texts.items()
        if isinstance(text, str) and (kinds := kinds_in(text))
    ]
    if errors:
        raise Refusal("hearing.comment.personal_data", status=422, errors=errors)


class HearingComments:
    """The accept hook of ``public-hearing-comment``."""

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    def __call__(self, uow: UnitOfWork, request: NewRequest, handoff: HandoffMessage) -> None:
        if handoff.applicant is None:
            _refuse_personal_data(handoff.form)
        reference = str(handoff.form.get("hearing_reference", ""))
        hearings = uow.bind(HearingRepository)
        hearing = hearings.by_reference(request.municipality, reference, for_update=True)
        if hearing is None:
            raise Refusal(
                "hearing.unknown",
                status=422,
                errors=[("/form/hearing_reference", "names no hearing of this municipality")],
            )
        now = self._clock()
        period = hearing.comment_period(now)
        if period == "upcoming":
            raise Refusal(
                "hearing.not_open_yet", extra={"comments_from": hearing.comments_from.isoformat()}
            )
        if period == "ended":
            raise Refusal(
                "hearing.closed",
                extra={
                    "comments_until": hearing.comments_until.isoformat(),
                    "reported": hearing.reported_at is not None,
                },
            )
        hearings.add_comment(hearing.id, request.id, anonymous=handoff.applicant is None, now=now)

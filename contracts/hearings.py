"""Public hearings and debates: what a municipality publishes, and its report on the comments.

A municipality publishes a hearing (a topic, when and where it is held, the documents under
discussion, and the window in which citizens may comment) through ``POST /v1/hearings``;
citizens comment through the portal with the catalogue's ``public-hearing-comment`` service,
naming the hearing by the ``reference`` the municipality gave it, with or without their name;
the municipality's report on the comments (``POST /v1/hearings/{id}/report``) closes the
hearing. The public reads every hearing, the number of comments it received and its report at
``/v1/open/hearings``.

These are the bodies the municipality's client sends (the gateway's OpenAPI document publishes
them too). Texts come in both official languages, English when given (``OfficialText``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.act_messages import OfficialText, PublishedDocument
from contracts.records import MunicipalityCode

HearingReference = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z]([0-9A-Za-z./-]{0,58}[0-9A-Za-z])?$",
        description="the municipality's own reference, e.g. DP-2026-07; citizens quote it",
    ),
]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PublicHearing(_Body):
    """A public hearing or consultation a municipality opens to its citizens' comments."""

    municipality: MunicipalityCode
    reference: HearingReference
    topic: OfficialText
    description: OfficialText | None = None
    place: OfficialText = Field(description="where the hearing is held")
    held_at: AwareDatetime = Field(description="when the hearing (the meeting) takes place")
    comments_from: AwareDatetime | None = Field(
        None, description="when comments open (default: when the hearing is published)"
    )
    comments_until: AwareDatetime = Field(description="when comments close")
    documents: tuple[PublishedDocument, ...] = Field((), max_length=20)

    @model_validator(mode="after")
    def _a_window_that_closes_after_it_opens(self) -> PublicHearing:
        if self.comments_from is not None and self.comments_until <= self.comments_from:
            raise ValueError("comments_until must be later than comments_from")
        return self


class HearingReport(_Body):
    """The municipality's report on the comments it received; publishing it closes the hearing."""

    summary: OfficialText = Field(description="what was said, and what the municipality does")
    documents: tuple[PublishedDocument, ...] = Field((), max_length=20)

"""Citizens' questions to the assembly and the mayor, and petitions: what the parties send.

A citizen asks a member of the municipal assembly, or the mayor, a question through the portal
(catalogue service ``assembly-question``, ``POST /v1/requests``); the recipient's municipality
answers through its own client (``POST /v1/questions/{id}/answer``, ``QuestionAnswer``). A
citizen opens a petition (``citizens-petition``) and others sign it (``petition-signature``),
each through the portal; the civil registry confirms that each signatory lives in the
municipality and is of age. The public reads the questions, their answers and the petitions'
signature counts at ``/v1/open/questions``, ``/v1/open/question-statistics`` and
``/v1/open/petitions``; no asker or signatory is ever named there.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.act_messages import PublishedDocument


class PetitionKind(StrEnum):
    """What a petition asks for, and so which threshold and windows apply to it."""

    REGULATION_REFERENDUM = "regulation_referendum"
    """Against a regulation the assembly adopted: 10 % of registered voters within 30 days of
    its adoption; the assembly decides within 30 days (Law No. 03/L-040, Art. 71)."""
    INITIATIVE = "initiative"
    """A citizens' initiative proposing a regulation or a question to the assembly (Art. 70
    leaves the detail to the statute; the same 10 % and 30 days are an inference)."""


class PetitionStatus(StrEnum):
    """Where a petition stands: collecting signatures, then what the municipality reports."""

    COLLECTING = "collecting"
    UNDER_CONSIDERATION = "under_consideration"
    NEEDS_INFORMATION = "needs_information"
    DECIDED_ADOPTED = "decided_adopted"
    DECIDED_REFUSED = "decided_refused"
    CLOSED = "closed"


class QuestionAnswer(BaseModel):
    """The recipient's answer to a citizen's question, published with the question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=4000, description="the answer as published")
    answered_by: str | None = Field(
        None, max_length=200, description="who answered, when not the recipient named"
    )
    documents: tuple[PublishedDocument, ...] = Field((), max_length=10)

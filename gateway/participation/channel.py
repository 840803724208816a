"""Citizens' participation as the composition root builds it: questions, petitions, their feeds.

``build_participation_channel`` is called once by ``gateway.bootstrap``, before the intake is
built: ``on_accept`` holds the intake's hooks for ``assembly-question``, ``citizens-petition``
and ``petition-signature``; the feature provides the ``QuestionDesk`` behind
``/v1/questions``; ``feeds`` are the ``/v1/open/questions``, ``/v1/open/question-statistics``
and ``/v1/open/petitions`` registers. No worker: a deadline passes by the clock, read when
asked, and a petition's status arrives through the status consumer
(``gateway.status_changes``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.audit.lookup import PersonKeys
from gateway.features import Feature
from gateway.intake import AcceptHook
from gateway.open.labels import Labels
from gateway.open.query import FeedQuery
from gateway.open.service import FeedSpec, OpenData
from gateway.open.views import FeedRows
from gateway.participation import petitions, questions
from gateway.participation.public_view import (
    PETITION_COLUMNS,
    PETITION_KINDS,
    PETITION_STATES,
    QUESTION_COLUMNS,
    QUESTION_STATES,
    RECIPIENT_ROLES,
    SIGNING_STATES,
    STATISTIC_LEVELS,
    STATISTICS_COLUMNS,
    petition_rows,
    question_rows,
    statistics_rows,
)
from gateway.participation.recipients import assembly_recipients
from gateway.settings import Settings
from gateway.store import Store
from gateway.store.clock import utc_now
from gateway.store.participation import CountedPetition, ParticipationRepository


@dataclass
class ParticipationChannel:
    store: Store
    desk: questions.QuestionDesk
    asking: questions.QuestionIntake
    opening: petitions.PetitionOpening
    signing: petitions.PetitionSigning
    clock: Callable[[], datetime]

    @property
    def on_accept(self) -> dict[str, AcceptHook]:
        return {
            questions.SERVICE: self.asking,
            petitions.PETITION_SERVICE: self.opening,
            petitions.SIGNATURE_SERVICE: self.signing,
        }

    def feature(self) -> Feature:
        return Feature("participation", provides=(self.desk,))

    def _petitions(self) -> list[CountedPetition]:
        with self.store.unit_of_work(read_only=True) as uow:
            return uow.bind(ParticipationRepository).counted_petitions()

    def _petitions_version(self) -> str:
        with self.store.unit_of_work(read_only=True) as uow:
            return uow.bind(ParticipationRepository).petitions_version(self.clock())

    def feeds(self) -> tuple[FeedSpec, ...]:
        desk, clock = self.desk, self.clock

        def asked(service: OpenData, query: FeedQuery) -> FeedRows:
            return question_rows(desk.questions(), service.catalogue, query, clock())

        def counted(service: OpenData, query: FeedQuery) -> FeedRows:
            return statistics_rows(desk.questions(), service.catalogue, query, clock())

        def signed(service: OpenData, query: FeedQuery) -> FeedRows:
            return petition_rows(self._petitions(), service.catalogue, query, clock())

        def about_questions(
            name: str,
            rows: Callable[[OpenData, FeedQuery], FeedRows],
            *,
            columns: tuple[str, ...],
            choice: str,
            labels: Labels,
        ) -> FeedSpec:
            # Both question feeds select by recipient and change with the questions.
            return FeedSpec(
                name,
                rows,
                columns=columns,
                choices={choice: tuple(labels), "recipient_role": tuple(RECIPIENT_ROLES)},
                free=("member",),
                version=desk.version,
            )

        return (
            about_questions(
                "questions", asked, columns=QUESTION_COLUMNS, choice="state", labels=QUESTION_STATES
            ),
            about_questions(
                "question-statistics",
                counted,
                columns=STATISTICS_COLUMNS,
                choice="level",
                labels=STATISTIC_LEVELS,
            ),
            FeedSpec(
                "petitions",
                signed,
                columns=PETITION_COLUMNS,
                choices={
                    "status": tuple(PETITION_STATES),
                    "kind": tuple(PETITION_KINDS),
                    "signing": tuple(SIGNING_STATES),
                },
                version=self._petitions_version,
            ),
        )


def build_participation_channel(
    settings: Settings, store: Store, *, clock: Callable[[], datetime] = utc_now
) -> ParticipationChannel:
    """The hooks, the desk and the feeds on one clock, so a deadline passes for all at once."""
    keys = PersonKeys(settings.participation_signer_key.get_secret_value().encode("utf-8"))
    voters = petitions.RegisteredVoters.load(settings.registered_voters_file)
    return ParticipationChannel(
        store=store,
        desk=questions.QuestionDesk(store, clock=clock),
        asking=questions.QuestionIntake(
            assembly_recipients, answer_days=settings.question_answer_days, clock=clock
        ),
        opening=petitions.PetitionOpening(voters, keys, clock=clock),
        signing=petitions.PetitionSigning(keys, clock=clock),
        clock=clock,
    )

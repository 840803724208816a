"""Public hearings as the composition root builds them: desk, comment check, public feed.

``build_hearings_channel`` is called once by ``gateway.bootstrap``, before the intake is
built: ``on_accept`` is the intake's hook for ``public-hearing-comment`` requests, ``desk``
serves ``/v1/hearings``, and ``feed`` is the ``/v1/open/hearings`` register. Hearings have
no worker: a comment period ends by the clock, read when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.features import Feature
from gateway.hearings.comments import SERVICE, HearingComments
from gateway.hearings.desk import HearingDesk
from gateway.hearings.public_view import HEARING_COLUMNS, hearing_rows
from gateway.intake import AcceptHook
from gateway.open import labels
from gateway.open.query import FeedQuery
from gateway.open.service import FeedSpec, OpenData
from gateway.open.views import FeedRows
from gateway.store import Store
from gateway.store.clock import utc_now


@dataclass
class HearingsChannel:
    desk: HearingDesk
    comments: HearingComments

    @property
    def on_accept(self) -> dict[str, AcceptHook]:
        return {SERVICE: self.comments}

    def feature(self) -> Feature:
        return Feature("hearings", provides=(self.desk,))

    def feed(self) -> FeedSpec:
        desk = self.desk

        def rows(service: OpenData, query: FeedQuery) -> FeedRows:
            return hearing_rows(desk.published(), service.catalogue, query, desk.now())

        return FeedSpec(
            "hearings",
            rows,
            columns=HEARING_COLUMNS,
            choices={
                "status": tuple(labels.HEARING_STATES),
                "comment_period": tuple(labels.COMMENT_PERIODS),
            },
            version=desk.version,
        )


def build_hearings_channel(
    store: Store, *, clock: Callable[[], datetime] = utc_now
) -> HearingsChannel:
    """The desk and the comment check on one clock, so a comment period ends for both at once."""
    return HearingsChannel(HearingDesk(store, clock=clock), HearingComments(clock=clock))

"""A reference ministry back-office: the legality review of municipal acts, on MAPL's side.

What the ministry's IT team builds, written to be read and copied. It consumes the ministry's
queue (``ekomunat.mapl.acts``), stores each submission, revision and withdrawal in its own
SQLite file, and only then acks, so nothing the broker handed over is lost; a redelivery (the
gateway sends at least once) is recognised by ``message_id`` and acked without a second copy.
Its decisions are written to a local outbox in the same transaction, then published to
``ekomunat.act-review`` with a publisher confirm and marked sent, so a decision survives a
broker outage too.

The review itself is a stand-in for the ministry's jurists, deliberately simple (``plan``):

* a new act is ``received`` at once, ``under_review`` shortly after, and then decided: the
  first text of an assembly regulation is sent back with ``reconsideration_requested`` (so
  that the whole path can be seen), any other act is ``found_lawful``;
* a revised act cancels the decisions not yet sent on its older text; if reconsideration was
  asked for, the new text is ``reconsidered``, otherwise its review starts again and it is
  ``found_lawful``;
* a withdrawal cancels the decisions not yet sent.

    python -m sandbox.ministry --amqp-url amqp://guest:guest@127.0.0.1:5672/%2F

It speaks only the published contracts (``contracts/act_messages.py`` and their JSON Schemas)
and imports nothing of the gateway.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from pydantic import ValidationError

from contracts.act_messages import (
    ACT_REVIEW_DECISION_SCHEMA_NAME,
    REVIEWER,
    ActReviewDecision,
    ActSubmission,
    MinistryDecision,
    PublishedDocument,
)
from contracts.complaint_messages import PublicNote
from contracts.messages import DecidedBy
from sandbox.office import LocalDatabase, QueueOffice
from sandbox.parent_watch import add_exit_with_parent

log = structlog.get_logger()

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    message_id  TEXT PRIMARY KEY,
    act_id      TEXT NOT NULL,
    action      TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    body        TEXT NOT NULL
);
"""

RECONSIDERATION_NOTE = PublicNote(
    sq="Ministria kërkon rishqyrtimin e aktit: disa dispozita nuk janë në përputhje me ligjin.",
    sr="Ministarstvo traži preispitivanje akta: neke odredbe nisu u skladu sa zakonom.",
    en="The ministry asks for the act to be reconsidered: some provisions do not comply "
    "with the law.",
)


@dataclass(frozen=True, slots=True)
class Step:
    """One decision the ministry will publish, ``after_s`` seconds from receipt."""

    state: MinistryDecision
    after_s: float
    note: PublicNote | None = None


def plan(
    submission: ActSubmission, *, asked_to_reconsider: bool, decision_delay_s: float
) -> list[Step]:
    """The sandbox's rules (see the module docstring); real jurists replace them."""
    if submission.action == "withdrawn":
        return []
    if submission.action == "revised":
        if asked_to_reconsider:
            return [Step("reconsidered", decision_delay_s / 2)]
        return [Step("under_review", 0.0), Step("found_lawful", decision_delay_s)]
    first = [Step("received", 0.0), Step("under_review", decision_delay_s / 2)]
    if submission.act.kind == "assembly_regulation":
        return [*first, Step("reconsideration_requested", decision_delay_s, RECONSIDERATION_NOTE)]
    return [*first, Step("found_lawful", decision_delay_s)]


class MinistryDatabase(LocalDatabase):
    """The ministry's own SQLite file: what municipalities sent, and the decisions to send."""

    schema = SCHEMA
    outbox_table = "decision_outbox"
    correlation = "act_id"
    outbox_extra = "state TEXT NOT NULL"

    def store_submission(
        self,
        submission: ActSubmission,
        body: str,
        *,
        decision_delay_s: float,
        official: DecidedBy,
    ) -> bool:
        """Store a submission and plan its decisions; False if it was seen before."""
        message_id = str(submission.message_id)
        act_id = str(submission.act_id)
        now = time.time()
        with self.transaction() as db:
            if self.seen_before(db, "submissions", message_id):
                return False
            db.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    act_id,
                    submission.action,
                    submission.revision,
                    datetime.now(UTC).isoformat(),
                    body,
                ),
            )
            asked = (
                db.execute(
                    "SELECT 1 FROM decision_outbox WHERE act_id = ? AND sent_at IS NOT NULL "
                    "AND state = 'reconsideration_requested'",
                    (act_id,),
                ).fetchone()
                is not None
            )
            # A newer text or a withdrawal overtakes what was planned for the older one.
            db.execute(
                "DELETE FROM decision_outbox WHERE act_id = ? AND sent_at IS NULL", (act_id,)
            )
            steps = plan(submission, asked_to_reconsider=asked, decision_delay_s=decision_delay_s)
            rows = []
            for step in steps:
                decision = _decision(submission, step, now, official)
                rows.append(
                    (
                        str(decision.update_id),
                        act_id,
                        decision.routing_key,
                        decision.model_dump_json(),
                        now + step.after_s,
                        decision.state,
                    )
                )
            db.executemany(
                "INSERT INTO decision_outbox (update_id, act_id, routing_key, body, due_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        return True

    def decisions(self) -> list[tuple[str, str]]:
        """(act id, state) of every decision sent, oldest first."""
        with self.lock:
            rows = self.connection.execute(
                "SELECT act_id, state FROM decision_outbox WHERE sent_at IS NOT NULL "
                "ORDER BY sent_at, rowid"
            ).fetchall()
        return [(str(act_id), str(state)) for act_id, state in rows]


def _decision(
    submission: ActSubmission, step: Step, received: float, official: DecidedBy
) -> ActReviewDecision:
    occurred = datetime.fromtimestamp(received, UTC) + timedelta(seconds=step.after_s)
    documents: tuple[PublishedDocument, ...] = ()
    if step.state in ("found_lawful", "reconsideration_requested", "reconsidered"):
        documents = (
            PublishedDocument(
                title=f"Vlerësimi i ligjshmërisë: {submission.act.number}",
                url=f"https://mapl.example/vleresime/{submission.act_id}-{step.state}.pdf",
            ),
        )
    return ActReviewDecision(
        update_id=uuid.uuid4(),
        act_id=submission.act_id,
        municipality=submission.act.municipality,
        revision=submission.revision,
        state=step.state,
        public_note=step.note,
        documents=documents,
        decided_by=official,
        occurred_at=occurred,
    )


class Ministry(QueueOffice):
    """Consumes the ministry's queue and answers with review decisions."""

    database: MinistryDatabase

    def __init__(
        self,
        amqp_url: str,
        database_path: Path,
        *,
        prefix: str = "",
        decision_delay_s: float = 2.0,
        prefetch: int = 20,
    ) -> None:
        super().__init__(
            amqp_url,
            queue=f"{prefix}ekomunat.{REVIEWER}.acts",
            exchange=f"{prefix}ekomunat.act-review",
            schema=ACT_REVIEW_DECISION_SCHEMA_NAME,
            prefetch=prefetch,
            name=f"ministry-{REVIEWER}",
        )
        self.database = MinistryDatabase(database_path)
        self._decision_delay_s = decision_delay_s
        self._official = DecidedBy(official_id=f"{REVIEWER}-sandbox", role="sandbox reviewer")

    def take(self, body: bytes, message_id: str | None) -> bool:
        try:
            submission = ActSubmission.model_validate_json(body)
        except ValidationError:
            # Not our contract: no retry will fix it.
            log.warning("ministry.invalid_message", message_id=message_id)
            return False
        is_new = self.database.store_submission(
            submission,
            body.decode("utf-8"),
            decision_delay_s=self._decision_delay_s,
            official=self._official,
        )
        log.info(
            "ministry.received" if is_new else "ministry.redelivered",
            act_id=str(submission.act_id),
            action=submission.action,
            revision=submission.revision,
        )
        return True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ministry's options, on ``python -m sandbox.ministry`` and on
    ``ekomunat-gateway ministry``."""
    parser.add_argument(
        "--amqp-url",
        default=os.environ.get("GATEWAY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        help="the broker (default GATEWAY_AMQP_URL, as the gateway's, or %(default)s)",
    )
    parser.add_argument("--database", type=Path, help="SQLite file (default var/ministry.db)")
    parser.add_argument("--prefix", default="", help="name prefix of a private topology")
    parser.add_argument("--decision-delay", type=float, default=2.0, help="seconds to decide")
    add_exit_with_parent(parser)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.ministry",
        description="A reference ministry back-office reviewing municipal acts.",
    )
    add_arguments(parser)
    run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> None:
    """Consume the ministry's queue of acts until SIGINT or SIGTERM (or the parent's exit)."""
    ministry = Ministry(
        args.amqp_url,
        args.database or Path("var") / "ministry.db",
        prefix=args.prefix,
        decision_delay_s=args.decision_delay,
    )
    ministry.run_as_command(exit_with_parent=args.exit_with_parent)


if __name__ == "__main__":
    main()

"""A reference municipal back-office: what a municipality's IT team builds on its side.

It is written to be read and copied. It consumes the municipality's queue
(``ekomunat.<code>``), stores each application in its own SQLite file, and only then acks,
so a crash can never lose an application the broker has handed over. Redeliveries (the
gateway sends at least once) are recognised by ``message_id`` and acked without a second
copy. Decisions follow two simple rules after a delay (see ``decide``), and each status
update is written to a local outbox in the same SQLite transaction as the application, then
published to ``ekomunat.status`` with a publisher confirm and marked sent: a status update
survives a broker outage too.

    python -m sandbox.backoffice --municipality 19

It speaks only the published contracts (``contracts/messages.py`` and their JSON Schemas)
and imports nothing else of the gateway: if the two disagree, a test fails. The file and the
connection loop it shares with the sandbox ministry are in ``sandbox/office.py``.
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

from contracts.messages import (
    DecidedBy,
    HandoffMessage,
    IssuedDocument,
    Language,
    MunicipalStatus,
    Note,
    StatusUpdate,
)
from sandbox.office import LocalDatabase, QueueOffice
from sandbox.parent_watch import add_exit_with_parent

log = structlog.get_logger()

SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    message_id  TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL,
    service     TEXT NOT NULL,
    language    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body        TEXT NOT NULL
);
"""

NOTES: dict[str, dict[str, str]] = {
    "in_review": {
        "sq": "Kërkesa juaj është pranuar nga komuna dhe është në shqyrtim.",
        "sr": "Vaš zahtev je primljen u opštini i razmatra se.",
        "en": "Your application has been received by the municipality and is under review.",
    },
    "approved": {
        "sq": "Kërkesa juaj është miratuar. Dokumenti është gati.",
        "sr": "Vaš zahtev je odobren. Dokument je spreman.",
        "en": "Your application has been approved. The document is ready.",
    },
    "rejected": {
        "sq": "Kërkesa juaj është refuzuar: të dhënat e regjistrit nuk e lejojnë këtë shërbim.",
        "sr": "Vaš zahtev je odbijen: podaci iz registra ne dozvoljavaju ovu uslugu.",
        "en": "Your application has been rejected: the registry records do not allow it.",
    },
}
BLOCKING_RECORD_STATES = frozenset({"deceased", "suspended", "closed"})


@dataclass(frozen=True, slots=True)
class Step:
    """One status update the back-office will publish, ``after_s`` seconds from receipt."""

    status: MunicipalStatus
    after_s: float
    documents: tuple[IssuedDocument, ...] = ()


def decide(message: HandoffMessage, *, decision_delay_s: float) -> list[Step]:
    """The rules: in review at once; then rejected if a registry record blocks the service
    (a deceased person, a suspended or closed business), otherwise approved with a document.
    """
    blocked = any(
        str(record.data.get("status", "")).lower() in BLOCKING_RECORD_STATES
        for record in message.records
    )
    if blocked:
        return [Step("in_review", 0.0), Step("rejected", decision_delay_s)]
    document = IssuedDocument(
        document_id=f"{message.municipality}-{message.request_id.hex[:12]}",
        title=f"{message.service} ({message.municipality})",
    )
    return [Step("in_review", 0.0), Step("approved", decision_delay_s, (document,))]


def note_for(status: MunicipalStatus, language: Language) -> Note:
    """The note in the citizen's language; Albanian where this office has no translation."""
    texts = NOTES[status]
    if language in texts:
        return Note(language=language, text=texts[language])
    return Note(language="sq", text=texts["sq"])


class BackOfficeDatabase(LocalDatabase):
    """The back-office's own SQLite file: applications and the status updates to send."""

    schema = SCHEMA
    outbox_table = "status_outbox"
    correlation = "request_id"

    def store_application(
        self, message: HandoffMessage, body: str, updates: Sequence[tuple[StatusUpdate, float]]
    ) -> bool:
        """Store a new application and its planned updates; False if it was seen before."""
        message_id = str(message.message_id)
        now = datetime.now(UTC).isoformat()
        with self.transaction() as db:
            if self.seen_before(db, "applications", message_id):
                return False
            db.execute(
                "INSERT INTO applications VALUES (?, ?, ?, ?, ?, ?)",
                (message_id, str(message.request_id), message.service, message.language, now, body),
            )
            db.executemany(
                "INSERT INTO status_outbox VALUES (?, ?, ?, ?, ?, NULL)",
                [
                    (
                        str(update.update_id),
                        str(update.request_id),
                        update.routing_key,
                        update.model_dump_json(),
                        due_at,
                    )
                    for update, due_at in updates
                ],
            )
        return True

    def request_ids(self) -> list[str]:
        with self.lock:
            return [
                row[0] for row in self.connection.execute("SELECT request_id FROM applications")
            ]


class BackOffice(QueueOffice):
    """Consumes one municipality's queue and answers with status updates."""

    database: BackOfficeDatabase

    def __init__(
        self,
        municipality: str,
        amqp_url: str,
        database_path: Path,
        *,
        prefix: str = "",
        decision_delay_s: float = 2.0,
        prefetch: int = 20,
        official_id: str | None = None,
    ) -> None:
        super().__init__(
            amqp_url,
            queue=f"{prefix}ekomunat.{municipality}",
            exchange=f"{prefix}ekomunat.status",
            schema="ekomunat.status-update",
            prefetch=prefetch,
            name=f"backoffice-{municipality}",
        )
        self.municipality = municipality
        self.database = BackOfficeDatabase(database_path)
        self._decision_delay_s = decision_delay_s
        self._official = DecidedBy(
            official_id=official_id or f"{municipality}-backoffice", role="sandbox back-office"
        )

    def take(self, body: bytes, message_id: str | None) -> bool:
        try:
            message = HandoffMessage.model_validate_json(body)
        except ValidationError:
            # Not our contract: no retry will fix it.
            log.warning("backoffice.invalid_message", message_id=message_id)
            return False
        if message.municipality != self.municipality:
            log.warning("backoffice.wrong_municipality", message_id=message_id)
            return False
        received = time.time()
        updates = [
            (self._status_update(message, step, received), received + step.after_s)
            for step in decide(message, decision_delay_s=self._decision_delay_s)
        ]
        is_new = self.database.store_application(message, body.decode("utf-8"), updates)
        log.info(
            "backoffice.received" if is_new else "backoffice.redelivered",
            request_id=str(message.request_id),
            message_id=str(message.message_id),
        )
        return True

    def _status_update(self, message: HandoffMessage, step: Step, received: float) -> StatusUpdate:
        return StatusUpdate(
            update_id=uuid.uuid4(),
            request_id=message.request_id,
            municipality=self.municipality,
            status=step.status,
            note=note_for(step.status, message.language),
            documents=step.documents,
            decided_by=self._official,
            occurred_at=datetime.fromtimestamp(received, UTC) + timedelta(seconds=step.after_s),
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The back-office's options, on ``python -m sandbox.backoffice`` and on
    ``ekomunat-gateway backoffice``."""
    parser.add_argument("--municipality", required=True, help="two-digit KAS code, e.g. 19")
    parser.add_argument(
        "--amqp-url",
        default=os.environ.get("GATEWAY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        help="the broker (default GATEWAY_AMQP_URL, as the gateway's, or %(default)s)",
    )
    parser.add_argument(
        "--database", type=Path, help="SQLite file (default var/backoffice-CODE.db)"
    )
    parser.add_argument("--prefix", default="", help="name prefix of a private topology")
    parser.add_argument("--decision-delay", type=float, default=2.0, help="seconds to decide")
    add_exit_with_parent(parser)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.backoffice", description="A reference municipal back-office."
    )
    add_arguments(parser)
    run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> None:
    """Consume the municipality's queue until SIGINT or SIGTERM (or the parent's exit)."""
    database = args.database or Path("var") / f"backoffice-{args.municipality}.db"
    office = BackOffice(
        args.municipality,
        args.amqp_url,
        database,
        prefix=args.prefix,
        decision_delay_s=args.decision_delay,
    )
    office.run_as_command(exit_with_parent=args.exit_with_parent)


if __name__ == "__main__":
    main()

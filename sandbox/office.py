"""What every sandbox back-office shares: its own SQLite file with an outbox, and its loop.

A back-office on the other side of the gateway (a municipality's, the ministry's) consumes
one queue, stores what it receives before it acks, and publishes its answers from a local
outbox with publisher confirms, so neither a crash nor a broker outage loses anything.
``LocalDatabase`` is the file (one transaction at a time, redeliveries counted, answers due
and sent); ``QueueOffice`` is the connection's life (consume, publish what is due, reconnect
with backoff). ``sandbox/backoffice.py`` and ``sandbox/ministry.py`` add their own rules.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pika
import structlog
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError
from pika.spec import Basic, BasicProperties

from sandbox.parent_watch import stop_with_parent

log = structlog.get_logger()


class LocalDatabase:
    """A back-office's SQLite file: ``schema`` creates what it keeps of what it receives;
    ``outbox_table`` holds the answers to send (``update_id``, the ``correlation`` column,
    ``routing_key``, ``body``, ``due_at``, ``sent_at``, then ``outbox_extra`` columns), and
    ``redeliveries`` counts messages seen twice."""

    schema: ClassVar[str]
    outbox_table: ClassVar[str]
    correlation: ClassVar[str]
    outbox_extra: ClassVar[str] = ""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.executescript(self.schema + self._shared_schema())
        self.lock = threading.Lock()

    @classmethod
    def _shared_schema(cls) -> str:
        outbox, extra = cls.outbox_table, f", {cls.outbox_extra}" if cls.outbox_extra else ""
        return f"""
CREATE TABLE IF NOT EXISTS redeliveries (
    message_id TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {outbox} (
    update_id  TEXT PRIMARY KEY,
    {cls.correlation} TEXT NOT NULL,
    routing_key TEXT NOT NULL,
    body       TEXT NOT NULL,
    due_at     REAL NOT NULL,
    sent_at    REAL{extra}
);
CREATE INDEX IF NOT EXISTS {outbox}_due ON {outbox} (due_at) WHERE sent_at IS NULL;
"""

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    @staticmethod
    def seen_before(db: sqlite3.Connection, table: str, message_id: str) -> bool:
        """True (and the redelivery counted) when ``message_id`` is already in ``table``."""
        seen = db.execute(f"SELECT 1 FROM {table} WHERE message_id = ?", (message_id,)).fetchone()
        if seen:
            db.execute(
                "INSERT INTO redeliveries VALUES (?, ?)",
                (message_id, datetime.now(UTC).isoformat()),
            )
        return seen is not None

    def due_updates(self, now: float, limit: int = 100) -> list[tuple[str, str, str, str]]:
        """(update id, correlation id, routing key, body) of the answers due, oldest first."""
        with self.lock:
            return self.connection.execute(
                f"SELECT update_id, {self.correlation}, routing_key, body FROM "
                f"{self.outbox_table} WHERE sent_at IS NULL AND due_at <= ? "
                "ORDER BY due_at, rowid LIMIT ?",
                (now, limit),
            ).fetchall()

    def mark_sent(self, update_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                f"UPDATE {self.outbox_table} SET sent_at = ? WHERE update_id = ?",
                (time.time(), update_id),
            )

    def redelivery_count(self) -> int:
        with self.lock:
            return int(self.connection.execute("SELECT count(*) FROM redeliveries").fetchone()[0])

    def unsent_count(self) -> int:
        with self.lock:
            row = self.connection.execute(
                f"SELECT count(*) FROM {self.outbox_table} WHERE sent_at IS NULL"
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self.lock:
            self.connection.close()


class QueueOffice:
    """Consumes ``queue`` (``on_message``) and publishes due answers to ``exchange``."""

    database: LocalDatabase

    def __init__(
        self, amqp_url: str, *, queue: str, exchange: str, schema: str, prefetch: int, name: str
    ) -> None:
        self._parameters = pika.URLParameters(amqp_url)
        self._parameters.connection_attempts = 1
        self._queue = queue
        self._exchange = exchange
        self._schema = schema
        self._prefetch = prefetch
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self._name)
        self._thread.start()

    def request_stop(self) -> None:
        """Thread-safe: the consuming loop ends within a fraction of a second."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None

    def run_as_command(self, *, exit_with_parent: bool) -> None:
        """The office as its own process: run until SIGINT or SIGTERM (or, when asked, until
        the process that started it exits), then close its file."""
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: self.request_stop())
        if exit_with_parent:
            stop_with_parent(self.request_stop)
        self.run()
        self.database.close()

    def run(self) -> None:
        """Consume and publish until ``stop``; reconnect after any broker trouble."""
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._session()
                backoff = 0.5
            except (AMQPError, OSError) as exc:
                log.warning(
                    "office.broker_unreachable",
                    office=self._name,
                    error=type(exc).__name__,
                    detail=str(exc)[:200],
                )
            if not self._stop.is_set():
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def take(self, body: bytes, message_id: str | None) -> bool:
        """Store one message (and plan its answers); False when it can never be processed."""
        raise NotImplementedError

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        # Acked only once stored; what can never be processed the queue dead-letters.
        tag = method.delivery_tag
        assert tag is not None  # pika types it optional; a delivery from the broker has one
        if self.take(body, properties.message_id):
            channel.basic_ack(tag)
        else:
            channel.basic_reject(tag, requeue=False)

    def _session(self) -> None:
        with pika.BlockingConnection(self._parameters) as connection:
            consuming = connection.channel()
            consuming.basic_qos(prefetch_count=self._prefetch)
            publishing = connection.channel()
            publishing.confirm_delivery()
            consuming.basic_consume(self._queue, self._on_message)
            log.info("office.connected", office=self._name, queue=self._queue)
            while not self._stop.is_set():
                connection.process_data_events(time_limit=0.2)
                self._publish_due(publishing)

    def _publish_due(self, channel: BlockingChannel) -> None:
        """Publish each answer that is due, confirmed by the broker, then mark it sent."""
        username = getattr(self._parameters.credentials, "username", None)
        for update_id, correlation_id, routing_key, body in self.database.due_updates(time.time()):
            channel.basic_publish(
                self._exchange,
                routing_key,
                body.encode("utf-8"),
                BasicProperties(
                    content_type="application/json",
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=update_id,
                    correlation_id=correlation_id,
                    user_id=username,
                    headers={"schema": self._schema, "schema_version": "1"},
                ),
                mandatory=True,
            )
            self.database.mark_sent(update_id)

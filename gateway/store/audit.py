"""The audit log's tables, as one repository on the unit of work's transaction.

A request's data-usage records about one person are one entry of the chain: the request,
who asked and the person once, and each registry read (registry, operation, fields, legal
basis, purpose) in a list. Its ``person_key`` and ``disclosed_from`` columns (copies of what
its hashed body says) make it the citizen's index too. One row, one hash and one index entry
per request and person is what the request path pays (bench/results/audit-cost.md), however
many calls the route makes about the applicant; ``audit verify`` checks the columns against
the body. A citizen's page or the Agency's export lists every read on its own
(``StoredUsage``), each placed by its entry's ``seq`` and its ``index`` in the entry.

Appending takes the chain's lock first, then reads the head and writes after it, so the
chain stays one chain however many instances write (docs/data-protection.md):

- PostgreSQL: ``pg_advisory_xact_lock`` on one fixed key, held until the transaction ends
  (or until the server ends a holder stopped mid-commit, ``CHAIN_LOCK_IDLE_MS``).
  Every transaction that appends queues there, so appends are serialised across instances;
  the lock is taken as the last step before commit (``Intake._commit``), which keeps the time
  it is held to the inserts and the commit. After the lock, READ COMMITTED reads the head the
  previous holder committed.
- SQLite: the store's write lock already lets one writer in at a time.

Whatever happens, ``seq`` is the primary key: two writers that both took one place would
see the second refused, never a fork. The hot inserts are ``Prepared`` statements
(gateway/store/prepared.py): the data-usage write is on every sync request's path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select
from sqlalchemy.types import UserDefinedType

from gateway.audit.chain import GENESIS, Entry, body_json, canonical_of, link_hash, timestamp
from gateway.store.prepared import Prepared
from gateway.store.tables import audit_checkpoints, audit_log

CHAIN_LOCK_KEY = 0x0EC0A0D17
"""The advisory lock's key: the one chain of the deployment (any constant no other lock uses)."""
CHAIN_LOCK_IDLE_MS = 5000
"""How long a transaction holding the chain's lock may sit idle before PostgreSQL ends its
session. A holder's transaction only inserts and commits after taking the lock, so it is
never idle for long unless its process was stopped (a paused VM, a SIGSTOP) mid-commit. Such
a holder would otherwise keep every instance's audited requests waiting for as long as it
stays stopped; with the timeout, the server ends its session, the lock goes with it, and the
stopped process finds its commit refused when it wakes."""


class _JsonText(UserDefinedType[str]):
    """JSON already written as text: passed as it is, with no cast, so SQLite keeps the text
    and PostgreSQL reads it as the column's jsonb (psycopg sends a ``str`` untyped)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "TEXT"


_HEAD = Prepared(
    # No LIMIT: a prepared statement takes no anonymous bind, and the primary key's max is
    # one index probe.
    select(audit_log.c.seq, audit_log.c.hash).where(
        audit_log.c.seq == select(func.max(audit_log.c.seq)).scalar_subquery()
    ),
    (),
)
_ADD_ENTRY = Prepared(
    # The body arrives as its canonical JSON text, the very bytes its hash was computed over
    # (``body_json``), not encoded a second time by the JSON type.
    insert(audit_log).values(body=bindparam("body", type_=_JsonText())),
    (
        "seq",
        "kind",
        "recorded_at",
        "body",
        "prev_hash",
        "hash",
        "person_key",
        "disclosed_from",
    ),
)
DATA_USAGE = "data_usage"
"""The kind of a data-usage entry (``gateway.audit.trail`` names the others)."""


@dataclass(frozen=True)
class UsageRow:
    """One data-usage record as read back (who read which fields of whose record, under which
    law, why): a citizen's page and the Agency's export show each on its own."""

    person_key: str
    request_id: str
    client_id: str
    municipality: str
    registry: str
    operation: str
    fields: tuple[str, ...]
    service: str
    legal_basis: str
    purpose: str
    disclosed_from: datetime | None = None


class UsageRead(TypedDict):
    """One registry read of a data-usage entry: which record, which fields, why."""

    registry: str
    operation: str
    fields: list[str]
    legal_basis: str
    purpose: str


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """One request's data-usage records about one person, as the chain holds them: the
    request, who asked and the person once, each registry read in the order it was made."""

    person_key: str
    request_id: str
    client_id: str
    municipality: str
    service: str
    reads: Sequence[UsageRead]
    disclosed_from: datetime | None = None

    def body(self) -> dict[str, Any]:
        """The entry's body in the chain: the same facts, so the log proves the table."""
        return {
            "person_key": self.person_key,
            "request_id": self.request_id,
            "client": self.client_id,
            "municipality": self.municipality,
            "service": self.service,
            "disclosed_from": timestamp(self.disclosed_from) if self.disclosed_from else None,
            "reads": self.reads,
        }


@dataclass(frozen=True)
class StoredUsage:
    """A record as read back: the ``index``-th read of the entry ``seq``."""

    seq: int
    index: int
    recorded_at: datetime
    row: UsageRow


@dataclass(frozen=True)
class IndexRow:
    """What the citizen's query finds an entry by: the row's own columns, not its body."""

    seq: int
    person_key: str | None
    disclosed_from: datetime | None


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head_hash: str
    signed_at: datetime
    signature: str


class AuditRepository:
    """The chain, the data-usage records and the checkpoints, on one connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _lock_chain(self) -> tuple[int, str]:
        if self._connection.dialect.name == "postgresql":
            # One round trip: the timeout (for this transaction only), then the lock.
            self._connection.exec_driver_sql(
                "SELECT set_config('idle_in_transaction_session_timeout', "
                f"'{CHAIN_LOCK_IDLE_MS}', true), pg_advisory_xact_lock({CHAIN_LOCK_KEY})"
            )
        head = _HEAD.rows(self._connection, {})
        return (head[0]["seq"], head[0]["hash"]) if head else (0, GENESIS)

    def append(
        self, entries: Sequence[tuple[str, Mapping[str, Any]]], *, recorded_at: datetime
    ) -> list[int]:
        """Chain ``(kind, body)`` entries after the head; their seq numbers, in order."""
        return self._chain([(kind, body, None, None) for kind, body in entries], recorded_at)

    def _chain(
        self,
        entries: Sequence[tuple[str, Mapping[str, Any], str | None, datetime | None]],
        recorded_at: datetime,
    ) -> list[int]:
        seq, prev = self._lock_chain()
        moment = timestamp(recorded_at)
        rows: list[dict[str, Any]] = []
        for kind, body, person_key, disclosed_from in entries:
            seq += 1
            text = body_json(body)
            digest = link_hash(prev, canonical_of(kind, moment, text))
            rows.append(
                {
                    "seq": seq,
                    "kind": kind,
                    "recorded_at": recorded_at,
                    "body": text.decode("utf-8"),
                    "prev_hash": prev,
                    "hash": digest,
                    "person_key": person_key,
                    "disclosed_from": disclosed_from,
                }
            )
            prev = digest
        _ADD_ENTRY.execute_many(self._connection, rows)
        return [row["seq"] for row in rows]

    def add_usage(self, entries: Sequence[UsageEntry], *, recorded_at: datetime) -> list[int]:
        """Each entry chained and indexed by the person's key; their seq numbers, in order."""
        return self._chain(
            [
                (DATA_USAGE, entry.body(), entry.person_key, entry.disclosed_from)
                for entry in entries
            ],
            recorded_at,
        )

    def usage_of(
        self,
        person_key: str,
        *,
        now: datetime,
        start: tuple[int, int] | None,
        limit: int,
    ) -> list[StoredUsage]:
        """Up to ``limit`` of a person's records the citizen may see at ``now``: newest entry
        first, an entry's reads in the order they were made, from the place ``start`` (an
        entry's seq and a read's index) on."""
        query = (
            select(audit_log)
            .where(
                audit_log.c.person_key == person_key,
                or_(audit_log.c.disclosed_from.is_(None), audit_log.c.disclosed_from <= now),
            )
            .order_by(audit_log.c.seq.desc())
            .limit(limit)  # every entry holds at least one read
        )
        if start is not None:
            query = query.where(audit_log.c.seq <= start[0])
        found = [
            stored
            for row in self._connection.execute(query).mappings()
            for stored in records_of(row)
            # The query already left out the entries after the start's; of the start's own
            # entry, the reads before the start were on the page before.
            if start is None or stored.seq < start[0] or stored.index >= start[1]
        ]
        return found[:limit]

    def usage_between(self, start: datetime | None, end: datetime | None) -> list[StoredUsage]:
        """Every record, restricted ones too, for the Agency's export; oldest first."""
        conditions = [audit_log.c.kind == DATA_USAGE]
        if start is not None:
            conditions.append(audit_log.c.recorded_at >= start)
        if end is not None:
            conditions.append(audit_log.c.recorded_at < end)
        query = select(audit_log).where(and_(*conditions)).order_by(audit_log.c.seq)
        return [
            stored
            for row in self._connection.execute(query).mappings()
            for stored in records_of(row)
        ]

    def usage_index(self) -> Iterator[IndexRow]:
        """The index columns of every entry that has them or should (``audit verify``)."""
        query = (
            select(
                audit_log.c.seq,
                audit_log.c.person_key,
                audit_log.c.disclosed_from,
            )
            .where(or_(audit_log.c.kind == DATA_USAGE, audit_log.c.person_key.is_not(None)))
            .order_by(audit_log.c.seq)
        )
        for row in self._connection.execute(query).mappings():
            yield IndexRow(**row)

    def entries(self) -> Iterator[Entry]:
        """The whole log in table order (``seq``), as ``audit verify`` walks it."""
        rows = self._connection.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()
        for row in rows:
            yield Entry(
                seq=row["seq"],
                kind=row["kind"],
                recorded_at=row["recorded_at"],
                body=row["body"],
                prev_hash=row["prev_hash"],
                hash=row["hash"],
            )

    def head(self) -> tuple[int, str]:
        """(count, head hash) of the chain as committed; (0, GENESIS) when empty."""
        found = _HEAD.rows(self._connection, {})
        return (found[0]["seq"], found[0]["hash"]) if found else (0, GENESIS)

    def latest_checkpoint(self) -> Checkpoint | None:
        row = (
            self._connection.execute(
                select(audit_checkpoints).order_by(audit_checkpoints.c.count.desc()).limit(1)
            )
            .mappings()
            .first()
        )
        return Checkpoint(**row) if row else None

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._connection.execute(
            insert(audit_checkpoints).values(
                count=checkpoint.count,
                head_hash=checkpoint.head_hash,
                signed_at=checkpoint.signed_at,
                signature=checkpoint.signature,
            )
        )

    def checkpoints(self, *, limit: int | None = None) -> list[Checkpoint]:
        """Newest first (all of them when ``limit`` is None)."""
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.count.desc())
        if limit is not None:
            query = query.limit(limit)
        return [Checkpoint(**row) for row in self._connection.execute(query).mappings()]


def records_of(row: Mapping[Any, Any]) -> list[StoredUsage]:
    """A data-usage entry's records, read from its hashed body (the columns only find it).

    An entry written before one entry held a request's reads (until 2026-12) is one read
    with its fields at the top of the body; it reads back as that one record.
    """
    body = row["body"]
    reads = body.get("reads") or [body]
    return [
        StoredUsage(
            seq=row["seq"],
            index=index,
            recorded_at=row["recorded_at"],
            row=UsageRow(
                person_key=body["person_key"],
                request_id=body["request_id"],
                client_id=body["client"],
                municipality=body["municipality"],
                registry=read["registry"],
                operation=read["operation"],
                fields=tuple(read["fields"]),
                service=body["service"],
                legal_basis=read["legal_basis"],
                purpose=read["purpose"],
                disclosed_from=row["disclosed_from"],
            ),
        )
        for index, read in enumerate(reads)
    ]

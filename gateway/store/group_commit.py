"""Group commit: the requests waiting to be written share one transaction and one commit.

Every accept and every sync answer ends in a commit, and a commit costs a round trip and a
flush of the log whatever it carries (PostgreSQL's WAL, SQLite's WAL). Under load many requests
reach their commit at about the same time; here they queue, and a writer task takes all that
are waiting (up to ``max_batch``) and writes them in one transaction, the way PostgreSQL's
``commit_delay`` and log-structured stores do. No request waits for a timer: a batch is what
gathered while the previous one was being written, so one request alone is written at once.
SQLite has one writer task; PostgreSQL a few, each with its own connection (``GroupCommit``).

What each request was promised still holds:

- **Nothing answered is lost.** A request's ``commit`` returns only after the transaction
  holding its rows has committed; if that commit fails, every request in the batch gets the
  failure (a database that is away: the API's 503 ``store.unavailable``), never an answer.
- **A request's failure is its own.** A batch is first written as it is, with no savepoints
  (on PostgreSQL each is two more round trips per request, and failures are rare). If a
  request's rows fail, that transaction is rolled back and the batch written again with each
  request's rows under a savepoint of their own: a write that raises (a duplicate key, a
  refusal of an accept hook) is rolled back to it, and that request alone gets its error,
  after the batch-mates' commit. A failure the savepoints cannot isolate (the commit itself
  refused, for instance by a deferred constraint) rolls the batch back, and each request is
  then written again alone, in its own transaction.
- **Idempotency as before.** Two requests with one Idempotency-Key in a batch: the first saves
  its answer, the second's insert fails against it (the batch is written again, the second's
  rows under a savepoint that is rolled back), and it hears
  ``DuplicateIdempotencyKey`` only once the first has committed, so reading the stored answer
  then finds it (exactly what a racer committed by another transaction gives today). Twins in
  two batches of two processes, in opposite orders, are a deadlock PostgreSQL breaks by
  failing one statement: that request is written again alone once its own batch committed.
- **The audit chain's order.** A request's ``last`` write (its data-usage records) runs after
  every request's rows, in batch order: on PostgreSQL the first of them takes the chain's
  advisory lock (gateway/store/audit.py), held until the batch commits, so the chain is
  appended in one piece and row locks are still always taken before that lock, as for one
  request alone. A ``last`` write that fails cannot be unpicked from the others' rows: the
  batch is rolled back and each request written alone.

Writes run in a copy of their request's context, so what they log carries its request id.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from sqlalchemy.exc import DBAPIError

from gateway.store.errors import is_database_unavailable
from gateway.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from gateway.store.database import Store

T = TypeVar("T")

Write = Callable[[UnitOfWork], T]
"""A request's rows, written on the unit of work it is given; it never commits."""


@dataclass
class _Waiting(Generic[T]):
    write: Write[T]
    last: Write[Any] | None
    future: asyncio.Future[T]
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None


def _lost_to_a_batch_mate(error: BaseException) -> bool:
    """PostgreSQL broke a deadlock or a serialisation conflict by failing this statement.

    One request alone never meets this, but two batches written at once (two worker
    processes) can each hold a key the other's next request needs, the twins of an
    Idempotency-Key arriving in opposite orders.
    """
    if not isinstance(error, DBAPIError):
        return False
    return str(getattr(error.orig, "sqlstate", None) or "").startswith("40")


class _RowsFailed(Exception):
    """A request's rows failed in a batch written without savepoints: the batch rolls back."""


class _LastWriteFailed(Exception):
    """A ``last`` write failed after the batch-mates' rows: only a rollback can undo it."""


class GroupCommit:
    """The store's writers of request rows, per store and event loop.

    ``writers`` batches may be in flight at once, each on its own connection: SQLite takes
    one writer at a time anyway, but on PostgreSQL every statement is a round trip, and one
    writer alone would send a whole batch's statements one after the other while the
    server (which flushes concurrent commits together itself) sat idle.
    """

    def __init__(self, store: Store, *, max_batch: int, writers: int = 1) -> None:
        if max_batch < 1 or writers < 1:
            raise ValueError("a batch holds at least one request, and one writer writes it")
        self._store = store
        self.max_batch = max_batch
        self.max_writers = writers
        self._waiting: list[_Waiting[Any]] = []
        self._writers: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0
        """Transactions committed with rows of two requests or more (for tests and benches)."""

    async def commit(self, write: Write[T], *, last: Write[Any] | None = None) -> T:
        """Write a request's rows (``write``, then ``last``) and return once they committed."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A new event loop (a test's second lifespan): the old one's queue went with it.
            self._loop, self._waiting, self._writers = loop, [], set()
        waiting: _Waiting[T] = _Waiting(write, last, loop.create_future())
        self._waiting.append(waiting)
        if len(self._writers) < self.max_writers:
            writer = loop.create_task(self._write_waiting(), name="store-group-commit")
            self._writers.add(writer)
        return await waiting.future

    async def _write_waiting(self) -> None:
        try:
            await self._drain()
        finally:
            # Out of the set in the same step as the last look at ``_waiting``: a done
            # callback would run a step later, and a request queued in between would count
            # this finished writer as running and wait for it for ever.
            self._writers.discard(cast("asyncio.Task[None]", asyncio.current_task()))

    async def _drain(self) -> None:
        while self._waiting:
            batch = [w for w in self._waiting[: self.max_batch] if not w.future.cancelled()]
            del self._waiting[: self.max_batch]
            if not batch:
                continue
            try:
                outcomes = await self._write(batch)
            except BaseException:  # the writer itself cancelled: nobody is answered
                for waiting in [*batch, *self._waiting]:
                    waiting.future.cancel()
                self._waiting.clear()
                raise
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if waiting.future.done():  # its request was cancelled meanwhile
                    continue
                if outcome.error is not None:
                    waiting.future.set_exception(outcome.error)
                else:
                    waiting.future.set_result(outcome.value)

    async def _write(self, batch: list[_Waiting[Any]]) -> list[_Outcome]:
        try:
            try:
                outcomes = await self._store.run(
                    self._in_one_transaction, batch, False, writes=True
                )
            except _RowsFailed as failed:
                if failed.__cause__ is None or is_database_unavailable(failed.__cause__):
                    raise
                # Rolled back whole: again, each request's rows under a savepoint of its own.
                outcomes = await self._store.run(self._in_one_transaction, batch, True, writes=True)
        except Exception as error:
            cause: BaseException = error
            if isinstance(error, _RowsFailed | _LastWriteFailed) and error.__cause__ is not None:
                cause = error.__cause__
            if len(batch) == 1 or is_database_unavailable(cause):
                # Nothing of the batch is stored, and alone it would fare no better.
                return [_Outcome(error=cause) for _ in batch]
            outcomes = []
            for waiting in batch:  # in order: a twin's key is committed before its twin runs
                try:
                    (outcome,) = await self._store.run(
                        self._in_one_transaction, [waiting], False, writes=True
                    )
                except Exception as alone:
                    outcome = _Outcome(error=alone)
                outcomes.append(outcome)
            return outcomes
        if len(batch) > 1:
            self.batches += 1
            for index, (waiting, outcome) in enumerate(zip(batch, outcomes, strict=True)):
                if outcome.error is not None and _lost_to_a_batch_mate(outcome.error):
                    # Its batch has committed: alone, it meets what it waited for as a row.
                    try:
                        (outcomes[index],) = await self._store.run(
                            self._in_one_transaction, [waiting], False, writes=True
                        )
                    except Exception as alone:
                        outcomes[index] = _Outcome(error=alone)
        return outcomes

    def _in_one_transaction(
        self, batch: Sequence[_Waiting[Any]], savepoints: bool
    ) -> list[_Outcome]:
        """Every request's rows, then the ``last`` writes, then one commit.

        Without ``savepoints`` (the first try) a request whose rows fail fails the whole
        transaction (``_RowsFailed``); with them, its rows alone are rolled back.
        """
        outcomes = [_Outcome() for _ in batch]
        with self._store.unit_of_work() as uow:
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if not savepoints:
                    try:
                        outcome.value = waiting.context.run(waiting.write, uow)
                    except Exception as error:
                        if len(batch) == 1:
                            raise
                        raise _RowsFailed() from error
                    continue
                try:
                    with uow.savepoint():
                        outcome.value = waiting.context.run(waiting.write, uow)
                except Exception as error:
                    outcome.error = error
            for waiting, outcome in zip(batch, outcomes, strict=True):
                if waiting.last is None or outcome.error is not None:
                    continue
                try:
                    waiting.context.run(waiting.last, uow)
                except Exception as error:
                    if len(batch) == 1:
                        raise
                    raise _LastWriteFailed() from error
            uow.commit()
        return outcomes

"""The store's hottest statements, compiled once per database and run on the driver's cursor.

Every portal request reads its idempotency key, and every answer writes the request, its
first history line, the idempotency answer and, for async routes, the outbox row. Through
``Connection.execute`` each of these statements cost ~100 µs of SQLAlchemy's execution
machinery on this project's machine, several times what SQLite itself spends on it
(``bench/results/optimisation.md``). A ``Prepared`` statement is compiled from the same
Core construct and the same table definitions, once per dialect, and runs on the DBAPI
cursor of the unit of work's own connection, inside its transaction. Values pass through
the very bind and result processors SQLAlchemy would apply (the column types' public
``bind_processor``/``result_processor``), so rows written here read back through Core
unchanged, and the other way round; ``tests/integration/store`` checks both databases.

Only statements whose parameters are plain column values belong here; anything that needs
SQLAlchemy's expression machinery at run time stays a Core statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Insert, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


def driver_error(connection: Connection, sql: str, error: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy's class of the same name (``IntegrityError``...), for
    statements sent on the driver's connection, as Core would have raised it."""
    # A StatementError only for an error that is not the driver's: this one is.
    return cast(
        DBAPIError, DBAPIError.instance(sql, None, error, connection.dialect.loaded_dbapi.Error)
    )


class _Compiled:
    """One statement as one dialect runs it: SQL text, parameter order, value processors."""

    def __init__(self, statement: Insert | Select[Any], dialect: Dialect, keys: Sequence[str]):
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = str(compiled)
        self.positional = tuple(compiled.positiontup or ()) if compiled.positional else None
        self.binds: dict[str, Processor] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        order = self.positional if self.positional is not None else tuple(self.binds)
        self._ordered: tuple[tuple[str, Processor], ...] = tuple(
            (name, self.binds[name]) for name in order
        )
        self.results: list[tuple[str, Processor]] = [
            (name, column_type.dialect_impl(dialect).result_processor(dialect, None))
            for name, column_type in _selected(statement)
        ]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        # Every value through its processor, None too, as Core does for a key it is given
        # (a JSON column's None becomes JSON null there, not SQL NULL). Built in the
        # driver's order in one pass: this runs for every row the hot statements write.
        processed = [
            value if process is None else process(value)
            for name, process in self._ordered
            for value in (values[name],)
        ]
        if self.positional is None:
            return dict(zip(self.binds, processed, strict=True))
        return processed


def _selected(statement: Insert | Select[Any]) -> list[tuple[str, Any]]:
    """The (name, type) of each value the statement gives back, in order."""
    if isinstance(statement, Select):
        # SQLAlchemy types a key optional (an unnamed expression has none); these select
        # named table columns, each keyed by its name.
        return [(cast(str, column.key), column.type) for column in statement.selected_columns]
    return [(item["name"], item["type"]) for item in statement.returning_column_descriptions]


class Prepared:
    """A Core ``insert`` or ``select`` of fixed shape, for the hot path of the store.

    ``keys``: the parameter names every call passes (for an insert, the columns it fills;
    the others take their database defaults, such as an identity key).
    """

    def __init__(self, statement: Insert | Select[Any], keys: Sequence[str]) -> None:
        self._statement = statement
        self._keys = tuple(keys)
        self._by_dialect: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = _Compiled(
                self._statement, dialect, self._keys
            )
        return compiled

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run the statement in the connection's transaction; its result rows, processed."""
        compiled = self._for(connection.dialect)
        # driver_connection is None only once the connection is closed; this one is in use.
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            try:
                cursor.execute(compiled.sql, compiled.parameters(values))
            except connection.dialect.loaded_dbapi.Error as exc:
                # What Core raises (IntegrityError, which the repositories catch; an
                # OperationalError the API answers with 503), so callers cannot tell the paths
                # apart.
                raise driver_error(connection, compiled.sql, exc) from exc
            if not compiled.results:
                return []
            found = []
            for raw in cursor.fetchall():
                row = {}
                for (name, process), value in zip(compiled.results, raw, strict=True):
                    row[name] = process(value) if process is not None else value
                found.append(row)
            return found
        finally:
            cursor.close()

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> None:
        self.rows(connection, values)

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement, many rows (an insert of the audit log's entries).

        On SQLite one ``executemany``. On PostgreSQL one ``execute`` a row: psycopg runs
        ``executemany`` in pipeline mode, and after it the server did not arm
        ``idle_in_transaction_session_timeout`` for the idle time that followed (PostgreSQL
        15, psycopg 3; ``tests/integration/audit/test_chain_head.py``), which is what frees
        the audit chain's lock from a process stopped mid-commit. The rows are few: one
        entry per person a request asked about.
        """
        compiled = self._for(connection.dialect)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            try:
                if connection.dialect.name == "postgresql" or len(rows) == 1:
                    for row in rows:
                        cursor.execute(compiled.sql, compiled.parameters(row))
                else:
                    cursor.executemany(compiled.sql, [compiled.parameters(row) for row in rows])
            except connection.dialect.loaded_dbapi.Error as exc:
                raise driver_error(connection, compiled.sql, exc) from exc
        finally:
            cursor.close()

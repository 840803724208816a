"""Versioned schema migrations (alembic), run from code: no alembic.ini at run time.

``migrate_engine`` upgrades a database to the newest revision. Several processes may start
at once (two relays, an API and a relay): on PostgreSQL they queue on an advisory lock, on
SQLite on the write lock, and whoever comes second finds nothing left to do.

To write a new revision, a developer runs alembic against ``alembic_config(url)``, e.g.
``alembic.command.revision(alembic_config(url), message="...", autogenerate=True)``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Any fixed 64-bit number, the same in every gateway process: "ekomunat" in ASCII.
ADVISORY_LOCK_KEY = 0x656B6F6D756E6174


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate_engine(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``, in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

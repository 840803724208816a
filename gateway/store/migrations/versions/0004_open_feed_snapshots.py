"""Open data: the last good answer of every source document, kept across restarts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/feed_snapshots.py on the store's shared metadata (see 0002).
import gateway.store.feed_snapshots  # noqa: F401
from gateway.store.migrations.columns import timestamp

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_feed_snapshots",
        sa.Column("feed_key", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(32), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", timestamp(), nullable=False),
        sa.Column("changed_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("feed_key", name="pk_open_feed_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("open_feed_snapshots")

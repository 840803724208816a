"""Leases on the duties that run once per deployment (the feed refresher).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/leases.py on the store's shared metadata (see 0002).
import gateway.store.leases  # noqa: F401
from gateway.store.migrations.columns import timestamp

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("term", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", timestamp(), nullable=False),
        sa.Column("renewed_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_worker_leases"),
    )


def downgrade() -> None:
    op.drop_table("worker_leases")

"""Open data: the register of permits municipalities approve through the hand-off.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Declared in gateway/store/permits.py on the store's shared metadata (see 0002).
import gateway.store.permits  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "open_permits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("permit_number", sa.String(60), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(3), nullable=True),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("cadastral_zone", sa.String(6), nullable=False),
        sa.Column("parcel_number", sa.String(9), nullable=False),
        sa.Column("investor_type", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("conditions", _json(), nullable=False),
        sa.Column("applied_at", _timestamp(), nullable=False),
        sa.Column("issued_at", _timestamp(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_open_permits"),
        sa.UniqueConstraint("permit_number", name="uq_open_permits_permit_number"),
        sa.UniqueConstraint("request_id", name="uq_open_permits_request_id"),
    )
    op.create_index(
        "ix_open_permits_municipality_issued_at", "open_permits", ["municipality", "issued_at"]
    )


def downgrade() -> None:
    op.drop_table("open_permits")

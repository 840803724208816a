"""Complaints (Open311 channel): complaints and their status history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The tables are declared in gateway/store/complaints.py on the store's shared metadata.
# Importing it here registers them wherever migrations run, so that comparing a migrated
# database with that metadata (tests/integration/store/test_migrations.py) sees both sides.
import gateway.store.complaints  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("category", sa.String(48), nullable=False),
        sa.Column("institution", sa.String(64), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=True),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("address_id", sa.String(100), nullable=True),
        sa.Column("media_url", sa.String(2000), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("contact", _json(), nullable=True),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("submitted_at", _timestamp(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.Column("deadline_at", _timestamp(), nullable=False),
        sa.Column("answered_at", _timestamp(), nullable=True),
        sa.Column("closed_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_complaints"),
        sa.UniqueConstraint("token_sha256", name="uq_complaints_token_sha256"),
        sa.UniqueConstraint("message_id", name="uq_complaints_message_id"),
    )
    op.create_index("ix_complaints_submitted_at", "complaints", ["submitted_at"])
    op.create_index(
        "ix_complaints_institution_submitted_at", "complaints", ["institution", "submitted_at"]
    )
    op.create_index(
        "ix_complaints_category_submitted_at", "complaints", ["category", "submitted_at"]
    )
    op.create_index(
        "ix_complaints_municipality_submitted_at", "complaints", ["municipality", "submitted_at"]
    )

    op.create_table(
        "complaint_status_history",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("complaint_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("previous_status", sa.String(16), nullable=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("update_id", sa.String(36), nullable=True),
        sa.Column("public_note", _json(), nullable=True),
        sa.Column("handled_by", _json(), nullable=True),
        sa.Column("occurred_at", _timestamp(), nullable=False),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_complaint_status_history"),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name="fk_complaint_status_history_complaint_id_complaints",
        ),
        sa.UniqueConstraint("update_id", name="uq_complaint_status_history_update_id"),
    )
    op.create_index(
        "ix_complaint_status_history_complaint_id",
        "complaint_status_history",
        ["complaint_id"],
    )


def downgrade() -> None:
    op.drop_table("complaint_status_history")
    op.drop_table("complaints")

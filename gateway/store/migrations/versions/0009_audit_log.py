"""The audit log: its hash chain (whose data-usage entries are the citizens' index) and the
signed checkpoints.

Revision ID: 0009
Revises: 0007 (chain it after 0008 when both are merged)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.migrations.columns import big_id, json_type, timestamp

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PERSONAL_ENTRY = sa.text("person_key IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", big_id(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recorded_at", timestamp(), nullable=False),
        sa.Column("body", json_type(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=True),
        sa.Column("disclosed_from", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index(
        "ix_audit_log_person_key_seq",
        "audit_log",
        ["person_key", "seq"],
        sqlite_where=PERSONAL_ENTRY,
        postgresql_where=PERSONAL_ENTRY,
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("count", big_id(), autoincrement=False, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", timestamp(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("count", name="pk_audit_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_log")

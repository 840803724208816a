"""Operators' dashboard sessions and failed sign-ins, shared by every gateway instance.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/ops_sessions.py on the store's shared metadata (see 0002).
import gateway.store.ops_sessions  # noqa: F401
from gateway.store.migrations.columns import big_id, timestamp

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ops_sessions",
        sa.Column("id_sha256", sa.String(64), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("opened_at", timestamp(), nullable=False),
        sa.Column("last_used_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id_sha256", name="pk_ops_sessions"),
    )
    op.create_index("ix_ops_sessions_opened_at", "ops_sessions", ["opened_at"])
    op.create_table(
        "ops_sign_in_failures",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("scope_sha256", sa.String(64), nullable=False),
        sa.Column("failed_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ops_sign_in_failures"),
    )
    op.create_index(
        "ix_ops_sign_in_failures_scope_sha256_failed_at",
        "ops_sign_in_failures",
        ["scope_sha256", "failed_at"],
    )
    op.create_index("ix_ops_sign_in_failures_failed_at", "ops_sign_in_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_table("ops_sign_in_failures")
    op.drop_table("ops_sessions")

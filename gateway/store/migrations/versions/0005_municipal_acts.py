"""Legality review: municipal acts and the events of their review by the ministry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/acts.py on the store's shared metadata (see 0002).
import gateway.store.acts  # noqa: F401
from gateway.store.migrations.columns import big_id, json_type, timestamp

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipal_acts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", json_type(), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("documents", json_type(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("review_state", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("submitted_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_municipal_acts"),
        sa.UniqueConstraint("municipality", "number", name="uq_municipal_acts_municipality_number"),
    )
    op.create_index("ix_municipal_acts_adopted_on", "municipal_acts", ["adopted_on"])
    op.create_table(
        "act_review_history",
        sa.Column("id", big_id(), autoincrement=True, nullable=False),
        sa.Column("act_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("previous_state", sa.String(32), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("update_id", sa.String(36), nullable=True),
        sa.Column("message_id", sa.String(36), nullable=True),
        sa.Column("public_note", json_type(), nullable=True),
        sa.Column("documents", json_type(), nullable=True),
        sa.Column("decided_by", json_type(), nullable=True),
        sa.Column("occurred_at", timestamp(), nullable=False),
        sa.Column("recorded_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_act_review_history"),
        sa.ForeignKeyConstraint(
            ["act_id"], ["municipal_acts.id"], name="fk_act_review_history_act_id_municipal_acts"
        ),
        sa.UniqueConstraint("update_id", name="uq_act_review_history_update_id"),
    )
    op.create_index("ix_act_review_history_act_id", "act_review_history", ["act_id"])


def downgrade() -> None:
    op.drop_table("act_review_history")
    op.drop_table("municipal_acts")

"""Public hearings: what municipalities publish, the comments they receive, their reports.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/hearings.py on the store's shared metadata (see 0002).
import gateway.store.hearings  # noqa: F401
from gateway.store.migrations.columns import json_type, timestamp

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_hearings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("topic", json_type(), nullable=False),
        sa.Column("description", json_type(), nullable=True),
        sa.Column("place", json_type(), nullable=False),
        sa.Column("held_at", timestamp(), nullable=False),
        sa.Column("comments_from", timestamp(), nullable=False),
        sa.Column("comments_until", timestamp(), nullable=False),
        sa.Column("documents", json_type(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("published_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("report", json_type(), nullable=True),
        sa.Column("report_documents", json_type(), nullable=True),
        sa.Column("reported_at", timestamp(), nullable=True),
        sa.Column("comments_at_report", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_public_hearings"),
        sa.UniqueConstraint(
            "municipality", "reference", name="uq_public_hearings_municipality_reference"
        ),
    )
    op.create_index("ix_public_hearings_held_at", "public_hearings", ["held_at"])
    op.create_table(
        "hearing_comments",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("hearing_id", sa.String(36), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("received_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_hearing_comments"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_hearing_comments_request_id_requests"
        ),
        sa.ForeignKeyConstraint(
            ["hearing_id"],
            ["public_hearings.id"],
            name="fk_hearing_comments_hearing_id_public_hearings",
        ),
    )
    op.create_index("ix_hearing_comments_hearing_id", "hearing_comments", ["hearing_id"])


def downgrade() -> None:
    op.drop_table("hearing_comments")
    op.drop_table("public_hearings")

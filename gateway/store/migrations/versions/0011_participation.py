"""Citizens' questions to the assembly and the mayor, petitions and their signatures.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/participation.py on the store's shared metadata (see 0002).
import gateway.store.participation  # noqa: F401
from gateway.store.migrations.columns import json_type, timestamp

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assembly_questions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("recipient_role", sa.String(16), nullable=False),
        sa.Column("recipient_party", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("asked_at", timestamp(), nullable=False),
        sa.Column("answer_due", timestamp(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=True),
        sa.Column("answer_documents", json_type(), nullable=True),
        sa.Column("answered_at", timestamp(), nullable=True),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assembly_questions"),
        sa.ForeignKeyConstraint(["id"], ["requests.id"], name="fk_assembly_questions_id_requests"),
    )
    op.create_index(
        "ix_assembly_questions_municipality_asked_at",
        "assembly_questions",
        ["municipality", "asked_at"],
    )
    op.create_table(
        "petitions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("regulation_number", sa.String(60), nullable=True),
        sa.Column("regulation_adopted_on", sa.Date(), nullable=True),
        sa.Column("opened_at", timestamp(), nullable=False),
        sa.Column("signatures_until", timestamp(), nullable=False),
        sa.Column("decision_due", timestamp(), nullable=False),
        sa.Column("registered_voters", sa.Integer(), nullable=False),
        sa.Column("voters_source", sa.String(300), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_changed_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_petitions"),
        sa.ForeignKeyConstraint(["id"], ["requests.id"], name="fk_petitions_id_requests"),
    )
    op.create_index(
        "ix_petitions_municipality_opened_at", "petitions", ["municipality", "opened_at"]
    )
    op.create_table(
        "petition_signatures",
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("petition_id", sa.String(36), nullable=False),
        sa.Column("signer_key", sa.String(64), nullable=False),
        sa.Column("signed_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name="pk_petition_signatures"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_petition_signatures_request_id_requests"
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name="fk_petition_signatures_petition_id_petitions",
        ),
        sa.UniqueConstraint(
            "petition_id", "signer_key", name="uq_petition_signatures_petition_id_signer_key"
        ),
    )


def downgrade() -> None:
    op.drop_table("petition_signatures")
    op.drop_table("petitions")
    op.drop_table("assembly_questions")

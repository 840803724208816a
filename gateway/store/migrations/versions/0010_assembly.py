"""The municipal assembly and the executive: members, sessions, votes, the mayor's decisions
and public meetings, and the history of every text a later publication replaced.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Declared in gateway/store/assembly.py on the store's shared metadata (see 0002).
import gateway.store.assembly  # noqa: F401
from gateway.store.migrations.columns import big_id, json_type, timestamp

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assembly_members",
        sa.Column("member_id", sa.String(60), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("mandate", sa.String(9), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("party", sa.String(200), nullable=False),
        sa.Column("committees", json_type(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("office_from", sa.Date(), nullable=False),
        sa.Column("office_until", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("published_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_assembly_members"),
    )
    op.create_index("ix_assembly_members_municipality", "assembly_members", ["municipality"])
    op.create_table(
        "assembly_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("held_at", timestamp(), nullable=False),
        sa.Column("place", json_type(), nullable=True),
        sa.Column("public_may_attend", sa.Boolean(), nullable=False),
        sa.Column("committee", sa.String(200), nullable=True),
        sa.Column("agenda", json_type(), nullable=False),
        sa.Column("agenda_published_at", timestamp(), nullable=False),
        sa.Column("agenda_declared", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("published_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("minutes", json_type(), nullable=True),
        sa.Column("minutes_published_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assembly_sessions"),
        sa.UniqueConstraint(
            "municipality", "reference", name="uq_assembly_sessions_municipality_reference"
        ),
    )
    op.create_index("ix_assembly_sessions_held_at", "assembly_sessions", ["held_at"])
    op.create_table(
        "assembly_votes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("votes", json_type(), nullable=False),
        sa.Column("act_id", sa.String(36), nullable=True),
        sa.Column("decision", json_type(), nullable=True),
        sa.Column("reason", json_type(), nullable=True),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("recorded_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assembly_votes"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["assembly_sessions.id"],
            name="fk_assembly_votes_session_id_assembly_sessions",
        ),
        sa.UniqueConstraint(
            "session_id",
            "item_number",
            "version",
            name="uq_assembly_votes_session_id_item_number_version",
        ),
    )
    op.create_table(
        "mayor_decisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("title", json_type(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("act_id", sa.String(36), nullable=True),
        sa.Column("documents", json_type(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("published_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mayor_decisions"),
        sa.UniqueConstraint(
            "municipality", "number", name="uq_mayor_decisions_municipality_number"
        ),
    )
    op.create_table(
        "mayor_meetings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(60), nullable=False),
        sa.Column("held_at", timestamp(), nullable=False),
        sa.Column("place", json_type(), nullable=False),
        sa.Column("topics", json_type(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("published_at", timestamp(), nullable=False),
        sa.Column("updated_at", timestamp(), nullable=False),
        sa.Column("report", json_type(), nullable=True),
        sa.Column("reported_at", timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mayor_meetings"),
        sa.UniqueConstraint(
            "municipality", "reference", name="uq_mayor_meetings_municipality_reference"
        ),
    )
    op.create_table(
        "assembly_history",
        sa.Column("seq", big_id(), autoincrement=True, nullable=False),
        sa.Column("municipality", sa.String(2), nullable=False),
        sa.Column("entity", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", json_type(), nullable=False),
        sa.Column("reason", json_type(), nullable=True),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("recorded_at", timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_assembly_history"),
    )
    op.create_index(
        "ix_assembly_history_entity_entity_id", "assembly_history", ["entity", "entity_id"]
    )


def downgrade() -> None:
    op.drop_table("assembly_history")
    op.drop_table("mayor_meetings")
    op.drop_table("mayor_decisions")
    op.drop_table("assembly_votes")
    op.drop_table("assembly_sessions")
    op.drop_table("assembly_members")

"""Tagging: manual tag events (set/remove) with the removed automatic source.

Revision ID: 0201
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0001"
branch_labels = ("tagging",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("communication_id", sa.String(64), nullable=False),
        sa.Column("communication_type", sa.String(20), nullable=False),
        sa.Column("tag", sa.String(200), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("removed_source", sa.String(20)),
        sa.Column("removed_source_ref", sa.String(120)),
        sa.Column("comment", sa.String(500)),
        sa.PrimaryKeyConstraint("id", name="pk_tag_events"),
    )
    op.create_index("ix_tag_events_communication", "tag_events", ["communication_id", "at"])
    op.create_index("ix_tag_events_tag", "tag_events", ["tag"])
    op.create_index("ix_tag_events_at", "tag_events", ["at"])
    op.create_index("ix_tag_events_removed_source", "tag_events", ["removed_source"])


def downgrade() -> None:
    op.drop_table("tag_events")

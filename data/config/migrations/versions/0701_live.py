"""Live path: Data API sources, cursors per source and report, recording fetches.

Revision ID: 0701
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0701"
down_revision = "0001"
branch_labels = ("live",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_sources",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("token", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_message", sa.String(1000), nullable=True),
        sa.Column("last_poll_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_live_sources"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_live_sources_account_id_accounts"
        ),
        sa.UniqueConstraint("kind", "account_id", "url", name="uq_live_sources_kind"),
    )
    op.create_index("ix_live_sources_account_id", "live_sources", ["account_id"])
    op.create_table(
        "live_cursors",
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("report", sa.String(40), nullable=False),
        sa.Column("position", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("source_id", "report", name="pk_live_cursors"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["live_sources.id"], name="fk_live_cursors_source_id_live_sources"
        ),
    )
    op.create_table(
        "recording_fetches",
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("call_id", sa.Integer, nullable=False),
        sa.Column("call_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("source_id", "record_id", name="pk_recording_fetches"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["live_sources.id"],
            name="fk_recording_fetches_source_id_live_sources",
        ),
    )
    op.create_index("ix_recording_fetches_call_id", "recording_fetches", ["call_id"])


def downgrade() -> None:
    op.drop_table("recording_fetches")
    op.drop_table("live_cursors")
    op.drop_table("live_sources")

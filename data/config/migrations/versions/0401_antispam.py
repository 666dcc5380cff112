"""Antispam: per-account switches, black and white lists, spam marks.

Revision ID: 0401
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0401"
down_revision = "0001"
branch_labels = ("antispam",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "antispam_settings",
        sa.Column("account_id", sa.Integer),
        sa.Column("tag_enabled", sa.Boolean, nullable=False),
        sa.Column("block_enabled", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("account_id", name="pk_antispam_settings"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_antispam_settings_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "antispam_list_entries",
        sa.Column("id", sa.Integer),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("list_kind", sa.String(5), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("comment", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_antispam_list_entries"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_antispam_list_entries_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("account_id", "number", name="uq_antispam_list_entries_account_id"),
        sa.CheckConstraint(
            "list_kind IN ('black', 'white')", name="ck_antispam_list_entries_list_kind"
        ),
    )
    op.create_index("ix_antispam_list_entries_account_id", "antispam_list_entries", ["account_id"])
    op.create_index("ix_antispam_list_entries_number", "antispam_list_entries", ["number"])
    op.create_table(
        "antispam_marks",
        sa.Column("id", sa.Integer),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("is_spam", sa.Boolean, nullable=False),
        sa.Column("communication_id", sa.String(50)),
        sa.Column("marked_by", sa.String(100), nullable=False),
        sa.Column("marked_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("comment", sa.Text),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_antispam_marks"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_antispam_marks_account_id_accounts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_antispam_marks_account_id", "antispam_marks", ["account_id"])
    op.create_index("ix_antispam_marks_number", "antispam_marks", ["number"])


def downgrade() -> None:
    op.drop_table("antispam_marks")
    op.drop_table("antispam_list_entries")
    op.drop_table("antispam_settings")

"""Notification rules and their versions.

Revision ID: 0601
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0601"
down_revision = "0001"
branch_labels = ("notifications",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("deleted_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_notifications_account_id_accounts"
        ),
    )
    op.create_index("ix_notifications_account_id", "notifications", ["account_id"])
    op.create_table(
        "notification_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("notification_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.DateTime, nullable=False),
        sa.Column("valid_to", sa.DateTime, nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_versions"),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name="fk_notification_versions_notification_id_notifications",
        ),
        sa.UniqueConstraint(
            "notification_id", "version", name="uq_notification_versions_notification_id"
        ),
    )
    for column in ("notification_id", "valid_from", "valid_to"):
        op.create_index(f"ix_notification_versions_{column}", "notification_versions", [column])


def downgrade() -> None:
    op.drop_table("notification_versions")
    op.drop_table("notifications")

"""The notification outbox: events, deliveries and attempts.

Revision ID: 0602
Revises: 0601
"""

import sqlalchemy as sa
from alembic import op

revision = "0602"
down_revision = "0601"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("event", sa.String(50), nullable=False),
        sa.Column("account_id", sa.Integer, nullable=True),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_events"),
        sa.UniqueConstraint("key", name="uq_notification_events_key"),
    )
    op.create_index("ix_notification_events_event", "notification_events", ["event"])
    op.create_index("ix_notification_events_account_id", "notification_events", ["account_id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("notification_id", sa.Integer, nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(2048), nullable=False),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime, nullable=True),
        sa.Column("event_time", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("response_code", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notification_deliveries"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["notification_events.id"],
            name="fk_notification_deliveries_event_id_notification_events",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name="fk_notification_deliveries_notification_id_notifications",
        ),
        sa.UniqueConstraint(
            "event_id",
            "notification_id",
            "channel",
            "recipient",
            name="uq_notification_deliveries_event_id",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_notification_deliveries_idempotency_key"),
    )
    for column in ("event_id", "notification_id", "status", "next_attempt_at"):
        op.create_index(f"ix_notification_deliveries_{column}", "notification_deliveries", [column])
    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("delivery_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.Column("response_code", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notification_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["notification_deliveries.id"],
            name="fk_notification_attempts_delivery_id_notification_deliveries",
        ),
    )
    op.create_index(
        "ix_notification_attempts_delivery_id", "notification_attempts", ["delivery_id"]
    )


def downgrade() -> None:
    op.drop_table("notification_attempts")
    op.drop_table("notification_deliveries")
    op.drop_table("notification_events")

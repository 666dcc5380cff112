"""SmartTag: model registry, per-account switch, training requests.

Revision ID: 0301
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0301"
down_revision = "0001"
branch_labels = ("smarttag",)
depends_on = None

OPEN_REQUEST = "status IN ('pending', 'running')"


def upgrade() -> None:
    op.create_table(
        "smarttag_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("data_snapshot_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="candidate"),
        sa.Column("decision", sa.Text, nullable=False, server_default=""),
        sa.Column("preset", sa.String(50), nullable=True),
        sa.Column("request_id", sa.Integer, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_smarttag_versions"),
        sa.UniqueConstraint("account_id", "version", name="uq_smarttag_versions_account_id"),
        sa.CheckConstraint(
            "status IN ('candidate', 'promoted', 'rejected')", name="ck_smarttag_versions_status"
        ),
    )
    op.create_index("ix_smarttag_versions_account_id", "smarttag_versions", ["account_id"])
    op.create_table(
        "smarttag_accounts",
        sa.Column("account_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active_version_id", sa.Integer, nullable=True),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_smarttag_accounts"),
        sa.ForeignKeyConstraint(
            ["active_version_id"],
            ["smarttag_versions.id"],
            name="fk_smarttag_accounts_active_version_id_smarttag_versions",
        ),
    )
    op.create_table(
        "smarttag_training_requests",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("preset", sa.String(50), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("failure_reason", sa.Text, nullable=True),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_smarttag_training_requests"),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'succeeded', 'failed')",
            name="ck_smarttag_training_requests_status",
        ),
    )
    op.create_index(
        "ix_smarttag_training_requests_account_id", "smarttag_training_requests", ["account_id"]
    )
    op.create_index(
        "uq_smarttag_training_requests_open_account",
        "smarttag_training_requests",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_REQUEST),
        postgresql_where=sa.text(OPEN_REQUEST),
    )


def downgrade() -> None:
    op.drop_table("smarttag_training_requests")
    op.drop_table("smarttag_accounts")
    op.drop_table("smarttag_versions")

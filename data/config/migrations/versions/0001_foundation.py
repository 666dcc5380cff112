"""Foundation: accounts, sites, campaigns, employees, virtual numbers, tags, versioned rules,
audit log and backfill requests.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = ("foundation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("industry", sa.String(50)),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True
        ),
        sa.Column("domain_name", sa.String(255), nullable=False),
        sa.Column("industry_name", sa.String(100)),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("target_call_min_duration", sa.Integer, nullable=False),
        sa.Column("second_communication_period", sa.Integer, nullable=False),
        sa.Column("cookie_lifetime", sa.Integer, nullable=False),
        sa.Column("campaign_lifetime", sa.Integer, nullable=False),
        sa.Column("sales_enabled", sa.Boolean, nullable=False),
        sa.Column("track_subdomains", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True
        ),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id"), index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("engine", sa.String(50)),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("creation_time", sa.DateTime, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "employee_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True
        ),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True
        ),
        sa.Column("full_name", sa.String(200), nullable=False),
    )
    op.create_table(
        "employee_group_members",
        sa.Column("employee_id", sa.Integer, sa.ForeignKey("employees.id"), primary_key=True),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("employee_groups.id"), primary_key=True),
    )
    op.create_table(
        "virtual_numbers",
        sa.Column("number", sa.String(20), primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False, index=True
        ),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id")),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_system", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("account_id", "name", name="uq_tags_account_id"),
    )
    op.create_table(
        "rule_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False, index=True),
        sa.Column("rule_key", sa.String(100), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), index=True),
        sa.Column("valid_from", sa.DateTime, nullable=False, index=True),
        sa.Column("valid_to", sa.DateTime, index=True),
        sa.Column("is_deleted", sa.Boolean, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("kind", "rule_key", "version", name="uq_rule_versions_kind"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("entity", sa.String(50), nullable=False, index=True),
        sa.Column("entity_id", sa.String(100), nullable=False, index=True),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
    )
    op.create_table(
        "backfill_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("rule_key", sa.String(100)),
        sa.Column("date_from", sa.Date, nullable=False),
        sa.Column("date_to", sa.Date, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("run_id", sa.String(64)),
        sa.Column("reason", sa.String(500)),
    )


def downgrade() -> None:
    for table in (
        "backfill_requests",
        "audit_log",
        "rule_versions",
        "tags",
        "virtual_numbers",
        "employee_group_members",
        "employees",
        "employee_groups",
        "campaigns",
        "sites",
        "accounts",
    ):
        op.drop_table(table)

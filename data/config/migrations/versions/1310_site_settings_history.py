"""Site settings history: each version of a site's settings with the moment it took effect.

Every existing site gets one version holding its current settings since ever, so facts of
communications already stored are computed as before.

Revision ID: 1310
Revises: 1301
"""

import sqlalchemy as sa
from alembic import op

revision = "1310"
down_revision = "1301"
branch_labels = None
depends_on = None

SETTINGS = (
    "target_call_min_duration",
    "second_communication_period",
    "cookie_lifetime",
    "campaign_lifetime",
    "sales_enabled",
    "track_subdomains",
)


def upgrade() -> None:
    op.create_table(
        "site_settings_versions",
        sa.Column("id", sa.Integer),
        sa.Column("site_id", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.DateTime, nullable=False),
        sa.Column("target_call_min_duration", sa.Integer, nullable=False),
        sa.Column("second_communication_period", sa.Integer, nullable=False),
        sa.Column("cookie_lifetime", sa.Integer, nullable=False),
        sa.Column("campaign_lifetime", sa.Integer, nullable=False),
        sa.Column("sales_enabled", sa.Boolean, nullable=False),
        sa.Column("track_subdomains", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_settings_versions"),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_site_settings_versions_site_id_sites",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_site_settings_versions_site_id", "site_settings_versions", ["site_id"])
    columns = ", ".join(SETTINGS)
    op.execute(
        f"INSERT INTO site_settings_versions (site_id, valid_from, {columns}) "
        f"SELECT id, '1970-01-01 00:00:00', {columns} FROM sites"
    )


def downgrade() -> None:
    op.drop_index("ix_site_settings_versions_site_id", "site_settings_versions")
    op.drop_table("site_settings_versions")

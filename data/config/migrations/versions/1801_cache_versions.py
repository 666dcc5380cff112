"""Versions of cached configuration (access data, people's tag events) as rows of the store,
bumped in the transaction of each change: API workers on any host read one number instead of
a file beside the store.

Revision ID: 1801
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "1801"
down_revision = "0001"
branch_labels = ("cache_versions",)
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "cache_versions",
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("kind", name="pk_cache_versions"),
    )
    op.bulk_insert(table, [{"kind": "access", "version": 0}, {"kind": "tag_events", "version": 0}])


def downgrade() -> None:
    op.drop_table("cache_versions")

"""Speech: stereo channel layout (which channel is the client) per account and virtual number.

Revision ID: 0101
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0001"
branch_labels = ("speech",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speech_channel_layouts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("virtual_phone_number", sa.String(20), nullable=False, server_default=""),
        sa.Column("client_channel", sa.String(5), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_speech_channel_layouts"),
        sa.UniqueConstraint(
            "account_id", "virtual_phone_number", name="uq_speech_channel_layouts_account_id"
        ),
        sa.CheckConstraint(
            "client_channel IN ('left', 'right')", name="ck_speech_channel_layouts_client_channel"
        ),
    )
    op.create_index(
        "ix_speech_channel_layouts_account_id", "speech_channel_layouts", ["account_id"]
    )


def downgrade() -> None:
    op.drop_table("speech_channel_layouts")

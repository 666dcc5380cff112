"""Users, API tokens, roles and access rights.

Revision ID: 0501
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0501"
down_revision = "0001"
branch_labels = ("access",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_sets",
        sa.Column("id", sa.Integer),
        sa.Column("full_access", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_rights_sets"),
    )
    op.create_table(
        "access_rights",
        sa.Column("id", sa.Integer),
        sa.Column("rights_set_id", sa.Integer, nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("object_key", sa.String(50), nullable=False),
        sa.Column("can_view", sa.Boolean, nullable=False),
        sa.Column("can_edit", sa.Boolean, nullable=False),
        sa.Column("can_create", sa.Boolean, nullable=False),
        sa.Column("can_delete", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_rights"),
        sa.ForeignKeyConstraint(
            ["rights_set_id"],
            ["rights_sets.id"],
            name="fk_access_rights_rights_set_id_rights_sets",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "rights_set_id", "scope", "object_key", name="uq_access_rights_rights_set_id"
        ),
        sa.CheckConstraint(
            "NOT can_delete OR can_edit", name="ck_access_rights_delete_requires_edit"
        ),
    )
    op.create_index("ix_access_rights_rights_set_id", "access_rights", ["rights_set_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer),
        sa.Column("login", sa.String(100), nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("full_name", sa.String(200)),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("rights_set_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("login", name="uq_users_login"),
        sa.ForeignKeyConstraint(
            ["rights_set_id"], ["rights_sets.id"], name="fk_users_rights_set_id_rights_sets"
        ),
    )
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500)),
        sa.Column("rights_set_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.UniqueConstraint("name", name="uq_roles_name"),
        sa.ForeignKeyConstraint(
            ["rights_set_id"], ["rights_sets.id"], name="fk_roles_rights_set_id_rights_sets"
        ),
    )
    op.create_table(
        "role_members",
        sa.Column("role_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("role_id", "user_id", name="pk_role_members"),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_role_members_role_id_roles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_role_members_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("role_members")
    op.drop_table("roles")
    op.drop_table("users")
    op.drop_index("ix_access_rights_rights_set_id", "access_rights")
    op.drop_table("access_rights")
    op.drop_table("rights_sets")

"""Accounts as tenants: every user and role belongs to one account, platform operators to
none; an account can be switched off.

Users and roles that existed before belong to the lowest account, the one the API treated as
the only one; with no account yet they stay without one until an operator assigns them.

Revision ID: 1301
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "1301"
down_revision = "0001"
branch_labels = ("accounts",)
depends_on = ("0501",)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer, nullable=True))
        batch.add_column(
            sa.Column("is_operator", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.create_foreign_key("fk_users_account_id_accounts", "accounts", ["account_id"], ["id"])
        batch.create_index("ix_users_account_id", ["account_id"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_api_tokens_account_id_accounts", "accounts", ["account_id"], ["id"]
        )
    with op.batch_alter_table("roles") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_roles_account_id_accounts", "accounts", ["account_id"], ["id"])
        batch.create_index("ix_roles_account_id", ["account_id"])
        # role names are unique within an account, not across the platform
        batch.drop_constraint("uq_roles_name", type_="unique")
        batch.create_unique_constraint("uq_roles_account_id", ["account_id", "name"])
    lowest = "(SELECT min(id) FROM accounts)"
    op.execute(f"UPDATE users SET account_id = {lowest} WHERE account_id IS NULL")
    op.execute(f"UPDATE roles SET account_id = {lowest} WHERE account_id IS NULL")
    op.execute(
        "UPDATE api_tokens SET account_id = "
        "(SELECT users.account_id FROM users WHERE users.id = api_tokens.user_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.drop_constraint("uq_roles_account_id", type_="unique")
        batch.create_unique_constraint("uq_roles_name", ["name"])
        batch.drop_index("ix_roles_account_id")
        batch.drop_constraint("fk_roles_account_id_accounts", type_="foreignkey")
        batch.drop_column("account_id")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("fk_api_tokens_account_id_accounts", type_="foreignkey")
        batch.drop_column("account_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_account_id")
        batch.drop_constraint("fk_users_account_id_accounts", type_="foreignkey")
        batch.drop_column("is_operator")
        batch.drop_column("account_id")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("is_active")

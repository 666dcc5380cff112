"""Users of the cabinet, their API tokens, roles and access rights.

Rights live in a rights set. Every user and every role owns one; a user's effective rights are
the union of their own set and the sets of their roles. A set holds the full-access switch and
one row per scope and object (a site, a campaign, an interface, or one of the separate rows).
"""

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.config.base import Base

# Scopes of a rights row. Rows of "site" and "campaign" name their object by id; "interface"
# rows name the interface; the others are single rows with an empty object key.
RIGHT_SCOPES = (
    "site",
    "campaign",
    "new_sites",
    "new_campaigns",
    "interface",
    "recordings",
    "contact_data",
    "tags",
)
INTERFACES = (
    "notifications", "autotag", "transcription", "smarttag", "antispam", "users", "integration",
)  # fmt: skip


class RightsSet(Base):
    __tablename__ = "rights_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    full_access: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    rows: Mapped[list["AccessRight"]] = relationship(
        back_populates="rights_set", cascade="all, delete-orphan", order_by="AccessRight.id"
    )


class AccessRight(Base):
    __tablename__ = "access_rights"
    __table_args__ = (
        UniqueConstraint("rights_set_id", "scope", "object_key"),
        CheckConstraint("NOT can_delete OR can_edit", name="delete_requires_edit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rights_set_id: Mapped[int] = mapped_column(
        ForeignKey("rights_sets.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(50), default="")
    can_view: Mapped[bool] = mapped_column(Boolean, default=False)
    can_edit: Mapped[bool] = mapped_column(Boolean, default=False)
    can_create: Mapped[bool] = mapped_column(Boolean, default=False)
    can_delete: Mapped[bool] = mapped_column(Boolean, default=False)
    rights_set: Mapped[RightsSet] = relationship(back_populates="rows")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    # The account the user belongs to: everything they see or change is that account's.
    # Platform operators (``is_operator``) belong to none and act across accounts explicitly.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    email: Mapped[str | None] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    rights_set_id: Mapped[int] = mapped_column(ForeignKey("rights_sets.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    rights_set: Mapped[RightsSet] = relationship(cascade="all, delete-orphan", single_parent=True)
    roles: Mapped[list["Role"]] = relationship(
        secondary="role_members", back_populates="members", order_by="Role.id"
    )


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    description: Mapped[str | None] = mapped_column(String(500))
    rights_set_id: Mapped[int] = mapped_column(ForeignKey("rights_sets.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    rights_set: Mapped[RightsSet] = relationship(cascade="all, delete-orphan", single_parent=True)
    members: Mapped[list[User]] = relationship(
        secondary="role_members", back_populates="roles", order_by="User.id"
    )


class RoleMember(Base):
    __tablename__ = "role_members"
    role_id: Mapped[int] = mapped_column(
        ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    # the account the token was issued in: a user moved to another account needs a new one
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

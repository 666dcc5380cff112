"""Antispam settings of each account: the tag and block switches, the black and white lists,
and the spam marks (complaints) accounts leave on callers. Numbers are stored as E.164 digits."""

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base

LIST_KINDS = ("black", "white")


class AntispamSettings(Base):
    """The two independent switches of «Блокировка звонков» / «Настройки»."""

    __tablename__ = "antispam_settings"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    block_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class SpamListEntry(Base):
    """A number on an account's black list (always blocked) or white list (never touched)."""

    __tablename__ = "antispam_list_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "number"),
        CheckConstraint("list_kind IN ('black', 'white')", name="list_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    list_kind: Mapped[str] = mapped_column(String(5))
    number: Mapped[str] = mapped_column(String(20), index=True)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    comment: Mapped[str | None] = mapped_column(Text)


class SpamMark(Base):
    """An account's judgement of a caller: a spam complaint, or "not spam" (e.g. a removed
    «спам» tag). Marks and list entries are the labels the scoring model learns from."""

    __tablename__ = "antispam_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(20), index=True)
    is_spam: Mapped[bool] = mapped_column(Boolean)
    communication_id: Mapped[str | None] = mapped_column(String(50))
    marked_by: Mapped[str] = mapped_column(String(100))
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    comment: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(Integer, default=1)

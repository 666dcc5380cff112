"""Notifications: rules that tell people about events (a call, a chat, a lead, a missed call,
a tag set) by e-mail or an HTTP request, per account; versioned like the other configuration."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base


class Notification(Base):
    """A notification rule's identity; what it does lives in its versions."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    # set when the rule is deleted; its versions stay as history
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class NotificationVersion(Base):
    """One version of a rule: a change closes the open version and opens the next one."""

    __tablename__ = "notification_versions"
    __table_args__ = (UniqueConstraint("notification_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    # name, enabled, event, filters (site_ids, campaign_ids, tags), channels
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))

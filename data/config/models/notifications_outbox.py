"""The notification outbox: events raised once each (by their natural key), the deliveries
they fan out to (one per rule, channel and recipient) and every attempt to send one."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base


class NotificationEvent(Base):
    """One event, recorded once: ``key`` is its natural key (e.g. ``lost_call:call:17``)."""

    __tablename__ = "notification_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    event: Mapped[str] = mapped_column(String(50), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))  # nightly, live, intake, test
    params: Mapped[dict[str, Any]] = mapped_column(JSON)


class NotificationDelivery(Base):
    """One message to one recipient; ``status`` is pending, sending, delivered or failed."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "notification_id", "channel", "recipient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("notification_events.id"), index=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))  # http, email, sms
    recipient: Mapped[str] = mapped_column(String(2048))
    # the rendered message: http {method, url, body, content_type}; email {subject, body}; sms {text}
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    event_time: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    response_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


class NotificationAttempt(Base):
    """One try to send a delivery, recorded before the request leaves and completed after."""

    __tablename__ = "notification_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notification_deliveries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))  # delivered, retry, failed
    response_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)

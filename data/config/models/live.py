"""The live path's state: Data API sources (with their token), a cursor per source and report,
and the attempts to fetch each call recording."""

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base


class LiveSource(Base):
    """An account's Data API connection. ``status``: active, token_expired or failing."""

    __tablename__ = "live_sources"
    __table_args__ = (UniqueConstraint("kind", "account_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    token: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_message: Mapped[str | None] = mapped_column(String(1000))
    last_poll_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class LiveCursor(Base):
    """Everything up to ``position`` (API wall-clock time) is written for this report."""

    __tablename__ = "live_cursors"
    source_id: Mapped[int] = mapped_column(ForeignKey("live_sources.id"), primary_key=True)
    report: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class RecordingFetch(Base):
    """One recording's download: ``status`` ok, error (retried next poll) or gave_up."""

    __tablename__ = "recording_fetches"
    source_id: Mapped[int] = mapped_column(ForeignKey("live_sources.id"), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, index=True)
    call_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)

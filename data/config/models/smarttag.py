"""SmartTag registry: model versions per account, the per-account switch, training requests."""

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base

VERSION_STATUSES = ("candidate", "promoted", "rejected")
REQUEST_STATUSES = ("pending", "running", "succeeded", "failed")
OPEN_REQUEST = "status IN ('pending', 'running')"


class SmartTagVersion(Base):
    """One trained (or preset) model of an account, with its held-out metrics."""

    __tablename__ = "smarttag_versions"
    __table_args__ = (
        UniqueConstraint("account_id", "version"),
        CheckConstraint("status IN ('candidate', 'promoted', 'rejected')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON)
    metrics: Mapped[dict] = mapped_column(JSON)
    data_snapshot_id: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="candidate")
    decision: Mapped[str] = mapped_column(Text, default="")
    preset: Mapped[str | None] = mapped_column(String(50), nullable=True)
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class SmartTagAccount(Base):
    """The cabinet's switch and the version that tags the account's calls."""

    __tablename__ = "smarttag_accounts"
    account_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    active_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("smarttag_versions.id"), nullable=True
    )
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class SmartTagTrainingRequest(Base):
    """A training request from the cabinet; at most one is open (pending/running) per account."""

    __tablename__ = "smarttag_training_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'succeeded', 'failed')", name="status"),
        Index(
            "uq_smarttag_training_requests_open_account",
            "account_id",
            unique=True,
            sqlite_where=text(OPEN_REQUEST),
            postgresql_where=text(OPEN_REQUEST),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    tags: Mapped[list] = mapped_column(JSON)
    email: Mapped[str] = mapped_column(String(254))
    preset: Mapped[str | None] = mapped_column(String(50), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

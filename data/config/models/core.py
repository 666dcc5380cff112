"""Accounts, sites with their settings, campaigns, employees, virtual numbers, tags, versioned
rules, the audit log and backfill requests."""

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.config.base import Base


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(50))
    # a switched-off account's users are refused at once (their tokens answer 401)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Site(Base):
    """A site and the settings that drive communication attributes and analytics."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    domain_name: Mapped[str] = mapped_column(String(255))
    industry_name: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    target_call_min_duration: Mapped[int] = mapped_column(Integer, default=30)
    second_communication_period: Mapped[int] = mapped_column(Integer, default=30)
    cookie_lifetime: Mapped[int] = mapped_column(Integer, default=90)
    campaign_lifetime: Mapped[int] = mapped_column(Integer, default=30)
    sales_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    track_subdomains: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(30))
    engine: Mapped[str | None] = mapped_column(String(50))
    # "manual", "integrated" (synced from an ad platform) or "no_campaign" («Посетители без РК»)
    type: Mapped[str] = mapped_column(String(30), default="manual")
    status: Mapped[str] = mapped_column(String(20), default="active")
    creation_time: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


employee_group_members = Table(
    "employee_group_members",
    Base.metadata,
    Column("employee_id", ForeignKey("employees.id"), primary_key=True),
    Column("group_id", ForeignKey("employee_groups.id"), primary_key=True),
)


class EmployeeGroup(Base):
    __tablename__ = "employee_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Employee(Base):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    groups: Mapped[list[EmployeeGroup]] = relationship(secondary=employee_group_members)


class VirtualNumber(Base):
    __tablename__ = "virtual_numbers"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class RuleVersion(Base):
    """One version of a rule. A change closes the open version and opens a new one."""

    __tablename__ = "rule_versions"
    __table_args__ = (UniqueConstraint("kind", "rule_key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    rule_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class AuditRecord(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50), index=True)
    entity_id: Mapped[str] = mapped_column(String(100), index=True)
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)


class BackfillRequest(Base):
    """An analyst's explicit request to re-run a step over a past range, outside the rules."""

    __tablename__ = "backfill_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    rule_key: Mapped[str | None] = mapped_column(String(100))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    status: Mapped[str] = mapped_column(String(20), default="pending")
    run_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))

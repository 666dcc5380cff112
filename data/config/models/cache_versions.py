"""Versions of cached configuration: one row per kind, bumped in the transaction that changes
that kind of data, so every process reading the store sees a change by one number."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base


class CacheVersion(Base):
    __tablename__ = "cache_versions"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)

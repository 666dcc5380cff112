"""Manual tag events: who set or removed which tag on which communication, and when.

A removal of an automatic tag keeps the source it removed (autotag rule version, SmartTag model,
system rule): that is the ground truth for measuring automatic tag precision.
"""

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base


class TagEvent(Base):
    __tablename__ = "tag_events"
    __table_args__ = (Index("ix_tag_events_communication", "communication_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    communication_id: Mapped[str] = mapped_column(String(64))
    communication_type: Mapped[str] = mapped_column(String(20))
    tag: Mapped[str] = mapped_column(String(200), index=True)
    # "set" (a person adds the tag) or "remove" (a person takes it off)
    action: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # for a removal: what had set the tag (autotag/smarttag/system/manual) and its reference
    removed_source: Mapped[str | None] = mapped_column(String(20), index=True)
    removed_source_ref: Mapped[str | None] = mapped_column(String(120))
    comment: Mapped[str | None] = mapped_column(String(500))

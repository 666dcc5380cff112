"""Speech: which stereo channel carries the client, per account and per virtual number."""

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from data.config.base import Base


class SpeechChannelLayout(Base):
    """``virtual_phone_number`` is empty for the account-wide layout; a number overrides it."""

    __tablename__ = "speech_channel_layouts"
    __table_args__ = (
        UniqueConstraint("account_id", "virtual_phone_number"),
        CheckConstraint("client_channel IN ('left', 'right')", name="client_channel"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    virtual_phone_number: Mapped[str] = mapped_column(String(20), default="")
    client_channel: Mapped[str] = mapped_column(String(5))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())

"""Shapes shared by several resources."""

import datetime as dt
from functools import lru_cache
from typing import Annotated, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from data.settings import get_settings

T = TypeVar("T")


@lru_cache(maxsize=1)  # read per serialized time; the zone is fixed for the process
def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def zone() -> ZoneInfo:
    """The account's wall-clock zone (``CALLSCOPE_TIMEZONE``)."""
    return _zone()


def _with_zone(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=_zone())


def local_naive(value: dt.datetime | None) -> dt.datetime | None:
    """An input time as the warehouse keeps it: local wall-clock time without a zone."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(_zone()).replace(tzinfo=None)


# Times are stored as the account's wall-clock time (as the CoMagic Data API gives them); the API
# answers them as RFC 3339 with the zone's offset, so that clients never have to guess.
Timestamp = Annotated[dt.datetime, AfterValidator(_with_zone)]


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


# Config-store ids are 32-bit integers on every backend (PostgreSQL INTEGER).
MAX_ID = 2_147_483_647
ConfigId = Annotated[int, Field(ge=1, le=MAX_ID)]

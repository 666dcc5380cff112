"""Shapes shared by several resources."""

import datetime as dt
from functools import lru_cache
from typing import Annotated, Generic, TypeVar, overload
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


@overload
def local_naive(value: dt.datetime) -> dt.datetime: ...
@overload
def local_naive(value: None) -> None: ...
def local_naive(value: dt.datetime | None) -> dt.datetime | None:
    """An input time as the warehouse keeps it: local wall-clock time without a zone."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(_zone()).replace(tzinfo=None)


# Dates a request may name: far enough for any history, and far from the ends of the calendar,
# where a shift to the account's zone or a day's step would overflow.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _day_in_range(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


def _time_in_range(value: dt.datetime) -> dt.datetime:
    # a day inside the range stays inside the calendar under any zone's offset
    _day_in_range(value.date())
    return value


# A date or a time given in a request (query parameters, bodies): out of range is a 422.
Day = Annotated[dt.date, AfterValidator(_day_in_range)]
Time = Annotated[dt.datetime, AfterValidator(_time_in_range)]

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

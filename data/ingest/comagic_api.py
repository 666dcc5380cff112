"""Client for the CoMagic Data API v2.0 (JSON-RPC 2.0 over HTTPS).

It pages through the communication reports, splits long date ranges at the API's three-month
limit, waits when the minute limit of the rate-limit metadata is spent, retries transient HTTP
failures with exponential backoff and turns JSON-RPC errors into typed exceptions. Rows come
back as dicts with the API's own field names.
"""

from __future__ import annotations

import calendar
import itertools
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx

DEFAULT_URL = "https://dataapi.comagic.ru/v2.0"
MAX_PAGE_SIZE = 10_000
MAX_RANGE_MONTHS = 3
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
REPORTS = {
    "calls": "get.calls_report",
    "chats": "get.chats_report",
    "offline_messages": "get.offline_messages_report",
    "visitor_sessions": "get.visitor_sessions_report",
}
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
AUTH_MNEMONICS = frozenset(
    {"auth_error", "access_token_expired", "access_token_invalid", "access_token_blocked"}
)


class DataApiError(Exception):
    """A JSON-RPC error returned by the Data API."""

    def __init__(
        self, method: str, code: int | None, mnemonic: str | None, message: str, data=None
    ):
        self.method, self.code, self.mnemonic, self.data = method, code, mnemonic, data or {}
        field = self.data.get("field") if isinstance(self.data, Mapping) else None
        where = f" (field {field})" if field else ""
        super().__init__(f"{method}: {mnemonic or code}: {message}{where}")


class AuthError(DataApiError):
    """Wrong login or password, or an expired, invalid or blocked access token."""


class DateIntervalLimitError(DataApiError):
    """The requested period is longer than the API allows (three months)."""


class RateLimitError(DataApiError):
    """The minute or day limit of API points is spent."""


class DataApiTransportError(Exception):
    """The HTTP exchange failed after every retry."""


_ERRORS_BY_MNEMONIC = {
    "date_interval_limit_reached": DateIntervalLimitError,
    "limit_exceeded": RateLimitError,
    **dict.fromkeys(AUTH_MNEMONICS, AuthError),
}


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class RateLimits:
    """The ``metadata.limits`` of the last answer; resets are seconds from when it was seen."""

    minute_limit: int | None
    minute_remaining: int | None
    minute_reset: float | None
    day_limit: int | None
    day_remaining: int | None
    day_reset: float | None
    seen_at: float

    @classmethod
    def parse(cls, limits: Mapping[str, Any] | None, seen_at: float) -> RateLimits | None:
        if not isinstance(limits, Mapping) or not limits:
            return None
        return cls(
            minute_limit=limits.get("minute_limit"),
            minute_remaining=limits.get("minute_remaining"),
            minute_reset=limits.get("minute_reset"),
            day_limit=limits.get("day_limit"),
            day_remaining=limits.get("day_remaining"),
            day_reset=limits.get("day_reset"),
            seen_at=seen_at,
        )


class ComagicDataApi:
    """A Data API session: authenticate with ``access_token`` or ``login`` + ``password``."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        access_token: str | None = None,
        login: str | None = None,
        password: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_range_months: int = MAX_RANGE_MONTHS,
        max_retries: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        timeout_seconds: float = 60.0,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}, got {page_size}")
        if access_token is None and not (login and password):
            raise ValueError("give access_token, or login and password")
        self.url = url
        self.access_token = access_token
        self._credentials = (login, password) if login and password else None
        self.page_size = page_size
        self.max_range_months = max_range_months
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.clock = clock or SystemClock()
        self.limits: RateLimits | None = None
        self._ids = itertools.count(1)
        self._http = httpx.Client(timeout=timeout_seconds, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ComagicDataApi:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def login(self) -> str:
        if self._credentials is None:
            raise AuthError("login.user", None, "auth_error", "no login and password were given")
        login, password = self._credentials
        result = self._rpc("login.user", {"login": login, "password": password})
        self.access_token = result["data"]["access_token"]
        return self.access_token

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict:
        """One authenticated method call; returns the JSON-RPC ``result``."""
        if self.access_token is None:
            self.login()
        try:
            return self._rpc(method, {**(params or {}), "access_token": self.access_token})
        except AuthError as error:
            if self._credentials is None or error.mnemonic not in {
                "access_token_expired",
                "access_token_invalid",
            }:
                raise
            self.login()
            return self._rpc(method, {**(params or {}), "access_token": self.access_token})

    def report(
        self,
        report: str,
        date_from: date | datetime | str,
        date_till: date | datetime | str,
        *,
        fields: Sequence[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        sort: Sequence[Mapping[str, str]] | None = None,
    ) -> Iterator[dict]:
        """Every row of a report (``calls``, ``chats``, ``offline_messages``,
        ``visitor_sessions`` or a ``get.*`` method name) between two times, both inclusive."""
        method = REPORTS.get(report, report)
        start, end = parse_time(date_from), parse_time(date_till, end_of_day=True)
        if end < start:
            raise ValueError(f"date_till {end} is before date_from {start}")
        extra = {
            "fields": list(fields) if fields else None,
            "filter": filter,
            "sort": list(sort) if sort else None,
        }
        extra = {k: v for k, v in extra.items() if v is not None}
        for window in split_date_range(start, end, self.max_range_months):
            yield from self._window_rows(method, *window, extra)

    def calls_report(self, date_from, date_till, **options) -> Iterator[dict]:
        return self.report("calls", date_from, date_till, **options)

    def chats_report(self, date_from, date_till, **options) -> Iterator[dict]:
        return self.report("chats", date_from, date_till, **options)

    def offline_messages_report(self, date_from, date_till, **options) -> Iterator[dict]:
        return self.report("offline_messages", date_from, date_till, **options)

    def visitor_sessions_report(self, date_from, date_till, **options) -> Iterator[dict]:
        return self.report("visitor_sessions", date_from, date_till, **options)

    def _window_rows(
        self, method: str, start: datetime, end: datetime, extra: dict
    ) -> Iterator[dict]:
        offset = 0
        while True:
            params = {
                "date_from": start.strftime(TIME_FORMAT),
                "date_till": end.strftime(TIME_FORMAT),
                "limit": self.page_size,
                "offset": offset,
                **extra,
            }
            try:
                result = self.call(method, params)
            except DateIntervalLimitError:
                # The server counts the period more strictly than we do: halve it and go on.
                if offset or end - start < timedelta(days=2):
                    raise
                middle = start + (end - start) / 2
                middle = middle.replace(microsecond=0)
                yield from self._window_rows(method, start, middle, extra)
                yield from self._window_rows(method, middle + timedelta(seconds=1), end, extra)
                return
            rows = result.get("data") or []
            yield from rows
            offset += len(rows)
            total = (result.get("metadata") or {}).get("total_items")
            if len(rows) < self.page_size or (total is not None and offset >= total):
                return

    def _rpc(self, method: str, params: dict) -> dict:
        """Send one JSON-RPC request, honouring limits and retrying transient failures."""
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        for attempt in itertools.count():
            self._wait_for_limits(method)
            body = self._post(request, attempt)
            if body is None:
                continue
            error = body.get("error")
            self._remember_limits(body.get("result") if error is None else error.get("data"))
            if error is None:
                return body.get("result") or {}
            exc = _error(method, error)
            if isinstance(exc, RateLimitError) and attempt < self.max_retries:
                self.clock.sleep(self._minute_wait() or 60.0)
                continue
            raise exc
        raise AssertionError("unreachable")

    def _post(self, request: dict, attempt: int) -> dict | None:
        """The decoded answer, or None when a retry is due (after its backoff sleep)."""
        try:
            response = self._http.post(self.url, json=request)
        except httpx.TransportError as exc:
            self._backoff_or_raise(attempt, f"{type(exc).__name__}: {exc}", None)
            return None
        if response.status_code in RETRY_STATUSES:
            retry_after = _retry_after(response)
            self._backoff_or_raise(attempt, f"HTTP {response.status_code}", retry_after)
            return None
        if response.status_code >= 400 and not _is_json(response):
            raise DataApiTransportError(
                f"{request['method']} at {self.url}: HTTP {response.status_code}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise DataApiTransportError(
                f"{request['method']} at {self.url}: the answer is not JSON"
            ) from exc
        if not isinstance(body, dict) or ("result" not in body and "error" not in body):
            raise DataApiTransportError(f"{request['method']} at {self.url}: not a JSON-RPC answer")
        return body

    def _backoff_or_raise(self, attempt: int, reason: str, retry_after: float | None) -> None:
        if attempt >= self.max_retries:
            raise DataApiTransportError(f"{self.url}: {reason} after {attempt + 1} attempts")
        delay = min(self.backoff_seconds * 2**attempt, self.max_backoff_seconds)
        self.clock.sleep(max(delay, retry_after or 0.0))

    def _remember_limits(self, holder) -> None:
        if not isinstance(holder, Mapping):
            return
        metadata = holder.get("metadata")
        if not isinstance(metadata, Mapping):
            metadata = holder
        limits = RateLimits.parse(metadata.get("limits"), self.clock.monotonic())
        if limits is not None:
            self.limits = limits

    def _minute_wait(self) -> float | None:
        limits = self.limits
        if limits is None or limits.minute_reset is None:
            return None
        elapsed = self.clock.monotonic() - limits.seen_at
        return max(float(limits.minute_reset) - elapsed, 0.0) + 0.5

    def _wait_for_limits(self, method: str) -> None:
        limits = self.limits
        if limits is None:
            return
        if limits.day_remaining is not None and limits.day_remaining <= 0:
            elapsed = self.clock.monotonic() - limits.seen_at
            if limits.day_reset is None or elapsed < float(limits.day_reset):
                raise RateLimitError(
                    method,
                    -32029,
                    "limit_exceeded",
                    f"the daily limit of {limits.day_limit} points is spent; it resets in "
                    f"{max(float(limits.day_reset or 0) - elapsed, 0):.0f} s",
                )
        if limits.minute_remaining is not None and limits.minute_remaining <= 0:
            wait = self._minute_wait()
            if wait:
                self.clock.sleep(wait)
            self.limits = None


def download_day(
    api: ComagicDataApi, report: str, day: date, landing_dir: str | Path, **options
) -> tuple[Path, int]:
    """Write one day of a report as JSONL where the landing loader reads it:
    ``<landing_dir>/<report>/<YYYY-MM-DD>/comagic_api.jsonl``. The file appears only when the
    whole day has been fetched, so a failed download never leaves half a day behind."""
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; expected one of {sorted(REPORTS)}")
    folder = Path(landing_dir) / report / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "comagic_api.jsonl"
    partial = folder / "comagic_api.jsonl.part"
    count = 0
    try:
        with partial.open("w", encoding="utf-8") as out:
            for row in api.report(report, day, day, **options):
                out.write(json.dumps(row, ensure_ascii=False))
                out.write("\n")
                count += 1
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target, count


def _error(method: str, error: Mapping[str, Any]) -> DataApiError:
    data = error.get("data")
    mnemonic = data.get("mnemonic") if isinstance(data, Mapping) else None
    kind = _ERRORS_BY_MNEMONIC.get(mnemonic) if isinstance(mnemonic, str) else None
    if kind is None and error.get("code") == -32029:
        kind = RateLimitError
    return (kind or DataApiError)(
        method, error.get("code"), mnemonic, str(error.get("message", "")), data
    )


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def parse_time(value: date | datetime | str, end_of_day: bool = False) -> datetime:
    """A datetime from a datetime, a date (its start, or its last second) or an API string."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, date):
        day = datetime(value.year, value.month, value.day)
        return day + timedelta(days=1, seconds=-1) if end_of_day else day
    text = value.strip()
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        pass
    try:
        return parse_time(date.fromisoformat(text), end_of_day)
    except ValueError:
        raise ValueError(f"expected 'YYYY-MM-DD hh:mm:ss' or 'YYYY-MM-DD', got {value!r}") from None


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def split_date_range(
    start: datetime, end: datetime, months: int = MAX_RANGE_MONTHS
) -> list[tuple[datetime, datetime]]:
    """Contiguous inclusive windows of at most ``months`` months, to the second."""
    windows = []
    while start <= end:
        window_end = min(add_months(start, months) - timedelta(seconds=1), end)
        windows.append((start, window_end))
        start = window_end + timedelta(seconds=1)
    return windows

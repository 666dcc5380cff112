"""One poll of every Data API source: reference data, each report's window since its cursor
(with an overlap for late and updated rows), recordings, then the caller's per-communication
processing; a report's cursor moves only after its rows are written and processed.

An expired or invalid token stops its source (status ``token_expired``) and the others go on;
any other failure marks the source ``failing`` with the reason and leaves its cursors, so the
next poll fetches the same window again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from data.config.models.core import Site
from data.config.models.live import LiveCursor, LiveSource
from data.config.store import ConfigStore
from data.ingest.comagic_api import (
    AuthError,
    Clock,
    ComagicDataApi,
    DataApiError,
    DataApiTransportError,
)
from data.live.fetch import MalformedAnswer, Problem, fetch_window
from data.live.ingest import Written, with_employee_ids, write_rows
from data.live.recordings import fetch_recordings
from data.live.reference import employee_groups, sync_reference
from data.live.sources import ACTIVE, FAILING, TOKEN_EXPIRED, set_status
from data.warehouse import Warehouse

REPORTS = ("calls", "chats", "offline_messages")
TABLE_TYPES = {"calls": "call", "chats": "chat", "offline_messages": "offline_message"}


@dataclass
class PollOptions:
    overlap: dt.timedelta = dt.timedelta(hours=2)  # late and updated rows are fetched again
    first_lookback: dt.timedelta = dt.timedelta(days=1)  # a new source starts this far back
    page_size: int = 1000
    max_retries: int = 5
    backoff_seconds: float = 1.0
    timeout_seconds: float = 30.0
    recording_attempts: int = 5
    recording_backoff_seconds: float = 0.5
    timezone: str = "Europe/Moscow"
    clock: Clock | None = None
    now: Callable[[], dt.datetime] | None = None  # API wall-clock time; default: now in timezone
    on_fetched: Callable[[str, int], None] | None = None  # after a fetch, before any write
    landing_dir: Path | None = None  # where new and changed rows are landed for the nightly run


@dataclass
class Batch:
    """What a poll wrote for one source: changed ids per table and day (to process)."""

    source_id: int
    account_id: int
    changed: dict[str, dict[dt.date, set[int]]] = field(default_factory=dict)

    def add(self, table: str, day: dt.date, ids: Iterable[int]) -> None:
        self.changed.setdefault(table, {}).setdefault(day, set()).update(int(i) for i in ids)

    def days(self) -> list[dt.date]:
        return sorted({d for per_day in self.changed.values() for d in per_day})

    def communication_ids(self, day: dt.date) -> set[str]:
        return {
            f"{TABLE_TYPES[table]}:{i}"
            for table, per_day in self.changed.items()
            for i in per_day.get(day, ())
        }


@dataclass
class SourceResult:
    source_id: int
    account_id: int
    status: str = ACTIVE
    fetched: int = 0
    new: int = 0
    updated: int = 0
    processed: int = 0
    quarantined: int = 0
    errors: list[str] = field(default_factory=list)
    reference: dict[str, int] = field(default_factory=dict)
    recordings: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "account": self.account_id,
            "status": self.status,
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "processed": self.processed,
            "quarantined": self.quarantined,
            "recordings": self.recordings,
            "errors": len(self.errors),
            "error_reasons": self.errors[:5],
        }


Process = Callable[[Batch], int]  # returns the number of communications processed


def api_now(options: PollOptions) -> dt.datetime:
    if options.now is not None:
        return options.now().replace(microsecond=0)
    zone = ZoneInfo(options.timezone)
    return dt.datetime.now(zone).replace(tzinfo=None, microsecond=0)


def poll_all(
    store: ConfigStore,
    warehouse: Warehouse,
    recordings_dir: Path,
    process: Process,
    options: PollOptions | None = None,
) -> list[SourceResult]:
    """Polls every active source once; one source's failure never stops the others."""
    options = options or PollOptions()
    with store.session() as session:
        ids = list(
            session.scalars(
                select(LiveSource.id)
                .where(LiveSource.status != TOKEN_EXPIRED)
                .order_by(LiveSource.id)
            )
        )
    return [poll_source(store, warehouse, recordings_dir, i, process, options) for i in ids]


def poll_source(
    store: ConfigStore,
    warehouse: Warehouse,
    recordings_dir: Path,
    source_id: int,
    process: Process,
    options: PollOptions,
) -> SourceResult:
    with store.session() as session:
        source = session.get(LiveSource, source_id)
        if source is None:
            raise LookupError(f"live source {source_id} does not exist")
        session.expunge(source)
    result = SourceResult(source.id, source.account_id)
    client = ComagicDataApi(
        source.url,
        access_token=source.token,
        page_size=options.page_size,
        max_retries=options.max_retries,
        backoff_seconds=options.backoff_seconds,
        timeout_seconds=options.timeout_seconds,
        clock=options.clock,
    )
    try:
        _poll(store, warehouse, recordings_dir, source, client, process, options, result)
    except AuthError as exc:
        result.status = TOKEN_EXPIRED
        result.errors.append(f"the Data API refused the token ({exc.mnemonic}); "
                             "connect the account again with a new token")  # fmt: skip
    except (DataApiError, DataApiTransportError, MalformedAnswer, ValueError) as exc:
        result.status = FAILING
        result.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
    with store.session() as session:
        live = session.get(LiveSource, source.id)
        if live is None:  # deleted while it was polled
            return result
        message = result.errors[0][:1000] if result.errors and result.status != ACTIVE else None
        set_status(session, live, result.status, message)
    return result


def _poll(store, warehouse, recordings_dir, source, client, process, options, result) -> None:
    end = api_now(options)
    today = end.date()
    with store.session() as session:
        result.reference = sync_reference(client, session, source.account_id)
        groups = employee_groups(session, source.account_id)
    with store.session() as session:
        sites = list(session.scalars(select(Site.id)))
        cursors = {
            c.report: c.position
            for c in session.scalars(select(LiveCursor).where(LiveCursor.source_id == source.id))
        }
    batch = Batch(source.id, source.account_id)
    landing = None
    if options.landing_dir is not None:
        landing = (options.landing_dir, f"comagic_api_s{source.id}_{end:%Y%m%dT%H%M%S}.jsonl")
    done: list[str] = []
    for report in REPORTS:
        start = cursors.get(report, end - options.first_lookback) - options.overlap
        window = fetch_window(client, report, start, end)
        if report == "calls":
            window.rows = with_employee_ids(window.rows, groups)
        result.fetched += len(window.rows)
        if options.on_fetched is not None:
            options.on_fetched(report, len(window.rows))
        origin = f"comagic_api:account {source.account_id}:{report}"
        written = write_rows(warehouse, report, window.rows, window.problems, origin, sites,
                             today, landing=landing)  # fmt: skip
        _count(result, written, window.problems)
        for day, ids in written.changed_ids.items():
            batch.add(report, day, ids)
        for day, pending in _unprocessed(warehouse, report, written).items():
            batch.add(report, day, pending)
        if report == "calls":
            _recordings(store, source, written, recordings_dir, options, batch, result)
        if window.complete:
            done.append(report)
    result.processed = process(batch) if batch.changed else 0
    with store.session() as session:
        for report in done:
            cursor = session.get(LiveCursor, (source.id, report))
            if cursor is None:
                cursor = LiveCursor(source_id=source.id, report=report)
                session.add(cursor)
            cursor.position, cursor.updated_at = end, dt.datetime.now().replace(microsecond=0)


def _count(result: SourceResult, written: Written, problems: list[Problem]) -> None:
    result.new += written.new
    result.updated += written.updated
    result.quarantined += written.quarantined
    result.errors += [f"{written.table}: {p.reason}" for p in problems]


def _unprocessed(warehouse: Warehouse, report: str, written: Written) -> dict[dt.date, set[int]]:
    """Fetched ids already in the raw table but not yet in ``communications`` (a poll killed
    after writing raw rows and before processing them)."""
    kind = TABLE_TYPES[report]
    missing: dict[dt.date, set[int]] = {}
    days = set(warehouse.partitions("communications"))
    for day, ids in written.all_ids.items():
        if not ids:
            continue
        done = set()
        if day in days:
            frame = warehouse.read(
                "communications", day, day, columns=["id"], where=f"communication_type = '{kind}'"
            )
            done = set(int(i) for i in frame["id"])
        rest = set(ids) - done
        if rest:
            missing[day] = rest
    return missing


def _recordings(store, source, written, recordings_dir, options, batch, result) -> None:
    with (
        store.session() as session,
        httpx.Client(timeout=options.timeout_seconds, follow_redirects=True) as http,
    ):
        fetched = fetch_recordings(
            session, source, written.records, Path(recordings_dir), http,
            max_attempts=options.recording_attempts,
            retry_backoff_seconds=options.recording_backoff_seconds,
        )  # fmt: skip
    result.recordings += fetched.downloaded
    result.errors += fetched.errors
    for call_id, day in fetched.retried_calls.items():
        batch.add("calls", day, [call_id])

"""Committed snapshots of Delta tables, cached per table and refreshed when the log grows.

A reader asks for a table's snapshot on every query; checking for the next log entry costs one
``stat`` (one ``HEAD`` on S3), and only a new entry makes the cached table read the commits it
has not seen. A snapshot is immutable: a query keeps the one it started with."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
from deltalake import DeltaTable

from data.warehouse.storage import Storage

PARTITION_KEY = "date"
LOG = "_delta_log"
LEGACY_FILE = "part.parquet"


@dataclass(frozen=True)
class Snapshot:
    version: int
    # day -> data files relative to the table, in write order (names start with the write time)
    days: dict[dt.date, tuple[str, ...]]
    rows: dict[str, int] = field(default_factory=dict)

    def files(self, lo: dt.date = dt.date.min, hi: dt.date = dt.date.max) -> list[str]:
        return [rel for day in sorted(self.days) if lo <= day <= hi for rel in self.days[day]]


def log_entry(version: int) -> str:
    return f"{version:020d}.json"


def snapshot_of(table: DeltaTable) -> Snapshot:
    actions = pa.table(table.get_add_actions(flatten=True))
    days: dict[dt.date, list[str]] = {}
    rows: dict[str, int] = {}
    paths = actions.column("path").to_pylist()
    counts = actions.column("num_records").to_pylist()
    keys = actions.column(f"partition.{PARTITION_KEY}").to_pylist()
    for rel, count, day in zip(paths, counts, keys, strict=True):
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        days.setdefault(day, []).append(rel)
        if count is not None:
            rows[rel] = count
    ordered = {day: tuple(sorted(rels, key=_file_name)) for day, rels in sorted(days.items())}
    return Snapshot(table.version(), ordered, rows)


def legacy_files(storage: Storage, table: str) -> dict[dt.date, str]:
    """A table of the previous layout (``date=YYYY-MM-DD/part.parquet`` files, no log)."""
    if storage.remote:
        return {}
    found = {}
    for path in Path(storage.uri(table)).glob(f"{PARTITION_KEY}=*/{LEGACY_FILE}"):
        try:
            day = dt.date.fromisoformat(path.parent.name.split("=", 1)[1])
        except ValueError:
            continue
        found[day] = f"{path.parent.name}/{LEGACY_FILE}"
    return dict(sorted(found.items()))


def legacy_snapshot(storage: Storage, table: str) -> Snapshot | None:
    """Read as listed until its first write, which commits its files to a new log."""
    found = legacy_files(storage, table)
    return Snapshot(-1, {day: (rel,) for day, rel in found.items()}) if found else None


def _file_name(rel: str) -> str:
    return rel.rsplit("/", 1)[-1]


def _day_of(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def advance(snapshot: Snapshot, entries: list[str]) -> Snapshot:
    """``snapshot`` with the given later log entries (JSON lines, in version order) applied:
    their adds and removes, nothing else read. Raises ValueError on anything it does not know
    (the caller then loads the table's state the slow way)."""
    days = {day: list(rels) for day, rels in snapshot.days.items()}
    rows = dict(snapshot.rows)
    for text in entries:
        for line in text.splitlines():
            if not line.strip():
                continue
            action = json.loads(line)
            if "add" in action:
                add = action["add"]
                rel = unquote(add["path"])
                day = _day_of(add["partitionValues"][PARTITION_KEY])
                days.setdefault(day, []).append(rel)
                count = json.loads(add.get("stats") or "{}").get("numRecords")
                if count is not None:
                    rows[rel] = count
            elif "remove" in action:
                rel = unquote(action["remove"]["path"])
                day = _day_of(action["remove"]["partitionValues"][PARTITION_KEY])
                days[day] = [r for r in days.get(day, []) if r != rel]
                rows.pop(rel, None)
            elif not {"commitInfo", "metaData", "protocol", "txn"}.issuperset(action):
                raise ValueError(f"log action not applied incrementally: {sorted(action)}")
    ordered = {
        day: tuple(sorted(set(rels), key=_file_name)) for day, rels in sorted(days.items()) if rels
    }
    return Snapshot(snapshot.version + len(entries), ordered, rows)


@dataclass
class _Entry:
    table: DeltaTable
    snapshot: Snapshot
    lock: threading.Lock = field(default_factory=threading.Lock)


class SnapshotCache:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def current(self, storage: Storage, table: str) -> Snapshot | None:
        """The table's latest committed snapshot, or None when the table was never written."""
        uri = storage.uri(table)
        entry = self._entries.get(uri)
        if entry is None:
            if not storage.exists(table, LOG):
                return legacy_snapshot(storage, table)
            loaded = DeltaTable(uri, storage_options=storage.options)
            entry = _Entry(loaded, snapshot_of(loaded))
            with self._lock:
                entry = self._entries.setdefault(uri, entry)
        version = entry.snapshot.version
        if not storage.exists(table, LOG, log_entry(version + 1)):
            if storage.remote or storage.exists(table, LOG, log_entry(version)):
                return entry.snapshot
            if not storage.exists(table, LOG):  # the table was removed
                with self._lock:
                    self._entries.pop(uri, None)
                return None
            return entry.snapshot  # the log was checkpointed and its old entries cleaned up
        with entry.lock:
            if entry.snapshot.version == version:
                entry.snapshot = self._next(storage, table, entry)
        return entry.snapshot

    @staticmethod
    def _next(storage: Storage, table: str, entry: _Entry) -> Snapshot:
        """The newest snapshot: a local table's new log entries applied to the cached one (a
        commit costs its own actions, not a listing of the whole table), else delta-rs's
        incremental update."""
        if not storage.remote:
            entries = []
            version = entry.snapshot.version + 1
            log = Path(storage.uri(table, LOG))
            while True:
                try:
                    entries.append((log / log_entry(version)).read_text())
                except FileNotFoundError:
                    break
                version += 1
            try:
                return advance(entry.snapshot, entries)
            except (ValueError, KeyError, TypeError):
                pass
        entry.table.update_incremental()
        return snapshot_of(entry.table)

    def forget(self, storage: Storage, table: str) -> None:
        with self._lock:
            self._entries.pop(storage.uri(table), None)


CACHE = SnapshotCache()

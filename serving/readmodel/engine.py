"""The process's DuckDB: one in-memory database, one connection (cursor) per query.

Opening a DuckDB database costs tens of milliseconds; a cursor on an open one costs well under
one. Recent partitions are kept decoded in the database's tables (see :func:`cached_table`),
checked against their files on every request; DuckDB takes no lock on the files, so writers
are never blocked."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import duckdb

from data.warehouse import Warehouse

_lock = threading.Lock()
_database: duckdb.DuckDBPyConnection | None = None


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh connection to the shared in-memory database; close it when done."""
    global _database
    if _database is None:
        with _lock:
            if _database is None:
                # Requests run side by side, so each query gets one thread; Parquet footers are
                # cached between queries (DuckDB re-checks each file's modification time).
                _database = duckdb.connect(
                    ":memory:", config={"threads": 1, "enable_object_cache": True}
                )
    return _database.cursor()


def partitions(warehouse: Warehouse, table: str) -> list[dt.date]:
    """``warehouse.partitions(table)``: the table's cached snapshot, re-checked by one ``stat``
    of its log per request."""
    return warehouse.partitions(table)


def has_table(warehouse: Warehouse, table: str) -> bool:
    return bool(partitions(warehouse, table))


def files_of(
    warehouse: Warehouse, table: str, start: dt.date | None = None, end: dt.date | None = None
) -> list:
    """The table's partition files, optionally of days ``start`` … ``end`` (inclusive)."""
    return warehouse.files(table, start, end)


# Decoded partitions kept as tables of the process's in-memory database, one per set of files a
# query asked for (a list's batch of days, a report's range), keyed by each file's identity
# (inode, modification time, size): a partition rewrite is a new file of a new snapshot, and a
# new day changes the set, so the next request reads the files again and an entry never serves
# a file that was replaced. Reading Parquet costs milliseconds per file; scanning the decoded
# columns costs a fraction of that. Entries past the budget (least recently used first) and
# replaced ones are dropped after a grace period, so a query already planned over them finishes.
PARTITION_CACHE_ROWS = 2_000_000
# Longer spans (deep pages of a rare filter, a quarter's report) are read from the files: they
# are asked for rarely and would push the recent days out.
PARTITION_CACHE_MAX_DAYS = 31
# Also re-read at least this often: two rewrites of a day within one tick of the file system's
# clock, of equal size, could reuse the inode and look unchanged.
_MAX_AGE_SECONDS = 60.0
_GRACE_SECONDS = 60.0
_cache_lock = threading.Lock()
_load_lock = threading.Lock()
_Key = tuple[str, tuple[dt.date, ...], tuple[str, ...] | None]


@dataclass(frozen=True)
class Cached:
    stamps: tuple[tuple[int, int, int], ...]
    loaded: float
    name: str
    rows: int
    columns: tuple[str, ...]


_tables: OrderedDict[_Key, Cached] = OrderedDict()
_cached_rows = 0
_retired: list[tuple[float, str]] = []
_names = itertools.count()


def _load(
    warehouse: Warehouse, table: str, days: list[dt.date], columns: tuple[str, ...] | None
) -> tuple[str, int, tuple[str, ...]]:
    scan = warehouse.scan(table, warehouse.day_files(table, days))
    if columns is None:
        selected = "*"
    else:
        wanted = ", ".join("'" + c.replace("'", "''") + "'" for c in (*columns, "date"))
        selected = f"COLUMNS(c -> list_contains([{wanted}], c))"
    name = f"partition_cache_{next(_names)}"
    with connect() as con:
        con.execute(f"CREATE TABLE {name} AS SELECT {selected} FROM {scan}")
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # type: ignore[index]  # an aggregate returns one row
        names = tuple(d[0] for d in con.execute(f"DESCRIBE {name}").fetchall())
    return name, rows, names


def _drop_retired(now: float) -> None:
    due = [name for at, name in _retired if now - at > _GRACE_SECONDS]
    if not due:
        return
    _retired[:] = [(at, name) for at, name in _retired if now - at <= _GRACE_SECONDS]
    with connect() as con:
        for name in due:
            con.execute(f"DROP TABLE IF EXISTS {name}")


def cached_table(
    warehouse: Warehouse,
    table: str,
    days: list[dt.date],
    columns: tuple[str, ...] | None = None,
) -> Cached | None:
    """An in-memory table holding the given days of ``table`` (only ``columns`` when given,
    plus ``date``), or None when a day has no file or the files cannot be read (the caller
    then reads them with DuckDB)."""
    global _cached_rows
    if not days or len(days) > PARTITION_CACHE_MAX_DAYS:
        return None
    stamps = []
    for day in days:
        try:
            info = os.stat(warehouse.partition_path(table, day))
        except FileNotFoundError:
            return None
        stamps.append((info.st_ino, info.st_mtime_ns, info.st_size))
    key = (str(warehouse.table_dir(table)), tuple(days), columns)
    with _cache_lock:
        cached = _tables.get(key)
        if (
            cached is not None
            and cached.stamps == tuple(stamps)
            and time.monotonic() - cached.loaded < _MAX_AGE_SECONDS
        ):
            _tables.move_to_end(key)
            return cached
    with _load_lock:
        try:
            name, rows, names = _load(warehouse, table, days, columns)
        except (OSError, duckdb.Error):
            return None
        now = time.monotonic()
        entry = Cached(tuple(stamps), now, name, rows, names)
        with _cache_lock:
            previous = _tables.pop(key, None)
            if previous is not None:
                _cached_rows -= previous.rows
                _retired.append((now, previous.name))
            _tables[key] = entry
            _cached_rows += rows
            while _cached_rows > PARTITION_CACHE_ROWS and len(_tables) > 1:
                _, evicted = _tables.popitem(last=False)
                _cached_rows -= evicted.rows
                _retired.append((now, evicted.name))
            _drop_retired(now)
    return entry


def source(
    warehouse: Warehouse,
    table: str,
    days: list[dt.date],
    columns: tuple[str, ...] | None = None,
) -> str:
    """A table expression over the given days (with ``date``): the cached table when the
    files can be read, else DuckDB's own scan of them."""
    cached = cached_table(warehouse, table, days, columns)
    if cached is None:
        return warehouse.scan(table, warehouse.day_files(table, days))
    return cached.name

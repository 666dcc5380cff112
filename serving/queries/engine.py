"""The process's DuckDB: one in-memory database, one connection (cursor) per query.

Opening a DuckDB database costs tens of milliseconds; a cursor on an open one costs well under
one. Cursors share nothing but the engine: each request still reads the Parquet files itself,
and DuckDB takes no lock on them, so writers are never blocked."""

from __future__ import annotations

import datetime as dt
import threading
import time

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


_PARTITIONS_TTL = 5.0
_partitions: dict[tuple[str, str], tuple[int, float, list[dt.date]]] = {}


def partitions(warehouse: Warehouse, table: str) -> list[dt.date]:
    """``warehouse.partitions(table)`` without listing the directory on every request.

    The listing is reused while the table directory's modification time is unchanged (a new
    or deleted day changes it) and for at most a few seconds, which also covers a day whose
    file lands just after its directory appeared."""
    directory = warehouse.table_dir(table)
    try:
        stamp = directory.stat().st_mtime_ns
    except FileNotFoundError:
        return []
    key = (str(directory), table)
    cached = _partitions.get(key)
    now = time.monotonic()
    if cached is not None and cached[0] == stamp and now - cached[1] < _PARTITIONS_TTL:
        return cached[2]
    days = warehouse.partitions(table)
    _partitions[key] = (stamp, now, days)
    return days


def has_table(warehouse: Warehouse, table: str) -> bool:
    return bool(partitions(warehouse, table))


def files_of(
    warehouse: Warehouse, table: str, start: dt.date | None = None, end: dt.date | None = None
) -> list:
    """The table's partition files, optionally of days ``start`` … ``end`` (inclusive)."""
    lo, hi = start or dt.date.min, end or dt.date.max
    return [
        warehouse.partition_path(table, day)
        for day in partitions(warehouse, table)
        if lo <= day <= hi
    ]

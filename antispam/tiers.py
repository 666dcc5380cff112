"""The monthly rollup tier: per caller and calendar month, the merge of that month's daily rollups.

A closed month is rolled up once, by the ``spam_rollup_monthly`` step (not by the nightly
scoring); the nightly window then reads the ready months inside it from this tier and the other
days from the daily rollups. Rows hold the merged shape of ``window.merge_sql`` (sums, maxima,
ORs, first and last active day), so summing months and days gives exactly the window of the days
alone.

Each monthly partition records in its Parquet footer which daily partitions it was built from,
each with a fingerprint of its file (rows, size and a hash of the Parquet footer, which holds
the rollup's write id). A month is ready while that set is the set on disk now; a day added,
removed or rewritten makes it stale until it is built again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from antispam.rollup import ROLLUP_TABLE
from antispam.window import daily_rows_sql, merge_sql, next_month
from data.warehouse import Warehouse

MONTHLY_TABLE = "spam_rollup_monthly"
# Versioned with the tier's row shape: a month built in an older shape reads as not built.
BUILT_FROM_KEY = "callscope.built_from.v2"


def configure(con: duckdb.DuckDBPyConnection, memory_limit: str = "6GB") -> None:
    """Settings for the big aggregations: both cores, no ordering to keep, spill to disk."""
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET threads = {max(1, min(2, os.cpu_count() or 1))}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    spill = Path(tempfile.gettempdir()) / "callscope-antispam-spill"
    con.execute(f"SET temp_directory = '{spill}'")


def month_days(month: dt.date) -> tuple[dt.date, dt.date]:
    return month, next_month(month) - dt.timedelta(days=1)


def file_fingerprint(path: Path) -> str:
    """``rows:bytes:footer hash`` of a Parquet file, read through one open handle."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        handle.seek(size - 8)
        footer_length = int.from_bytes(handle.read(4), "little")
        handle.seek(size - 8 - footer_length)
        footer = handle.read(footer_length)
        handle.seek(0)
        rows = pq.ParquetFile(handle).metadata.num_rows
    return f"{rows}:{size}:{hashlib.sha256(footer).hexdigest()[:32]}"


def day_fingerprints(warehouse: Warehouse, month: dt.date) -> dict[str, str]:
    """The month's daily rollup partitions on disk now: ISO day -> file fingerprint."""
    fingerprints = {}
    for day in warehouse.partitions(ROLLUP_TABLE):
        if month <= day <= month_days(month)[1]:
            try:
                fingerprints[day.isoformat()] = file_fingerprint(
                    warehouse.partition_path(ROLLUP_TABLE, day)
                )
            except FileNotFoundError:  # deleted while we looked: it is not part of the month
                continue
    return fingerprints


def built_from(warehouse: Warehouse, month: dt.date) -> dict[str, str] | None:
    """What the month's monthly partition was built from, or None when there is none (or it
    predates the record)."""
    try:
        metadata = pq.read_metadata(warehouse.partition_path(MONTHLY_TABLE, month)).metadata
    except FileNotFoundError:
        return None
    if not metadata or BUILT_FROM_KEY.encode() not in metadata:
        return None
    return json.loads(metadata[BUILT_FROM_KEY.encode()])


def staleness(
    warehouse: Warehouse, month: dt.date, current: dict[str, str] | None = None
) -> str | None:
    """Why the month's tier cannot be read now (None when it is ready)."""
    current = day_fingerprints(warehouse, month) if current is None else current
    recorded = built_from(warehouse, month)
    if recorded is None:
        return "not built"
    added = sorted(current.keys() - recorded.keys())
    removed = sorted(recorded.keys() - current.keys())
    rewritten = sorted(d for d in current.keys() & recorded.keys() if current[d] != recorded[d])
    reasons = [
        f"{what}: {', '.join(days)}"
        for what, days in (
            ("days added", added),
            ("days removed", removed),
            ("days rewritten", rewritten),
        )
        if days
    ]
    return "; ".join(reasons) or None


def is_fresh(warehouse: Warehouse, month: dt.date) -> bool:
    return staleness(warehouse, month) is None


def build_month(warehouse: Warehouse, month: dt.date, con: duckdb.DuckDBPyConnection) -> int:
    """Writes the month's monthly partition from its daily rollups; returns its rows.

    The fingerprints are taken before the days are read: a day rewritten meanwhile no longer
    matches the record, so the month shows as stale instead of silently mixing versions.
    """
    fingerprints = day_fingerprints(warehouse, month)
    if not fingerprints:
        raise LookupError(f"no {ROLLUP_TABLE} partitions in {month:%Y-%m}")
    files = [warehouse.partition_path(ROLLUP_TABLE, day) for day in sorted(fingerprints)]
    rows = daily_rows_sql(warehouse.scan(ROLLUP_TABLE, files), [month_days(month)])
    record = json.dumps(fingerprints, sort_keys=True).replace("'", "''")
    path = warehouse.write_partition_query(
        MONTHLY_TABLE,
        month,
        con,
        merge_sql(rows),
        options=f"KV_METADATA {{'{BUILT_FROM_KEY}': '{record}'}}",
    )
    return pq.ParquetFile(path).metadata.num_rows


def ready_months(warehouse: Warehouse, months: Iterable[dt.date]) -> list[dt.date]:
    """Of ``months``, those whose tier matches their daily partitions now (read, never built)."""
    return [m for m in months if is_fresh(warehouse, m)]


def ensure_months(
    warehouse: Warehouse,
    months: Sequence[dt.date],
    con: duckdb.DuckDBPyConnection,
) -> dict[dt.date, str]:
    """Builds the months of ``months`` that have daily rollups and are missing or stale.
    Returns the months built, each with the reason it was (re)built."""
    built = {}
    for month in months:
        current = day_fingerprints(warehouse, month)
        if not current:
            continue
        reason = staleness(warehouse, month, current)
        if reason is not None:
            build_month(warehouse, month, con)
            built[month] = reason
    return built

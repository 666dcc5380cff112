"""The monthly rollup tier: per caller and calendar month, the merge of that month's daily rollups.

A closed month is rolled up once; the nightly window then reads the complete months inside it
from this tier and only the days of the partial months at its edges from the daily rollups.
Rows hold the merged shape of ``window.merge_sql`` (sums, maxima, ORs, first and last active
day), so summing months and days gives exactly the window of the days alone. A month is rebuilt
when one of its daily partitions is newer than its monthly partition (a day run again).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from antispam.rollup import ROLLUP_TABLE
from antispam.window import daily_rows_sql, merge_sql, next_month
from data.warehouse import Warehouse

MONTHLY_TABLE = "spam_rollup_monthly"


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


def is_fresh(warehouse: Warehouse, month: dt.date) -> bool:
    """The monthly partition exists and no daily partition of the month is newer."""
    target = warehouse.partition_path(MONTHLY_TABLE, month)
    if not target.exists():
        return False
    built = target.stat().st_mtime_ns
    return all(
        f.stat().st_mtime_ns <= built for f in warehouse.files(ROLLUP_TABLE, *month_days(month))
    )


def build_month(warehouse: Warehouse, month: dt.date, con: duckdb.DuckDBPyConnection) -> int:
    """Writes the month's monthly partition from its daily rollups; returns its rows."""
    first, last = month_days(month)
    files = warehouse.files(ROLLUP_TABLE, first, last)
    if not files:
        raise LookupError(f"no {ROLLUP_TABLE} partitions in {month:%Y-%m}")
    rows = daily_rows_sql(warehouse.scan(ROLLUP_TABLE, files), [(first, last)])
    path = warehouse.write_partition_query(MONTHLY_TABLE, month, con, merge_sql(rows))
    return pq.ParquetFile(path).metadata.num_rows


def ensure_months(
    warehouse: Warehouse,
    months: Sequence[dt.date],
    con: duckdb.DuckDBPyConnection,
) -> list[dt.date]:
    """Builds the missing or stale monthly partitions of ``months`` that have daily rollups;
    returns the months the tier covers (a month without any daily partition is left out)."""
    covered = []
    for month in months:
        if not is_fresh(warehouse, month):
            if not warehouse.files(ROLLUP_TABLE, *month_days(month)):
                continue
            build_month(warehouse, month, con)
        covered.append(month)
    return covered

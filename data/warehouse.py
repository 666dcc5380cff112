"""The fact warehouse: Hive-partitioned Parquet queried with DuckDB.

Layout: ``<root>/<table>/date=YYYY-MM-DD/part.parquet``. Only pipeline steps write; a write
replaces one partition as a whole through a temporary file and an atomic rename, so readers see
either the old or the new partition and a killed writer leaves the old one intact. Readers open
their own in-memory DuckDB over the files and hold no lock that could block a writer.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PARTITION_FILE = "part.parquet"
PARTITION_KEY = "date"
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return dt.date.fromisoformat(str(day))


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Warehouse:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def from_settings(cls) -> Warehouse:
        from data.settings import get_settings

        return cls(get_settings().warehouse_dir)

    # -- layout ---------------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        if not _TABLE_NAME.match(table):
            raise ValueError(f"invalid warehouse table name {table!r}")
        return self.root / table

    def partition_path(self, table: str, day: dt.date | str) -> Path:
        return (
            self.table_dir(table) / f"{PARTITION_KEY}={_as_date(day).isoformat()}" / PARTITION_FILE
        )

    def tables(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and _TABLE_NAME.match(p.name) and self.partitions(p.name)
        )

    def has_table(self, table: str) -> bool:
        return bool(self.partitions(table))

    def partitions(self, table: str) -> list[dt.date]:
        base = self.table_dir(table)
        if not base.exists():
            return []
        days = []
        for part in base.glob(f"{PARTITION_KEY}=*/{PARTITION_FILE}"):
            days.append(dt.date.fromisoformat(part.parent.name.split("=", 1)[1]))
        return sorted(days)

    def files(
        self, table: str, start: dt.date | str | None = None, end: dt.date | str | None = None
    ) -> list[Path]:
        lo = _as_date(start) if start else dt.date.min
        hi = _as_date(end) if end else dt.date.max
        return [
            self.partition_path(table, day) for day in self.partitions(table) if lo <= day <= hi
        ]

    # -- writing --------------------------------------------------------------------------
    def write_partition(
        self, table: str, day: dt.date | str, frame: pd.DataFrame | pa.Table
    ) -> Path:
        """Replaces one day of ``table`` atomically. An empty frame writes an empty partition."""
        arrow = frame if isinstance(frame, pa.Table) else _frame_to_arrow(frame)
        if PARTITION_KEY in arrow.column_names:
            arrow = arrow.drop_columns([PARTITION_KEY])
        return self._replace_atomically(
            table, day, lambda tmp: pq.write_table(arrow, tmp, compression="zstd")
        )

    def write_partition_query(
        self,
        table: str,
        day: dt.date | str,
        con: duckdb.DuckDBPyConnection,
        query: str,
        options: str = "",
    ) -> Path:
        """Like ``write_partition`` for a DuckDB query's result, written by DuckDB itself.
        ``options`` are extra ``COPY`` options, e.g. ``KV_METADATA {...}`` for the footer."""
        extra = f", {options}" if options else ""
        return self._replace_atomically(
            table,
            day,
            lambda tmp: con.execute(
                f"COPY ({query}) TO {_sql_string(str(tmp))} "
                f"(FORMAT parquet, COMPRESSION zstd{extra})"
            ),
        )

    def _replace_atomically(self, table: str, day: dt.date | str, write) -> Path:
        """``write(tmp)`` fills a hidden temporary file, which is fsynced and renamed over the
        partition: readers see the old file or the new one, and a killed writer leaves the old."""
        target = self.partition_path(table, day)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{PARTITION_FILE}.{uuid.uuid4().hex}.tmp"
        try:
            write(tmp)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    def delete_partition(self, table: str, day: dt.date | str) -> None:
        path = self.partition_path(table, day)
        path.unlink(missing_ok=True)
        if path.parent.exists() and not any(path.parent.iterdir()):
            path.parent.rmdir()

    # -- reading --------------------------------------------------------------------------
    def scan(self, table: str, files: Iterable[Path] | None = None) -> str:
        """The DuckDB table expression over a table's partitions (with the ``date`` column)."""
        paths = list(files) if files is not None else self.files(table)
        if not paths:
            raise LookupError(f"warehouse table {table!r} has no partitions under {self.root}")
        listing = ", ".join(_sql_string(str(p)) for p in paths)
        return (
            f"read_parquet([{listing}], hive_partitioning = true, union_by_name = true, "
            f"hive_types = {{'{PARTITION_KEY}': DATE}})"
        )

    def connect(self, tables: Iterable[str] | None = None) -> duckdb.DuckDBPyConnection:
        """A fresh in-memory DuckDB with one view per table (globbed, so new partitions show)."""
        con = duckdb.connect(":memory:")
        for table in tables if tables is not None else self.tables():
            if not self.has_table(table):
                continue
            pattern = _sql_string(
                str(self.table_dir(table) / f"{PARTITION_KEY}=*" / PARTITION_FILE)
            )
            con.execute(
                f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({pattern}, "
                f"hive_partitioning = true, union_by_name = true, "
                f"hive_types = {{'{PARTITION_KEY}': DATE}})"
            )
        return con

    def read(
        self,
        table: str,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        columns: list[str] | None = None,
        where: str | None = None,
    ) -> pd.DataFrame:
        """Reads a date range of a table into pandas. A table with no partitions is empty."""
        files = self.files(table, start, end)
        if not files:
            return pd.DataFrame(columns=[*(columns or []), PARTITION_KEY])
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        if columns and PARTITION_KEY not in columns:
            cols += f", {PARTITION_KEY}"
        sql = f"SELECT {cols} FROM {self.scan(table, files)}"
        if where:
            sql += f" WHERE {where}"
        with duckdb.connect(":memory:") as con:
            return con.execute(sql).df()

    def count(self, table: str, start=None, end=None) -> int:
        files = self.files(table, start, end)
        if not files:
            return 0
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def _frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)

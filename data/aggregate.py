"""The one row of an aggregate query (``SELECT count(*) …`` always returns exactly one)."""

from typing import Any

import duckdb


def aggregate_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"an aggregate query returned no row: {sql[:200]}")
    return row

"""Where the live path writes its micro-batches: ``append(warehouse, table, day, frame, key)``.

Rows of ``frame`` replace the stored rows of the same ``key`` in the day and the rest are kept,
so re-running a micro-batch (a re-fetched page, an updated call) never duplicates. Each call is
one commit of :meth:`data.warehouse.Warehouse.append`: the batch becomes one more file of the
day, and only the files that held one of its keys are rewritten, so the cost follows the batch,
not the day. The nightly run compacts a day's files into one (``Warehouse.compact``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from data.warehouse import Warehouse

Key = str | tuple[str, ...]


def append(
    warehouse: Warehouse,
    table: str,
    day: dt.date,
    frame: pd.DataFrame | pa.Table,
    key: Key,
    replace: Iterable | None = None,
) -> int:
    """Merges ``frame`` into the day of ``table`` by ``key``; returns the rows written.

    A key may name many rows (a communication's tags): all its stored rows give way to the
    frame's. ``replace`` lists key values whose stored rows go even when ``frame`` has no row
    for them (a communication that lost every tag).
    """
    rows = frame.num_rows if isinstance(frame, pa.Table) else len(frame)
    warehouse.append(table, day, frame, key, replace=replace, unique=False)
    return rows

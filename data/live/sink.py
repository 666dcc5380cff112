"""Where the live path writes its micro-batches: ``append(warehouse, table, day, frame, key)``.

Rows of ``frame`` replace the rows of the same ``key`` in the day's partition and the rest are
kept, so re-running a micro-batch (a re-fetched page, an updated call) never duplicates.

Provisional implementation on today's Parquet warehouse: read the day's partition, merge by key
and rewrite it through ``Warehouse.write_partition`` (temporary file + atomic rename), so readers
see the old or the new partition and a killed writer loses nothing. Writers of one table take an
exclusive file lock, so two micro-batches never lose each other's rows. The cost of a write
grows with the day's partition; it switches to the warehouse's native append (merge by id in one
commit) when that lands, and this module is the only place that changes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data.warehouse import PARTITION_KEY, Warehouse

Key = str | tuple[str, ...]


@contextmanager
def table_lock(warehouse: Warehouse, table: str) -> Iterator[None]:
    directory = warehouse.table_dir(table)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".append.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _key_values(table: pa.Table, key: Key) -> pa.Array:
    columns = (key,) if isinstance(key, str) else key
    parts = [pc.cast(table.column(c), pa.string()).fill_null("\x00") for c in columns]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x1f")


def _to_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    arrow = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    if PARTITION_KEY in arrow.column_names:
        arrow = arrow.drop_columns([PARTITION_KEY])
    return arrow


def merge(existing: pa.Table | None, new: pa.Table, key: Key, replaced: pa.Array) -> pa.Table:
    """``existing`` without the rows whose key is in ``replaced``, then ``new``."""
    if existing is None:
        return new
    kept = existing.filter(pc.invert(pc.is_in(_key_values(existing, key), value_set=replaced)))
    if new.num_rows == 0:
        return kept
    for index, name in enumerate(new.column_names):
        if (
            name in kept.column_names
            and new.schema.field(name).type != kept.schema.field(name).type
        ):
            new = new.set_column(index, name, _cast(new.column(name), kept.schema.field(name).type))
    return pa.concat_tables([kept, new], promote_options="permissive")


def _cast(column, target_type):
    try:
        return column.cast(target_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return column


def append(
    warehouse: Warehouse,
    table: str,
    day: dt.date,
    frame: pd.DataFrame | pa.Table,
    key: Key,
    replace: Iterable | None = None,
) -> int:
    """Merges ``frame`` into the day of ``table`` by ``key``; returns the rows written.

    ``replace`` lists key values whose existing rows go even when ``frame`` has no row for them
    (a communication that lost every tag); by default the keys of ``frame`` are replaced.
    """
    new = _to_arrow(frame)
    replaced = _key_values(new, key)
    if replace is not None:
        extra = pa.array([str(v) for v in replace], pa.string())
        if isinstance(replaced, pa.ChunkedArray):
            replaced = replaced.combine_chunks()
        replaced = pa.concat_arrays([replaced, extra])
    with table_lock(warehouse, table):
        files = warehouse.day_files(table, [day])
        existing = (
            pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")
            if files
            else None
        )
        if existing is not None and PARTITION_KEY in existing.column_names:
            existing = existing.drop_columns([PARTITION_KEY])
        if existing is None and new.num_rows == 0 and replace is None:
            return 0
        warehouse.write_partition(table, day, merge(existing, new, key, replaced))
    return new.num_rows

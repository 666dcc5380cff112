"""Day partitions decoded into numpy columns, kept per worker process.

The communications list and the reports answer most requests from a few recent days. Reading a
day's Parquet file costs milliseconds; filtering its decoded columns with numpy costs
microseconds. A day is kept keyed by its table and date and checked on every use against each
file's identity (inode, modification time, size): a partition rewrite is a new file in the
table's next snapshot, so the next request reads it again and a block never serves a replaced file.
Blocks are also re-read after a minute and the least recently used ones dropped past a row
budget. Blocks are immutable once built, so requests in several threads share them freely.

Visibility is a boolean mask computed from the caller's visibility rule over the day's
account, site and campaign ids (:func:`visible_mask`), equivalent to
:meth:`EffectiveRights.sees`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data.warehouse import Warehouse
from serving.access import visibility
from serving.access.rights import EffectiveRights

ROW_BUDGET = 2_000_000  # about 2.4 GB per worker at the list's columns
MAX_AGE_SECONDS = 60.0
Stamp = tuple[int, int, int] | None


def file_stamp(path: os.PathLike | str) -> Stamp:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


@dataclass(frozen=True)
class Column:
    """One decoded column: values for numpy filters, and where the nulls are."""

    values: np.ndarray
    nulls: np.ndarray | None = None

    def take(self, index: np.ndarray) -> list[Any]:
        out = self.values[index].tolist()
        if self.nulls is not None:
            for i in np.flatnonzero(self.nulls[index]).tolist():
                out[i] = None
        return out


def decode(array: pa.ChunkedArray) -> Column:
    """A Parquet column as numpy: timestamps in microseconds (``tolist`` gives datetimes),
    integers and booleans with their nulls filled and marked, strings as Python objects."""
    kind = array.type
    nulls = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
    if pa.types.is_timestamp(kind):
        return Column(array.cast(pa.timestamp("us")).to_numpy(), nulls)
    if pa.types.is_date(kind):
        return Column(array.cast(pa.date32()).to_numpy(), nulls)
    if pa.types.is_integer(kind):
        return Column(pc.fill_null(array, 0).cast(pa.int64()).to_numpy(), nulls)
    if pa.types.is_boolean(kind):
        return Column(pc.fill_null(array, False).to_numpy(zero_copy_only=False), nulls)
    if pa.types.is_floating(kind):
        return Column(array.cast(pa.float64()).to_numpy(zero_copy_only=False), nulls)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return Column(_strings(array), None)
    values = np.empty(len(array), dtype=object)
    values[:] = array.to_pylist()
    return Column(values, None)


def _strings(array: pa.ChunkedArray) -> np.ndarray:
    """Python strings, one object per distinct value when values repeat (types, numbers,
    tags): a decoded day then costs a pointer per row for them instead of a string."""
    encoded = pc.dictionary_encode(array.combine_chunks())
    if len(encoded.dictionary) * 4 > len(encoded):
        return array.to_numpy(zero_copy_only=False)
    words = np.empty(len(encoded.dictionary) + 1, dtype=object)
    words[:-1] = encoded.dictionary.to_pylist()  # the last one stands for null
    return words[pc.fill_null(encoded.indices, len(words) - 1).to_numpy()]


def read_day(path: os.PathLike | str, columns: tuple[str, ...] | None, sort) -> pa.Table:
    """One partition file (the given columns that it has), sorted by ``sort``. One thread:
    requests decode side by side."""
    with pq.ParquetFile(path) as parquet:
        names = parquet.schema_arrow.names
        wanted = None if columns is None else [c for c in columns if c in names]
        table = parquet.read(columns=wanted, use_threads=False)
    keys = [(name, order) for name, order in sort or () if name in table.column_names]
    return table.sort_by(keys) if keys and table.num_rows else table


def footer(path: os.PathLike | str) -> bytes | None:
    """A Parquet file's footer (its schema, row groups, offsets and column statistics): a
    cheap fingerprint of its content when its identity looks unchanged."""
    try:
        with open(path, "rb") as handle:
            handle.seek(-8, os.SEEK_END)
            tail = handle.read(8)
            length = int.from_bytes(tail[:4], "little")
            handle.seek(-8 - length, os.SEEK_END)
            return handle.read(length)
    except (OSError, ValueError):
        return None


@dataclass
class _Entry:
    stamps: tuple
    footers: tuple
    checked: float
    block: Any


class BlockCache:
    """(table directory, day, kind) → an immutable block built from that day's files.

    An entry serves while its files' identities are unchanged. After ``MAX_AGE_SECONDS`` it
    is checked more closely: the files' footers are compared with the ones it was built from,
    and only a difference decodes the day again (two rewrites within one tick of the file
    system's clock, of equal size, could reuse an inode and look unchanged)."""

    def __init__(self, row_budget: int = ROW_BUDGET):
        self.row_budget = row_budget
        self._blocks: OrderedDict[tuple, _Entry] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()
        self._key_locks: dict[tuple, threading.Lock] = {}

    def _fresh(self, key: tuple, stamps: tuple, paths: tuple) -> Any:
        entry = self._blocks.get(key)
        if entry is None or entry.stamps != stamps:
            return None
        if time.monotonic() - entry.checked >= MAX_AGE_SECONDS:
            if tuple(footer(p) for p in paths) != entry.footers:
                return None
            entry.checked = time.monotonic()
        with self._lock:
            if key in self._blocks:
                self._blocks.move_to_end(key)
        return entry.block

    def get(self, key: tuple, paths: tuple, build: Callable[[], Any]) -> Any:
        """The block for ``key`` built from ``paths`` (files after the first may be missing),
        or None when the first file does not exist or cannot be read."""
        stamps = tuple(file_stamp(p) for p in paths)
        if stamps[0] is None:
            return None
        block = self._fresh(key, stamps, paths)
        if block is not None:
            return block
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one decode per day at a time; other days decode side by side
            block = self._fresh(key, stamps, paths)
            if block is not None:
                return block
            footers = tuple(footer(p) for p in paths)
            try:
                block = build()
            except (OSError, pa.ArrowException):
                return None  # replaced or removed meanwhile, or unreadable: the caller asks DuckDB
            with self._lock:
                previous = self._blocks.pop(key, None)
                if previous is not None:
                    self._rows -= previous.block.rows
                self._blocks[key] = _Entry(stamps, footers, time.monotonic(), block)
                self._rows += block.rows
                while self._rows > self.row_budget and len(self._blocks) > 1:
                    evicted_key, evicted = self._blocks.popitem(last=False)
                    self._rows -= evicted.block.rows
                    self._key_locks.pop(evicted_key, None)
        return block

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self._key_locks.clear()
            self._rows = 0


# -- visibility ----------------------------------------------------------------------------


DENSE_IDS = 1 << 20


@dataclass(frozen=True)
class _Lookup:
    """Whether each id may be seen: a flag per id up to ``DENSE_IDS`` (one index operation),
    a sorted search above that."""

    keys: np.ndarray
    flags: np.ndarray
    default: bool
    dense: np.ndarray | None

    @classmethod
    def of_ids(cls, ids: frozenset[int], listed: bool) -> _Lookup:
        """Ids in ``ids`` are allowed (``listed``) or refused, every other id the opposite."""
        keys = np.fromiter(ids, dtype=np.int64, count=len(ids))
        flags = np.full(len(keys), listed, dtype=bool)
        default = not listed
        order = np.argsort(keys, kind="stable")
        keys, flags = keys[order], flags[order]
        dense = None
        if not len(keys) or (keys[0] >= 0 and keys[-1] < DENSE_IDS):
            dense = np.full(int(keys[-1]) + 2 if len(keys) else 1, default)
            dense[keys] = flags
        return cls(keys, flags, default, dense)

    def allowed(self, ids: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            # ids past the last explicit one (and negative ones) land on the default slot
            last = len(self.dense) - 1
            return self.dense[np.where((ids >= 0) & (ids < last), ids, last)]
        position = np.minimum(np.searchsorted(self.keys, ids), len(self.keys) - 1)
        found = self.keys[position] == ids
        return np.where(found, self.flags[position], self.default)


_lookups: dict[visibility.IdTest, _Lookup] = {}
_lookups_lock = threading.Lock()


def _allowed(test: visibility.IdTest, values: np.ndarray) -> np.ndarray:
    # Effective rights are reused per token for seconds, and their rule's tests with them.
    if len(test.ids) == 1:
        (only,) = test.ids
        return (values == only) if test.listed else (values != only)
    lookup = _lookups.get(test)
    if lookup is None:
        lookup = _Lookup.of_ids(test.ids, test.listed)
        with _lookups_lock:
            if len(_lookups) > 1024:
                _lookups.clear()
            _lookups[test] = lookup
    return lookup.allowed(values)


def _as_ids(column: Column | None) -> Column | None:
    """An id column as integers: a table written with gaps may keep its ids as floats, NaN
    standing for null (``campaign_id`` of ``report_deals`` on most days)."""
    if column is None or column.values.dtype.kind != "f":
        return column
    values = column.values
    missing = ~np.isfinite(values)
    nulls = missing if column.nulls is None else (column.nulls | missing)
    return Column(np.where(missing, 0, values).astype(np.int64), nulls)


def visible_mask(
    rights: EffectiveRights,
    size: int,
    site: Column | None,
    campaign: Column | None,
    account: Column | None = None,
) -> np.ndarray:
    """Which of ``size`` rows the caller may see: the rule of :mod:`serving.access.visibility`
    (the same as :meth:`EffectiveRights.sees`) over the day's columns."""
    rule = rights.rule(account is not None)
    if not rule.clauses:
        return np.ones(size, dtype=bool)
    columns = {
        visibility.SITE: _as_ids(site),
        visibility.CAMPAIGN: _as_ids(campaign),
        visibility.ACCOUNT: _as_ids(account),
    }
    return visibility.to_mask(rule, size, columns, _allowed)


# -- generic day blocks (reports) ---------------------------------------------------------


@dataclass(frozen=True)
class TableDay:
    """One day of a table, all its columns, in the order given when it was read."""

    day: dt.date
    names: tuple[str, ...]
    columns: dict[str, Column]
    rows: int
    extra: dict[str, Any] = field(default_factory=dict)


def table_day(table: pa.Table, day: dt.date) -> TableDay:
    columns = {name: decode(table.column(name)) for name in table.column_names}
    return TableDay(day, tuple(table.column_names), columns, table.num_rows)


_cache = BlockCache()


def cache() -> BlockCache:
    return _cache


def day_block(
    warehouse: Warehouse, table: str, day: dt.date, sort: list[tuple[str, str]] | None = None
) -> TableDay | None:
    """A day of ``table`` decoded (sorted by ``sort``), or None when its file is missing."""
    path = warehouse.partition_path(table, day)
    key = (str(warehouse.table_dir(table)), day, "table", tuple(sort or ()))
    return _cache.get(key, (path,), lambda: table_day(read_day(path, None, sort), day))

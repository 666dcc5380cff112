"""Warehouse data files decoded into numpy columns, kept per worker process.

The communications list and the reports answer most requests from a few recent days. Reading a
Parquet file costs milliseconds; filtering its decoded columns with numpy costs microseconds.
A table's data files never change once committed (a rewrite, an append or a compaction commits
new files beside them), so a decoded file is kept under its path and never checked again: a
commit costs a worker only the files it added, and a day is the merge of its files' blocks in
the current snapshot. Files of the previous layout (``part.parquet``, replaced in place) are
also keyed by their identity (inode, modification time, size). The least recently used files
are dropped past a row budget. Blocks are immutable once built, so requests in several threads
share them freely.

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
from data.warehouse.snapshots import LEGACY_FILE, Snapshot
from serving.access import visibility
from serving.access.rights import EffectiveRights

ROW_BUDGET = 2_000_000  # about 2.4 GB per worker at the list's columns
Stamp = tuple[int, int, int] | None


def file_stamp(path: os.PathLike | str) -> Stamp:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def identity(path: os.PathLike | str) -> tuple | None:
    """What names a data file's content: its path for a committed file (written once, under a
    name of its own), plus its identity for a file of the previous layout; None when such a
    file is missing."""
    if os.path.basename(path) != LEGACY_FILE:
        return (str(path),)
    stamp = file_stamp(path)
    return None if stamp is None else (str(path), stamp)


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


class FileCache:
    """key → an immutable block decoded from one data file, least recently used dropped past
    a row budget. A key names the file's content (see :func:`identity`), so an entry is never
    stale: a commit adds new keys and the replaced files' entries age out."""

    def __init__(self, row_budget: int = ROW_BUDGET):
        self.row_budget = row_budget
        self._blocks: OrderedDict[tuple, Any] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()
        self._key_locks: dict[tuple, threading.Lock] = {}
        # what this worker decoded: files and CPU seconds (the benchmark reads them)
        self.decoded_files = 0
        self.decode_seconds = 0.0

    def _hit(self, key: tuple) -> Any:
        with self._lock:
            block = self._blocks.get(key)
            if block is not None:
                self._blocks.move_to_end(key)
            return block

    def get(self, key: tuple, build: Callable[[], Any]) -> Any:
        """The block for ``key``, built once; None when the file cannot be read (replaced or
        removed meanwhile, or unreadable: the caller then asks DuckDB)."""
        block = self._hit(key)
        if block is not None:
            return block
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one decode per file at a time; other files decode side by side
            block = self._hit(key)
            if block is not None:
                return block
            started = time.process_time()
            try:
                block = build()
            except (OSError, pa.ArrowException):
                return None
            with self._lock:
                self.decoded_files += 1
                self.decode_seconds += time.process_time() - started
                self._blocks[key] = block
                self._rows += block.rows
                while self._rows > self.row_budget and len(self._blocks) > 1:
                    evicted_key, evicted = self._blocks.popitem(last=False)
                    self._rows -= evicted.rows
                    self._key_locks.pop(evicted_key, None)
            self._key_locks.pop(key, None)
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


MASKS_PER_BLOCK = 32


def block_visible_mask(
    masks: dict, rights: EffectiveRights, size: int, columns: dict[str, Column]
) -> np.ndarray:
    """:func:`visible_mask` over an immutable block's columns, kept in the block's ``masks``
    per visibility rule (a few callers share most requests): a fresh copy to narrow."""
    account = columns.get("account_id")
    rule = rights.rule(account is not None)
    mask = masks.get(rule)
    if mask is None:
        mask = visible_mask(
            rights, size, columns.get("site_id"), columns.get("campaign_id"), account
        )
        if len(masks) >= MASKS_PER_BLOCK:
            masks.clear()
        masks[rule] = mask
    return mask.copy()


# -- generic day blocks (reports) ---------------------------------------------------------


@dataclass(frozen=True)
class TableDay:
    """One day of a table, all its columns, in the order given when it was read."""

    day: dt.date
    names: tuple[str, ...]
    columns: dict[str, Column]
    rows: int
    # visibility masks per rule (see block_visible_mask)
    masks: dict = field(default_factory=dict, compare=False, repr=False)


def table_day(table: pa.Table, day: dt.date) -> TableDay:
    columns = {name: decode(table.column(name)) for name in table.column_names}
    return TableDay(day, tuple(table.column_names), columns, table.num_rows)


def concat(columns: list[Column]) -> Column:
    """Columns of several files of one day, one after the other."""
    values = np.concatenate([c.values for c in columns])
    if all(c.nulls is None for c in columns):
        return Column(values, None)
    nulls = np.concatenate(
        [np.zeros(len(c.values), dtype=bool) if c.nulls is None else c.nulls for c in columns]
    )
    return Column(values, nulls)


def sort_order(columns: dict[str, Column], sort: list[tuple[str, str]]) -> np.ndarray:
    """Row positions in ``sort`` order (nulls last), as ``pa.Table.sort_by`` orders them."""
    keys = [(name, order) for name, order in sort if name in columns]
    arrays = {}
    for name, _ in keys:
        column = columns[name]
        values = column.values
        mask = column.nulls
        arrays[name] = pa.array(values.tolist() if values.dtype.kind == "O" else values, mask=mask)
    size = len(next(iter(columns.values())).values) if columns else 0
    if not keys:
        return np.arange(size)
    return pc.sort_indices(pa.table(arrays), sort_keys=keys).to_numpy()


_cache = FileCache()


def cache() -> FileCache:
    return _cache


def file_block(
    path, table: str, day: dt.date, sort: list[tuple[str, str]] | None
) -> TableDay | None:
    """One data file of ``table`` decoded (sorted by ``sort``), kept under its identity."""
    name = identity(path)
    if name is None:
        return None
    key = (*name, table, "table", tuple(sort or ()))
    return _cache.get(key, lambda: table_day(read_day(path, None, sort), day))


def day_block(
    warehouse: Warehouse,
    table: str,
    day: dt.date,
    sort: list[tuple[str, str]] | None = None,
    snapshot: Snapshot | None = None,
) -> TableDay | None:
    """A day of ``table`` decoded (sorted by ``sort``), merged from its files' blocks; None
    when it has no file, a file cannot be read or the files differ in columns. ``snapshot``:
    the table's snapshot the request took (else the current one)."""
    snapshot = snapshot or warehouse.snapshot(table)
    rels = snapshot.days.get(day, ()) if snapshot is not None else ()
    storage = warehouse.storage
    paths = [
        storage.local_path(table, r) if storage.remote else storage.uri(table, r) for r in rels
    ]
    if not paths:
        paths = [warehouse.partition_path(table, day)]
    found = [file_block(path, table, day, sort) for path in paths]
    blocks = [block for block in found if block is not None]
    if len(blocks) < len(found):
        return None
    if len(blocks) == 1:
        return blocks[0]
    names = blocks[0].names
    if any(block.names != names for block in blocks):
        return None
    columns = {name: concat([block.columns[name] for block in blocks]) for name in names}
    if sort:
        order = sort_order(columns, sort)
        columns = {
            name: Column(c.values[order], None if c.nulls is None else c.nulls[order])
            for name, c in columns.items()
        }
    return TableDay(day, names, columns, sum(block.rows for block in blocks))

"""The fact warehouse: Delta Lake tables (delta-rs) partitioned by ``date``, read with DuckDB.

Layout: ``<root>/<table>/_delta_log/`` plus ``<root>/<table>/date=YYYY-MM-DD/part-*.parquet``.
Data files are immutable; a commit to the log is the one atomic step of every write, so a
reader sees a whole committed snapshot and a killed writer leaves the previous one. Readers
list the snapshot's files and open them with their own in-memory DuckDB; old files are removed
only by :meth:`Warehouse.vacuum`, after a retention window longer than any query. See
docs/warehouse.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, TableFeatures
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction

from data.warehouse import schema as delta_schema
from data.warehouse.snapshots import CACHE, PARTITION_KEY, Snapshot, legacy_files
from data.warehouse.storage import Storage

PARTITION_FILE = "part.parquet"  # the name partition_path gives a day that is not one file
QUARANTINE_PREFIX = "quarantine_"
PAIRED = "-paired.parquet"  # a data file written with its quarantine (same name in both tables)
DEFAULT_RETENTION = dt.timedelta(hours=24)
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
Key = str | tuple[str, ...]
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return dt.date.fromisoformat(str(day))


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _new_file(day: dt.date, paired: bool = False) -> str:
    """A new data file's path in its table: the write time first, so names sort in write order."""
    suffix = PAIRED if paired else ".parquet"
    return (
        f"{PARTITION_KEY}={day.isoformat()}/part-{time.time_ns():020d}-{uuid.uuid4().hex}{suffix}"
    )


def _frame_to_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    arrow = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    if PARTITION_KEY in arrow.column_names:
        arrow = arrow.drop_columns([PARTITION_KEY])
    return arrow


def _write_arrow(arrow: pa.Table) -> Callable[[Path], object]:
    return lambda path: pq.write_table(arrow, path, compression="zstd")


class Warehouse:
    def __init__(
        self,
        root: str | Path,
        storage_options: dict[str, str] | None = None,
        cache_dir: str | Path | None = None,
    ):
        self.storage = Storage(root, storage_options, cache_dir)
        self.root: str | Path = self.storage.root_uri if self.storage.remote else Path(root)

    @classmethod
    def from_settings(cls) -> Warehouse:
        from data.settings import get_settings

        settings = get_settings()
        return cls(settings.warehouse_uri or settings.warehouse_dir)

    # -- layout ---------------------------------------------------------------------------
    def _check(self, table: str) -> str:
        if not _TABLE_NAME.match(table):
            raise ValueError(f"invalid warehouse table name {table!r}")
        return table

    def table_dir(self, table: str) -> Path:
        """The table's local folder (for a remote warehouse: its local read cache)."""
        self._check(table)
        base = self.storage.cache if self.storage.remote else Path(self.storage.root_uri)
        return base / table

    def snapshot(
        self, table: str, pinned: dict[str, Snapshot | None] | None = None
    ) -> Snapshot | None:
        """The table's current committed snapshot (None: never written). A quarantine table's
        days follow its data table's paired writes, also when its own commit was cut off;
        ``pinned`` keeps the snapshots a reader took, so the two tables it reads agree."""
        pinned = {} if pinned is None else pinned
        if table not in pinned:
            pinned[table] = CACHE.current(self.storage, self._check(table))
        snap = pinned[table]
        if not table.startswith(QUARANTINE_PREFIX):
            return snap
        source = table.removeprefix(QUARANTINE_PREFIX)
        if source not in pinned:
            pinned[source] = CACHE.current(self.storage, self._check(source))
        data = pinned[source]
        pending = _pending_quarantine(data, snap)
        if not pending:
            return snap
        days = dict(snap.days) if snap else {}
        days.update({day: (rel,) for day, rel in pending.items()})
        return Snapshot(
            snap.version if snap else -1, dict(sorted(days.items())), snap.rows if snap else {}
        )

    def tables(self) -> list[str]:
        return sorted(
            name
            for name in self.storage.list_tables()
            if _TABLE_NAME.match(name) and self.partitions(name)
        )

    def has_table(self, table: str) -> bool:
        return bool(self.partitions(table))

    def partitions(self, table: str) -> list[dt.date]:
        snap = self.snapshot(table)
        return list(snap.days) if snap else []

    def files(
        self,
        table: str,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
        pinned: dict[str, Snapshot | None] | None = None,
    ) -> list[Path]:
        """The committed snapshot's data files of days ``start`` … ``end`` (inclusive), in day
        and write order. They are immutable: a later write adds new files beside them."""
        snap = self.snapshot(table, pinned)
        if snap is None:
            return []
        lo = _as_date(start) if start else dt.date.min
        hi = _as_date(end) if end else dt.date.max
        return [self.storage.local_path(table, rel) for rel in snap.files(lo, hi)]

    def day_files(self, table: str, days: Iterable[dt.date]) -> list[Path]:
        """The files of the given days (those that exist), in the order given."""
        snap = self.snapshot(table)
        if snap is None:
            return []
        return [
            self.storage.local_path(table, rel) for day in days for rel in snap.days.get(day, ())
        ]

    def partition_path(self, table: str, day: dt.date | str) -> Path:
        """The day's file when the day is one file (every rewrite and compaction leaves one);
        otherwise a path that does not exist (no such day, or appends not yet compacted)."""
        day = _as_date(day)
        snap = self.snapshot(table)
        rels = snap.days.get(day, ()) if snap else ()
        if len(rels) == 1:
            return self.storage.local_path(table, rels[0])
        return self.table_dir(table) / f"{PARTITION_KEY}={day.isoformat()}" / PARTITION_FILE

    # -- writing --------------------------------------------------------------------------
    def write_partition(
        self, table: str, day: dt.date | str, frame: pd.DataFrame | pa.Table
    ) -> Path:
        """Replaces one day of ``table`` in one commit. An empty frame commits an empty file,
        so "ran and found nothing" stays different from "never ran"."""
        day = _as_date(day)
        return self._rewrite(self._check(table), day, _write_arrow(_frame_to_arrow(frame)))

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
        return self._rewrite(self._check(table), _as_date(day), _copy_query(con, query, options))

    def write_partition_with_quarantine(
        self,
        table: str,
        day: dt.date | str,
        con: duckdb.DuckDBPyConnection,
        query: str,
        quarantine: pa.Table,
    ) -> Path:
        """Replaces a day of ``table`` (a DuckDB query's result) and the same day of
        ``quarantine_<table>`` (``quarantine``) so that no reader sees one without the other.

        Both files are written first, under one name. The data table's commit is the decision:
        from then on readers take the quarantine day from that name, also when the writer was
        killed before the quarantine table's own commit, which the next write or
        :meth:`repair` then makes."""
        day = _as_date(day)
        twin = QUARANTINE_PREFIX + self._check(table)
        self.repair(table)
        rel = _new_file(day, paired=True)
        quarantine_path = self.storage.write(twin, rel, _write_arrow(_frame_to_arrow(quarantine)))
        path = self.storage.write(table, rel, _copy_query(con, query, ""))
        self._commit_rewrite(table, day, rel, path, "rewrite")
        self._commit_rewrite(twin, day, rel, quarantine_path, "rewrite")
        return path

    def append(
        self,
        table: str,
        day: dt.date | str,
        frame: pd.DataFrame | pa.Table,
        key: Key = "id",
        replace: Iterable | None = None,
        unique: bool = True,
    ) -> Path | None:
        """Adds a micro-batch to a day in one commit, replacing rows by ``key``: every stored
        row whose key is in the batch (or in ``replace``: keys whose rows go even when the batch
        has none for them) is dropped, and the batch's rows are added, so re-appending never
        duplicates. A key may name many rows (``unique=False``: a communication's tags); with
        ``unique`` the last row of a key in the batch wins.

        The cost follows the batch, not the day: only files that hold one of the keys are
        rewritten without those rows (a file's keys are read once per process: files are
        immutable), under their old write time so the day's rows keep their order. Returns the batch's new file
        (None when the batch is empty)."""
        table, day = self._check(table), _as_date(day)
        columns = (key,) if isinstance(key, str) else tuple(key)
        arrow = _frame_to_arrow(frame)
        if unique and isinstance(key, str) and key in arrow.column_names:
            arrow = _last_per_key(arrow, key)
        has_key = all(c in arrow.column_names for c in columns)
        keys = _key_strings(arrow, columns) if arrow.num_rows and has_key else set()
        keys |= {_key_string(v) for v in replace or ()}
        if arrow.num_rows == 0 and not keys:
            return None
        self.repair(table)  # a paired file may be rewritten below, losing its pairing name
        with self._writer(table):
            current = self._latest(table)
            rels = current.days.get(day, ()) if current else ()
            lookup = _KeyLookup(self.storage, table, columns, keys)
            actions: list = []
            schemas: list[pa.Schema] = []
            touched = [rel for rel in rels if lookup.holds_any(rel)]
            for rel in touched:
                kept = lookup.without_keys(rel)
                if kept.num_rows:
                    new_rel = _rewritten(rel)
                    lookup.remember(new_rel, kept)
                    path = self.storage.write(table, new_rel, _write_arrow(kept))
                    add, schema = _add(new_rel, path, day)
                    actions.append(add)
                    schemas.append(schema)
            new_file = None
            if arrow.num_rows:
                rel = _new_file(day)
                if has_key:
                    lookup.remember(rel, arrow)
                new_file = self.storage.write(table, rel, _write_arrow(arrow))
                add, schema = _add(rel, new_file, day)
                actions.append(add)
                schemas.append(schema)
            if not touched and new_file is None:
                return None
            merged = None
            for schema in schemas:
                merged = delta_schema.merge(merged, schema)
            op = "merge" if touched else "append"
            self._commit(table, [*_removes(touched, day), *actions], "append", merged, op=op)
            return new_file

    def compact(self, table: str, day: dt.date | str | None = None) -> list[dt.date]:
        """Rewrites each day of several files (appends) as one file, rows in write order, in
        one commit per day that replaces exactly those files (appends committed meanwhile stay).
        Returns the days compacted."""
        self._check(table)
        snap = self.snapshot(table)
        days = [d for d, rels in (snap.days.items() if snap else []) if len(rels) > 1]
        if day is not None:
            days = [d for d in days if d == _as_date(day)]
        done = []
        for each in days:
            with self._writer(table):
                current = self._latest(table)
                rels = current.days.get(each, ()) if current else ()
                if len(rels) < 2:
                    continue
                sources = [self.storage.local_path(table, rel) for rel in rels]
                rel = _new_file(each)
                path = self.storage.write(table, rel, _concat(sources))
                add, schema = _add(rel, path, each)
                self._commit(table, [*_removes(rels, each), add], "append", schema, op="compact")
                done.append(each)
        return done

    def delete_partition(self, table: str, day: dt.date | str) -> None:
        day = _as_date(day)
        with self._writer(self._check(table)):
            current = self._latest(table)
            if current is None or day not in current.days:
                return
            self._commit(table, [], "overwrite", None, day=day, op="delete")

    def repair(self, table: str | None = None) -> list[tuple[str, dt.date]]:
        """Commits quarantine days that a paired write decided but did not get to commit
        (its writer was killed between the two commits). Returns what it committed."""
        tables = [table] if table else self.tables()
        done = []
        for name in tables:
            if name.startswith(QUARANTINE_PREFIX):
                continue
            twin = QUARANTINE_PREFIX + name
            data = CACHE.current(self.storage, name)
            pending = _pending_quarantine(data, CACHE.current(self.storage, twin))
            for day, rel in pending.items():
                self._commit_rewrite(twin, day, rel, self.storage.local_path(twin, rel), "repair")
                done.append((twin, day))
        return done

    def vacuum(self, retention: dt.timedelta = DEFAULT_RETENTION) -> dict[str, int]:
        """The retention job: removes files that no snapshot younger than ``retention`` uses,
        and files no commit names (a killed writer's) older than it. ``retention`` must exceed
        the longest query: a reader lists its snapshot's files when it starts."""
        self.repair()
        removed = {}
        hours = max(0, int(retention.total_seconds() // 3600))
        for table in self.storage.list_tables():
            if not _TABLE_NAME.match(table) or not self.storage.exists(table, "_delta_log"):
                continue
            with self._writer(table):
                delta = DeltaTable(self.storage.uri(table), storage_options=self.storage.options)
                gone = delta.vacuum(
                    retention_hours=hours,
                    dry_run=False,
                    enforce_retention_duration=False,
                    full=True,
                )
            removed[table] = len(gone)
        return removed

    # -- write internals ------------------------------------------------------------------
    def _rewrite(self, table: str, day: dt.date, fill: Callable[[Path], object]) -> Path:
        rel = _new_file(day)
        path = self.storage.write(table, rel, fill)
        self._commit_rewrite(table, day, rel, path, "rewrite")
        return path

    def _commit_rewrite(self, table: str, day: dt.date, rel: str, path: Path, op: str) -> None:
        """One commit that replaces every file of ``day`` by ``rel``."""
        add, schema = _add(rel, path, day)
        with self._writer(table):
            self._commit(table, [add], "overwrite", schema, day=day, op=op)

    def _latest(self, table: str) -> Snapshot | None:
        return CACHE.current(self.storage, table)

    def _commit(
        self,
        table: str,
        actions: list,
        mode: str,
        new_schema: pa.Schema | None,
        day: dt.date | None = None,
        op: str = "write",
    ) -> None:
        """One commit to the table's log (made under :meth:`_writer`, on the latest version:
        an overwrite removes the files of the version it was built on)."""
        uri = self.storage.uri(table)
        try:
            delta = DeltaTable(uri, storage_options=self.storage.options)
        except TableNotFoundError:
            delta = None
        current = delta_schema.current(delta) if delta else None
        merged = delta_schema.to_delta(delta_schema.merge(current, new_schema))
        if delta is None:
            legacy = _legacy_adds(self.storage, table)
            merged = delta_schema.to_delta(
                delta_schema.merge(delta_schema.merge(None, legacy[1]), new_schema)
            )
            DeltaTable.create(
                uri,
                schema=merged,
                partition_by=[PARTITION_KEY],
                mode="ignore",
                storage_options=self.storage.options,
            )
            delta = DeltaTable(uri, storage_options=self.storage.options)
            if legacy[0]:
                delta.create_write_transaction(
                    [*legacy[0]],  # a list of either kind of action
                    "append",
                    merged,
                    partition_by=[PARTITION_KEY],
                    commit_properties=CommitProperties(
                        custom_metadata={"callscope.operation": "convert"}
                    ),
                )
                delta = DeltaTable(uri, storage_options=self.storage.options)
        if _needs_timestamp_ntz(delta, merged):
            delta.alter.add_feature(
                TableFeatures.TimestampWithoutTimezone, allow_protocol_versions_increase=True
            )
            delta = DeltaTable(uri, storage_options=self.storage.options)
        delta.create_write_transaction(
            actions,
            mode,
            merged,
            partition_by=[PARTITION_KEY],
            partition_filters=[(PARTITION_KEY, "=", day.isoformat())] if day else None,
            commit_properties=CommitProperties(custom_metadata={"callscope.operation": op}),
        )
        CACHE.current(self.storage, table)

    @contextlib.contextmanager
    def _writer(self, table: str) -> Iterator[None]:
        """One writer per table at a time: a rewrite must replace the files it saw. Threads of
        a process share a lock; processes share a lock file (a remote warehouse relies on the
        pipeline running one writer per table)."""
        key = self.storage.uri(table)
        with _thread_locks_guard:
            lock = _thread_locks.setdefault(key, threading.Lock())
        with lock:
            if self.storage.remote:
                yield
                return
            folder = Path(key)
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / ".writer.lock", "a+b") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # -- reading --------------------------------------------------------------------------
    def scan(self, table: str, files: Iterable[Path] | None = None) -> str:
        """The DuckDB table expression over a table's files (with the ``date`` column)."""
        paths = list(files) if files is not None else self.files(table)
        if not paths:
            raise LookupError(f"warehouse table {table!r} has no partitions under {self.root}")
        listing = ", ".join(_sql_string(str(p)) for p in paths)
        return (
            f"read_parquet([{listing}], hive_partitioning = true, union_by_name = true, "
            f"hive_types = {{'{PARTITION_KEY}': DATE}})"
        )

    def connect(self, tables: Iterable[str] | None = None) -> duckdb.DuckDBPyConnection:
        """A fresh in-memory DuckDB with one view per table over its current snapshot: the
        connection keeps seeing that snapshot while writers commit new ones."""
        con = duckdb.connect(":memory:")
        names = list(tables if tables is not None else self.tables())
        pinned: dict[str, Snapshot | None] = {}
        # data tables first: their quarantine tables follow the same snapshots
        for table in sorted(names, key=lambda name: name.startswith(QUARANTINE_PREFIX)):
            files = self.files(table, pinned=pinned)
            if files:
                con.execute(
                    f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {self.scan(table, files)}"
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
        snap = self.snapshot(table)
        if snap is None:
            return 0
        lo = _as_date(start) if start else dt.date.min
        hi = _as_date(end) if end else dt.date.max
        total = 0
        for rel in snap.files(lo, hi):
            rows = snap.rows.get(rel)
            if rows is None:
                rows = pq.ParquetFile(self.storage.local_path(table, rel)).metadata.num_rows
            total += rows
        return total


def _add(rel: str, path: Path, day: dt.date) -> tuple[AddAction, pa.Schema]:
    meta = pq.read_metadata(path)
    action = AddAction(
        rel,
        path.stat().st_size,
        {PARTITION_KEY: day.isoformat()},
        int(time.time() * 1000),
        True,
        json.dumps({"numRecords": meta.num_rows}),
    )
    return action, meta.schema.to_arrow_schema()


def _needs_timestamp_ntz(delta: DeltaTable, schema: pa.Schema) -> bool:
    """Timestamps without a zone need their table feature declared before a commit uses them."""
    naive = any(pa.types.is_timestamp(f.type) and f.type.tz is None for f in schema)
    if not naive:
        return False
    features = delta.protocol().writer_features or []
    return "timestampNtz" not in features


def _legacy_adds(storage: Storage, table: str) -> tuple[list[AddAction], pa.Schema | None]:
    """Add actions for a table of the previous layout, so its first write keeps its days."""
    adds, schema = [], None
    for day, rel in legacy_files(storage, table).items():
        add, file_schema = _add(rel, storage.local_path(table, rel), day)
        adds.append(add)
        schema = delta_schema.merge(schema, file_schema)
    return adds, schema


def _removes(rels: Iterable[str], day: dt.date) -> list[RemoveAction]:
    now = int(time.time() * 1000)
    return [RemoveAction(rel, True, now, None, {PARTITION_KEY: day.isoformat()}) for rel in rels]


def _pending_quarantine(data: Snapshot | None, quarantine: Snapshot | None) -> dict[dt.date, str]:
    """Days whose latest data file was written paired but whose quarantine commit is missing."""
    if data is None:
        return {}
    pending = {}
    for day, rels in data.days.items():
        paired = [rel for rel in rels if rel.endswith(PAIRED)]
        if paired and (quarantine is None or paired[-1] not in quarantine.days.get(day, ())):
            pending[day] = paired[-1]
    return pending


def _copy_query(con: duckdb.DuckDBPyConnection, query: str, options: str):
    extra = f", {options}" if options else ""
    return lambda path: con.execute(
        f"COPY ({query}) TO {_sql_string(str(path))} (FORMAT parquet, COMPRESSION zstd{extra})"
    )


def _read_files(sources: list[Path]) -> str:
    listing = ", ".join(_sql_string(str(p)) for p in sources)
    return f"read_parquet([{listing}], union_by_name = true)"


def _concat(sources: list[Path]) -> Callable[[Path], object]:
    def fill(path: Path) -> None:
        # one thread keeps the files' rows in the order given
        with duckdb.connect(":memory:", config={"threads": 1}) as con:
            _copy_query(con, f"SELECT * FROM {_read_files(sources)}", "")(path)

    return fill


def _last_per_key(batch: pa.Table, key: str) -> pa.Table:
    keys = batch.column(key).to_pylist()
    last = {value: index for index, value in enumerate(keys)}
    if len(last) == len(keys):
        return batch
    return batch.take(sorted(last.values()))


def _key_string(value) -> str:
    if isinstance(value, tuple):
        return "\x1f".join("\x00" if v is None else str(v) for v in value)
    return "\x00" if value is None else str(value)


def _key_array(table: pa.Table, columns: tuple[str, ...]) -> pa.Array:
    """Each row's key as one string (the sink's keys: several columns joined)."""
    parts = [pc.cast(table.column(c), pa.string()).fill_null("\x00") for c in columns]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x1f")


def _key_strings(table: pa.Table, columns: tuple[str, ...]) -> set[str]:
    return set(_key_array(table, columns).to_pylist())


def _rewritten(rel: str) -> str:
    """A new name for a file rewritten without some rows: its write time stays, so the day's
    rows keep their order; a paired file loses its pairing (its quarantine is committed)."""
    folder, name = rel.rsplit("/", 1)
    stamp = name.split("-")[1] if name.startswith("part-") and name.count("-") >= 2 else None
    if stamp is None or not stamp.isdigit():
        return _new_file(dt.date.fromisoformat(folder.split("=", 1)[1]))
    return f"{folder}/part-{stamp}-{uuid.uuid4().hex}.parquet"


# files are immutable, so each file's keys are read once per process
_file_keys: dict[tuple[str, tuple[str, ...], str], frozenset[str]] = {}
_FILE_KEYS_LIMIT = 50_000


class _KeyLookup:
    """Finds which of a day's files hold rows of the given keys."""

    def __init__(self, storage: Storage, table: str, columns: tuple[str, ...], keys: set[str]):
        self.storage, self.table, self.columns, self.keys = storage, table, columns, keys
        self.value_set = pa.array(sorted(keys), pa.string())

    def holds_any(self, rel: str) -> bool:
        if not self.keys:
            return False
        cache_key = (self.storage.uri(self.table), self.columns, rel)
        stored = _file_keys.get(cache_key)
        if stored is None:
            parquet = pq.ParquetFile(self.storage.local_path(self.table, rel))
            if any(c not in parquet.schema_arrow.names for c in self.columns):
                return False
            stored = self.remember(rel, parquet.read(columns=list(self.columns)))
        return not self.keys.isdisjoint(stored)

    def remember(self, rel: str, rows: pa.Table) -> frozenset[str]:
        if len(_file_keys) >= _FILE_KEYS_LIMIT:
            _file_keys.clear()
        keys = frozenset(_key_strings(rows, self.columns))
        _file_keys[(self.storage.uri(self.table), self.columns, rel)] = keys
        return keys

    def without_keys(self, rel: str) -> pa.Table:
        stored = pq.ParquetFile(self.storage.local_path(self.table, rel)).read()
        hit = pc.is_in(_key_array(stored, self.columns), value_set=self.value_set)
        return stored.filter(pc.invert(hit))

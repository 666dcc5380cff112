"""A reader's cached snapshot follows each new commit by applying the commit's own log entry,
and agrees with the table's state as delta-rs lists it after every kind of write."""

import datetime as dt

import pandas as pd
from deltalake import DeltaTable

from data.warehouse import Warehouse
from data.warehouse.snapshots import CACHE, snapshot_of

DAY = dt.date(2026, 3, 1)


def _rows(ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"id": ids, "value": [f"v{i}" for i in ids]})


def _agrees(warehouse: Warehouse, table: str) -> None:
    cached = CACHE.current(warehouse.storage, table)
    listed = snapshot_of(DeltaTable(warehouse.storage.uri(table)))
    assert cached.version == listed.version
    assert cached.days == listed.days
    assert cached.rows == listed.rows


def test_the_cached_snapshot_follows_every_kind_of_commit(tmp_path, monkeypatch):
    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("facts", DAY, _rows([1, 2]))
    warehouse.write_partition("facts", DAY + dt.timedelta(days=1), _rows([3]))
    _agrees(warehouse, "facts")
    # from here on, every refresh must come from the new log entries alone
    monkeypatch.setattr(DeltaTable, "update_incremental", _refused)
    warehouse.append("facts", DAY, _rows([4]))  # a new file beside the day's
    _agrees(warehouse, "facts")
    warehouse.append("facts", DAY, _rows([4, 5]))  # a key the day has: the day rewritten
    _agrees(warehouse, "facts")
    warehouse.append("facts", DAY, _rows([6]))
    warehouse.append("facts", DAY, _rows([7]))  # two commits seen at once
    _agrees(warehouse, "facts")
    assert warehouse.compact("facts") == [DAY]
    _agrees(warehouse, "facts")
    warehouse.write_partition("facts", DAY, _rows([8]))
    _agrees(warehouse, "facts")
    warehouse.delete_partition("facts", DAY + dt.timedelta(days=1))
    _agrees(warehouse, "facts")
    assert warehouse.partitions("facts") == [DAY]
    assert sorted(warehouse.read("facts")["id"]) == [8]


def _refused(self):
    raise AssertionError("the snapshot was reloaded instead of advanced")

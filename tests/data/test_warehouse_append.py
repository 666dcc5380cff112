"""Appends replace rows by key in one commit, touching only the files that hold those keys."""

import datetime as dt

import pandas as pd
import pytest
from deltalake import DeltaTable

from data.warehouse import Warehouse
from data.warehouse import store as store_module

DAY = dt.date(2026, 5, 4)
KEY = "communication_id"


def _tags(*pairs):
    return pd.DataFrame({KEY: [c for c, _ in pairs], "tag": [t for _, t in pairs]})


def _rows(wh, table="tag_assignments"):
    return sorted(map(tuple, wh.read(table)[[KEY, "tag"]].values.tolist()))


def _version(wh, table):
    return DeltaTable(wh.storage.uri(table)).version()


def test_rerunning_a_batch_does_not_double_rows_and_each_append_is_one_commit(tmp_path):
    wh = Warehouse(tmp_path)
    batch = _tags(("call:1", "a"), ("call:1", "b"), ("call:2", "a"))
    wh.append("tag_assignments", DAY, batch, KEY, unique=False)
    version = _version(wh, "tag_assignments")
    wh.append("tag_assignments", DAY, batch, KEY, unique=False)
    assert _version(wh, "tag_assignments") == version + 1
    assert _rows(wh) == [("call:1", "a"), ("call:1", "b"), ("call:2", "a")]


def test_an_updated_communication_replaces_all_its_rows_even_with_fewer(tmp_path):
    wh = Warehouse(tmp_path)
    wh.append("tag_assignments", DAY, _tags(("call:1", "a"), ("call:1", "b"), ("call:1", "c"),
                                            ("call:2", "a")), KEY, unique=False)  # fmt: skip
    wh.append("tag_assignments", DAY, _tags(("call:1", "z")), KEY, unique=False)
    assert _rows(wh) == [("call:1", "z"), ("call:2", "a")]
    # a communication that lost every tag: named in ``replace`` with no rows in the batch
    wh.append("tag_assignments", DAY, _tags(("call:3", "a")), KEY, replace=["call:1"],
              unique=False)  # fmt: skip
    assert _rows(wh) == [("call:2", "a"), ("call:3", "a")]
    # an empty batch that only replaces
    wh.append("tag_assignments", DAY, _tags(), KEY, replace=["call:2"], unique=False)
    assert _rows(wh) == [("call:3", "a")]


def test_only_files_holding_the_keys_are_rewritten(tmp_path):
    wh = Warehouse(tmp_path)
    for batch in range(5):
        frame = _tags(*[(f"call:{batch}{i}", "a") for i in range(3)])
        wh.append("tag_assignments", DAY, frame, KEY, unique=False)
    before = wh.snapshot("tag_assignments").days[DAY]
    wh.append("tag_assignments", DAY, _tags(("call:31", "b"), ("call:99", "a")), KEY,
              unique=False)  # fmt: skip
    after = wh.snapshot("tag_assignments").days[DAY]
    kept = set(before) & set(after)
    assert kept == set(before) - {before[3]}  # the other four files are the same files
    assert len(after) == 6  # batch 3 rewritten under its old write time, plus the new batch
    frame = wh.read("tag_assignments")
    assert frame[KEY].tolist()[:9] == [f"call:{b}{i}" for b in range(3) for i in range(3)]
    assert frame[KEY].tolist()[9:11] == ["call:30", "call:32"]  # order kept
    assert ("call:31", "a") not in _rows(wh)
    assert ("call:31", "b") in _rows(wh)


def test_appends_then_compaction_equal_one_nightly_write(tmp_path):
    live, nightly = Warehouse(tmp_path / "live"), Warehouse(tmp_path / "nightly")
    live.append("calls", DAY, pd.DataFrame({"id": [1, 2], "status": ["ringing", "ringing"]}))
    live.write_partition("calls", DAY + dt.timedelta(days=1), pd.DataFrame({"id": [7]}))
    live.append("calls", DAY, pd.DataFrame({"id": [3], "status": ["done"]}))
    live.append("calls", DAY, pd.DataFrame({"id": [2, 3], "status": ["done", "done"]}))
    live.append("calls", DAY, pd.DataFrame({"id": [2], "status": ["lost"]}))
    assert live.compact("calls", DAY) == [DAY]
    nightly.write_partition(
        "calls", DAY, pd.DataFrame({"id": [1, 3, 2], "status": ["ringing", "done", "lost"]})
    )
    got = live.read("calls", DAY, DAY).sort_values("id").reset_index(drop=True)
    want = nightly.read("calls", DAY, DAY).sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    assert len(live.snapshot("calls").days[DAY]) == 1


def test_multi_column_keys_replace_by_all_columns(tmp_path):
    wh = Warehouse(tmp_path)
    key = ("source_file", "payload")
    first = pd.DataFrame({"source_file": ["a", "a"], "payload": ["1", "2"], "reason": ["x", "x"]})
    wh.append("quarantine_calls", DAY, first, key, unique=False)
    wh.append("quarantine_calls", DAY, first.iloc[[1]].assign(reason="y"), key, unique=False)
    frame = wh.read("quarantine_calls").sort_values("payload")
    assert frame["reason"].tolist() == ["x", "y"]


def test_a_writer_killed_before_its_commit_leaves_the_last_snapshot(tmp_path, monkeypatch):
    wh = Warehouse(tmp_path)
    wh.append("calls", DAY, pd.DataFrame({"id": [1, 2], "status": ["ringing", "ringing"]}))
    original = store_module.Warehouse._commit

    def killed(self, *args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(store_module.Warehouse, "_commit", killed)
    with pytest.raises(KeyboardInterrupt):
        wh.append("calls", DAY, pd.DataFrame({"id": [2, 3], "status": ["done", "done"]}))
    assert wh.read("calls").sort_values("id")["status"].tolist() == ["ringing", "ringing"]
    monkeypatch.setattr(store_module.Warehouse, "_commit", original)
    wh.append("calls", DAY, pd.DataFrame({"id": [2, 3], "status": ["done", "done"]}))
    frame = wh.read("calls").sort_values("id")
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame["status"].tolist() == ["ringing", "done", "done"]

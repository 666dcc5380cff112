import datetime as dt
import json

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import fs as pafs

from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 1)
NEXT = DAY + dt.timedelta(days=1)


def _stored_files(wh: Warehouse, table: str) -> set[str]:
    """Every data file under the table on its storage, committed or not (relative paths)."""
    storage = wh.storage
    if not storage.remote:
        base = wh.table_dir(table)
        return {
            str(p.relative_to(base)) for p in base.rglob("*.parquet") if "_delta_log" not in str(p)
        }
    key = storage.uri(table).removeprefix("s3://")
    infos = storage._fs.get_file_info(pafs.FileSelector(key, recursive=True))
    return {
        info.path.removeprefix(key + "/")
        for info in infos
        if info.path.endswith(".parquet") and "/_delta_log/" not in info.path
    }


def _committed(wh: Warehouse, table: str) -> set[str]:
    return set(wh.snapshot(table).files())


def test_partitions_are_written_read_and_listed(make_warehouse):
    wh = make_warehouse()
    wh.write_partition("calls", DAY, pd.DataFrame({"id": [1, 2]}))
    wh.write_partition("calls", NEXT, pd.DataFrame({"id": [3]}))
    assert wh.partitions("calls") == [DAY, NEXT]
    assert wh.tables() == ["calls"]
    assert wh.read("calls", start=DAY, end=DAY)["id"].tolist() == [1, 2]
    assert wh.read("calls")["date"].astype(str).tolist() == [
        "2026-05-01",
        "2026-05-01",
        "2026-05-02",
    ]
    assert wh.connect().execute("SELECT sum(id) FROM calls").fetchone()[0] == 6
    assert wh.count("calls") == 3
    assert wh.count("calls", NEXT, NEXT) == 1


def test_rewriting_a_partition_is_one_commit_that_replaces_it(make_warehouse):
    wh = make_warehouse()
    frame = pd.DataFrame({"id": [1, 2, 3], "text": ["а", "б", "в"]})
    wh.write_partition("calls", DAY, frame)
    wh.write_partition("calls", NEXT, frame)
    first = wh.read("calls")
    version = wh.snapshot("calls").version
    wh.write_partition("calls", DAY, frame)
    assert wh.snapshot("calls").version == version + 1
    pd.testing.assert_frame_equal(first, wh.read("calls"))
    wh.write_partition("calls", DAY, frame.head(1))
    assert wh.count("calls") == 4
    assert wh.count("calls", DAY, DAY) == 1


def test_a_reader_keeps_its_snapshot_while_the_day_is_rewritten(make_warehouse):
    wh = make_warehouse()
    wh.write_partition("calls", DAY, pd.DataFrame({"generation": [1] * 5}))
    con = wh.connect(["calls"])
    old_files = wh.files("calls")
    wh.write_partition("calls", DAY, pd.DataFrame({"generation": [2] * 7}))
    assert con.execute("SELECT count(*), max(generation) FROM calls").fetchone() == (5, 1)
    assert wh.connect().execute("SELECT count(*), max(generation) FROM calls").fetchone() == (7, 2)
    assert wh.files("calls") != old_files  # files are immutable: a rewrite adds a new one
    assert all(path.exists() for path in old_files)


def test_empty_partition_differs_from_never_written(make_warehouse):
    wh = make_warehouse()
    assert not wh.has_table("calls")
    assert wh.read("calls").empty
    wh.write_partition("calls", DAY, pd.DataFrame({"id": pd.Series([], dtype="int64")}))
    assert wh.partitions("calls") == [DAY]
    assert wh.count("calls") == 0
    assert wh.tables() == ["calls"]


def test_deleting_a_partition_removes_only_that_day(make_warehouse):
    wh = make_warehouse()
    wh.write_partition("calls", DAY, pd.DataFrame({"id": [1]}))
    wh.write_partition("calls", NEXT, pd.DataFrame({"id": [2]}))
    wh.delete_partition("calls", DAY)
    wh.delete_partition("calls", DAY)  # gone already: nothing to do
    assert wh.partitions("calls") == [NEXT]
    assert wh.read("calls")["id"].tolist() == [2]


def test_appends_merge_by_id_and_never_duplicate(make_warehouse):
    wh = make_warehouse()
    wh.append("calls", DAY, pd.DataFrame({"id": [1, 2], "status": ["ringing", "ringing"]}))
    wh.append("calls", DAY, pd.DataFrame({"id": [3], "status": ["ringing"]}))
    assert len(wh.snapshot("calls").days[DAY]) == 2  # a batch of new ids is one more file
    wh.append("calls", DAY, pd.DataFrame({"id": [2, 4, 4], "status": ["done", "x", "done"]}))
    wh.append("calls", DAY, pd.DataFrame({"id": [2, 4, 4], "status": ["done", "x", "done"]}))
    frame = wh.read("calls")
    assert frame["id"].tolist() == [1, 3, 2, 4]
    assert frame["status"].tolist() == ["ringing", "ringing", "done", "done"]
    assert wh.append("calls", DAY, pd.DataFrame({"id": pd.Series([], dtype="int64")})) is None
    wh.append("calls", NEXT, pd.DataFrame({"id": [1], "status": ["ringing"]}))  # same id, new day
    assert wh.count("calls") == 5


def test_compaction_leaves_one_file_per_day_with_rows_in_write_order(make_warehouse):
    wh = make_warehouse()
    for batch in range(4):
        wh.append("calls", DAY, pd.DataFrame({"id": [batch * 10 + i for i in range(3)]}))
    wh.write_partition("calls", NEXT, pd.DataFrame({"id": [99]}))
    before = wh.read("calls")
    assert len(wh.snapshot("calls").days[DAY]) == 4
    assert not wh.partition_path("calls", DAY).exists()  # several files: no single path
    assert wh.compact("calls") == [DAY]
    assert wh.compact("calls") == []
    assert [len(files) for files in wh.snapshot("calls").days.values()] == [1, 1]
    pd.testing.assert_frame_equal(before, wh.read("calls"))
    assert (
        pq.read_table(wh.partition_path("calls", DAY))["id"].to_pylist()
        == before["id"][:12].tolist()
    )


def test_retention_removes_replaced_and_uncommitted_files_only_past_the_window(make_warehouse):
    wh = make_warehouse()
    for generation in range(3):
        wh.write_partition("calls", DAY, pd.DataFrame({"generation": [generation]}))
    wh.storage.write(
        "calls",
        "date=2026-05-01/part-orphan.parquet",
        lambda p: pq.write_table(pa.table({"a": [1]}), p),
    )
    assert len(_stored_files(wh, "calls")) == 4
    assert wh.vacuum()["calls"] == 0  # all younger than the window: a reader may still use them
    assert len(_stored_files(wh, "calls")) == 4
    assert wh.vacuum(dt.timedelta(0))["calls"] == 3
    assert _stored_files(wh, "calls") == _committed(wh, "calls")
    assert wh.read("calls")["generation"].tolist() == [2]


def test_rows_keep_their_order_across_runs(make_warehouse):
    frame = pd.DataFrame({"id": [5, 3, 9, 1], "text": ["d", "b", "c", "a"]})
    runs = []
    for run in range(2):
        wh = make_warehouse(f"run{run}")
        wh.write_partition("calls", NEXT, frame)
        wh.write_partition("calls", DAY, frame.iloc[::-1])
        runs.append(wh.read("calls"))
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert runs[0]["id"].tolist() == [1, 9, 3, 5, 5, 3, 9, 1]


def test_data_and_quarantine_are_committed_together(make_warehouse):
    wh = make_warehouse()
    con = duckdb.connect()
    quarantine = pa.table({"line": [7], "reason": ["bad"]})
    wh.write_partition_with_quarantine("calls", DAY, con, "SELECT 1 AS id", quarantine)
    assert wh.read("calls")["id"].tolist() == [1]
    assert wh.read("quarantine_calls")["reason"].tolist() == ["bad"]
    assert wh.repair() == []
    assert sorted(wh.tables()) == ["calls", "quarantine_calls"]


def test_a_quarantine_commit_cut_off_is_read_from_the_data_commit_and_repaired(
    make_warehouse, monkeypatch
):
    wh = make_warehouse()
    con = duckdb.connect()
    wh.write_partition_with_quarantine("calls", DAY, con, "SELECT 1 AS id", pa.table({"g": [1]}))
    commit = Warehouse._commit_rewrite

    def killed_before_the_quarantine_commit(self, table, *args, **kwargs):
        if table.startswith("quarantine_"):
            raise SystemExit("killed")
        return commit(self, table, *args, **kwargs)

    monkeypatch.setattr(Warehouse, "_commit_rewrite", killed_before_the_quarantine_commit)
    with pytest.raises(SystemExit):
        wh.write_partition_with_quarantine(
            "calls", DAY, con, "SELECT 2 AS id", pa.table({"g": [2, 2]})
        )
    monkeypatch.setattr(Warehouse, "_commit_rewrite", commit)
    assert wh.read("calls")["id"].tolist() == [2]
    assert wh.read("quarantine_calls")["g"].tolist() == [2, 2]  # the data commit decided
    assert wh.count("quarantine_calls") == 2
    assert wh.repair() == [("quarantine_calls", DAY)]
    assert wh.repair() == []
    assert wh.snapshot("quarantine_calls").files() == wh.snapshot("calls").files()
    assert wh.read("quarantine_calls")["g"].tolist() == [2, 2]


def test_a_written_day_gets_its_own_metadata_in_the_footer(make_warehouse):
    wh = make_warehouse()
    con = duckdb.connect()
    path = wh.write_partition_query(
        "monthly", DAY, con, "SELECT 1 AS a", options="KV_METADATA {built_from: 'x'}"
    )
    assert path == wh.partition_path("monthly", DAY)
    assert pq.read_metadata(path).metadata[b"built_from"] == b"x"


def test_columns_added_over_time_and_odd_types_are_kept(make_warehouse):
    wh = make_warehouse()
    wh.write_partition("calls", DAY, pd.DataFrame({"id": [1]}))
    wh.write_partition(
        "calls",
        NEXT,
        pa.table(
            {
                "id": pa.array([2], pa.uint32()),
                "nothing": pa.array([None], pa.null()),
                "when": pa.array([1], pa.timestamp("ns")),
            }
        ),
    )
    frame = wh.read("calls")
    assert frame["id"].tolist() == [1, 2]
    assert frame["nothing"].isna().all()


def test_table_names_are_checked(make_warehouse):
    with pytest.raises(ValueError, match="invalid warehouse table name"):
        make_warehouse().write_partition("../etc", DAY, pd.DataFrame({"a": [1]}))


def test_a_table_of_the_previous_layout_is_read_and_kept_by_its_first_write(tmp_path):
    legacy = tmp_path / "wh" / "calls"
    for day, ids in ((DAY, [1, 2]), (NEXT, [3])):
        folder = legacy / f"date={day.isoformat()}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"id": ids}), folder / "part.parquet")
    wh = Warehouse(tmp_path / "wh")
    assert wh.partitions("calls") == [DAY, NEXT]
    assert wh.count("calls") == 3
    wh.write_partition("calls", NEXT, pd.DataFrame({"id": [4, 5]}))
    assert (legacy / "_delta_log").is_dir()
    assert wh.read("calls")["id"].tolist() == [1, 2, 4, 5]


def test_the_log_is_a_delta_table_other_engines_read(make_warehouse):
    from deltalake import DeltaTable

    wh = make_warehouse()
    wh.write_partition("calls", DAY, pd.DataFrame({"id": [1, 2]}))
    wh.append("calls", NEXT, pd.DataFrame({"id": [3]}))
    table = DeltaTable(wh.storage.uri("calls"), storage_options=wh.storage.options)
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == [1, 2, 3]
    assert table.metadata().partition_columns == ["date"]
    operations = [entry.get("callscope.operation") for entry in table.history()]
    assert operations[:2] == ["append", "rewrite"]
    assert json.loads(table.history()[0]["operationParameters"]["partitionBy"]) == ["date"]


def test_the_upkeep_job_compacts_and_keeps_what_readers_may_use(tmp_path):
    from pipelines.resources import WarehouseResource
    from pipelines.schedules import warehouse_upkeep_job

    wh = Warehouse(tmp_path / "wh")
    wh.append("calls", DAY, pd.DataFrame({"id": [1]}))
    wh.append("calls", DAY, pd.DataFrame({"id": [2]}))
    result = warehouse_upkeep_job.execute_in_process(
        resources={"warehouse": WarehouseResource(root=str(tmp_path / "wh"))}
    )
    assert result.success
    assert result.output_for_node("warehouse_upkeep")["compacted"] == {"calls": ["2026-05-01"]}
    assert len(_stored_files(wh, "calls")) == 3  # replaced files stay for the window
    assert wh.read("calls")["id"].tolist() == [1, 2]

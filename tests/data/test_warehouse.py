import datetime as dt
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 1)


def test_partitions_are_written_read_and_listed(tmp_path):
    wh = Warehouse(tmp_path)
    wh.write_partition("calls", DAY, pd.DataFrame({"id": [1, 2]}))
    wh.write_partition("calls", DAY + dt.timedelta(days=1), pd.DataFrame({"id": [3]}))
    assert wh.partitions("calls") == [DAY, DAY + dt.timedelta(days=1)]
    assert wh.tables() == ["calls"]
    assert wh.read("calls", start=DAY, end=DAY)["id"].tolist() == [1, 2]
    assert wh.read("calls")["date"].astype(str).tolist() == [
        "2026-05-01",
        "2026-05-01",
        "2026-05-02",
    ]
    assert wh.connect().execute("SELECT sum(id) FROM calls").fetchone()[0] == 6


def test_rewriting_a_partition_replaces_it_and_never_duplicates(tmp_path):
    wh = Warehouse(tmp_path)
    frame = pd.DataFrame({"id": [1, 2, 3], "text": ["а", "б", "в"]})
    wh.write_partition("calls", DAY, frame)
    first = wh.read("calls")
    wh.write_partition("calls", DAY, frame)
    pd.testing.assert_frame_equal(first, wh.read("calls"))
    wh.write_partition("calls", DAY, frame.head(1))
    assert wh.count("calls") == 1


def test_empty_partition_differs_from_never_written(tmp_path):
    wh = Warehouse(tmp_path)
    assert not wh.has_table("calls")
    wh.write_partition("calls", DAY, pd.DataFrame({"id": pd.Series([], dtype="int64")}))
    assert wh.partitions("calls") == [DAY]
    assert wh.count("calls") == 0


def test_table_names_are_checked(tmp_path):
    with pytest.raises(ValueError):
        Warehouse(tmp_path).write_partition("../etc", DAY, pd.DataFrame({"a": [1]}))


WRITER = textwrap.dedent(
    """
    import sys, pathlib, pandas as pd
    from data.warehouse import Warehouse
    wh = Warehouse(sys.argv[1])
    n = int(sys.argv[2])
    generation = 1
    while True:
        wh.write_partition("calls", "2026-05-01", pd.DataFrame({"generation": [generation] * n}))
        pathlib.Path(sys.argv[3]).write_text(str(generation))
        generation += 1
    """
)


def _start_writer(tmp_path, rows=400_000):
    marker = tmp_path / "written"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "wh"), str(rows), str(marker)]
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "writer never finished a partition"
    return proc


def test_a_killed_writer_leaves_the_previous_partition_intact(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    proc = _start_writer(tmp_path)
    time.sleep(0.3)  # well inside the next write of a 400k-row partition
    proc.kill()
    proc.wait()
    frame = wh.read("calls")
    assert len(frame) == 400_000
    assert frame["generation"].nunique() == 1  # one whole generation, never a mix or a torn file


def test_readers_never_block_or_break_while_a_writer_rewrites(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    proc = _start_writer(tmp_path, rows=50_000)
    try:
        for _ in range(40):
            con = wh.connect()
            total, generations = con.execute(
                "SELECT count(*), count(DISTINCT generation) FROM calls"
            ).fetchone()
            con.close()
            assert (total, generations) == (50_000, 1)
    finally:
        proc.kill()
        proc.wait()

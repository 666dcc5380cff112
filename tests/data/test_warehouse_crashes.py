"""Writers killed with SIGKILL at random points, and readers against 20 rewrites a second.

A helper process imports the warehouse once and forks a fresh writer for every round, so a
round costs a fork, not an interpreter start."""

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 1)
LIVE = dt.date(2026, 5, 2)
ROWS, QUARANTINED, BATCH = 5_000, 37, 10

WRITER_SERVER = textwrap.dedent(
    """
    import os, sys, time
    import duckdb, pyarrow as pa
    from data.warehouse import Warehouse

    ROWS, QUARANTINED, BATCH = {rows}, {quarantined}, {batch}

    def write_forever(root, pace):
        wh = Warehouse(root)
        con = duckdb.connect()
        generation = int(time.time_ns() // 1000)
        step = 0
        while True:
            began = time.monotonic()
            generation += 1
            step += 1
            quarantine = pa.table({{"generation": [generation] * QUARANTINED}})
            wh.write_partition_with_quarantine(
                "calls", "2026-05-01", con,
                f"SELECT {{generation}} AS generation, range AS id FROM range({{ROWS}})",
                quarantine,
            )
            if pace and step % 4:
                time.sleep(max(0.0, pace - (time.monotonic() - began)))
                continue  # paced: appends every fourth round
            ids = wh.read("live", columns=["id"])["id"]
            batch = int(ids.max()) // BATCH + 1 if len(ids) else 0
            fresh = list(range(batch * BATCH, batch * BATCH + BATCH))
            again = list(range(max(0, batch - 1) * BATCH, batch * BATCH))  # merge path
            wh.append("live", "2026-05-02", pa.table({{"id": again + fresh}}))
            if step % 5 == 0:
                wh.compact("live")
            if pace:  # one round per ``pace`` seconds when the machine keeps up
                time.sleep(max(0.0, pace - (time.monotonic() - began)))

    for line in sys.stdin:
        command, *args = line.split()
        if command == "fork":
            pid = os.fork()
            if pid == 0:
                try:
                    write_forever(args[0], float(args[1]))
                finally:
                    os._exit(1)
            print(pid, flush=True)
        elif command == "reap":
            os.waitpid(int(args[0]), 0)
            print("reaped", flush=True)
    """
).format(rows=ROWS, quarantined=QUARANTINED, batch=BATCH)


class Writers:
    def __init__(self, root):
        self.root = str(root)
        self.server = subprocess.Popen(
            [sys.executable, "-c", WRITER_SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self, pace: float = 0.0) -> int:
        self.server.stdin.write(f"fork {self.root} {pace}\n")
        self.server.stdin.flush()
        return int(self.server.stdout.readline())

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        self.server.stdin.write(f"reap {pid}\n")
        self.server.stdin.flush()
        assert self.server.stdout.readline().strip() == "reaped"

    def close(self) -> None:
        self.server.kill()
        self.server.wait()


@pytest.fixture
def writers(tmp_path):
    pool = Writers(tmp_path / "wh")
    yield pool
    pool.close()


def _wait_for_first_commit(wh: Warehouse) -> None:
    deadline = time.monotonic() + 60
    while not (wh.has_table("calls") and wh.has_table("live")):
        assert time.monotonic() < deadline, "the writer never committed"
        time.sleep(0.05)


def _consistent(con) -> tuple[int, int]:
    """Checks one snapshot: returns (data generation, live rows)."""
    rows, lo, hi, ids = con.execute(
        "SELECT count(*), min(generation), max(generation), count(DISTINCT id) FROM calls"
    ).fetchone()
    assert (rows, ids) == (ROWS, ROWS)
    assert lo == hi
    q_rows, q_lo, q_hi = con.execute(
        "SELECT count(*), min(generation), max(generation) FROM quarantine_calls"
    ).fetchone()
    assert (q_rows, q_lo, q_hi) == (QUARANTINED, lo, lo)  # its quarantine, never another's
    live, distinct, top = con.execute(
        "SELECT count(*), count(DISTINCT id), max(id) FROM live"
    ).fetchone()
    assert live == distinct == top + 1  # appended batches: none lost, none doubled
    return lo, live


@pytest.mark.slow
def test_a_writer_killed_at_random_points_loses_and_doubles_nothing(tmp_path, writers):
    wh = Warehouse(tmp_path / "wh")
    rng = random.Random(19)
    generation, live = 0, 0
    for _ in range(15):
        pid = writers.start()
        if generation == 0:
            _wait_for_first_commit(wh)
        time.sleep(rng.uniform(0.0, 0.4))
        writers.kill(pid)
        with wh.connect(["calls", "quarantine_calls", "live"]) as con:
            now_generation, now_live = _consistent(con)
        assert now_generation >= generation
        assert now_live >= live
        generation, live = now_generation, now_live
    assert wh.read("live")["id"].tolist() == list(range(live))  # and in write order
    wh.vacuum(dt.timedelta(0))
    for table in ("calls", "quarantine_calls", "live"):
        on_disk = {
            str(p.relative_to(wh.table_dir(table)))
            for p in wh.table_dir(table).rglob("*")
            if p.is_file() and "_delta_log" not in p.parts and p.name != ".writer.lock"
        }
        assert on_disk == set(wh.snapshot(table).files()), table  # no orphan or temp file


@pytest.mark.slow
def test_readers_never_fail_while_a_day_is_rewritten_up_to_twenty_times_a_second(tmp_path, writers):
    wh = Warehouse(tmp_path / "wh")
    pid = writers.start(pace=0.05)
    failures, reads, generations = [], [0], set()
    done = threading.Event()
    try:
        _wait_for_first_commit(wh)
        start_version = wh.snapshot("calls").version

        def read() -> None:
            while not done.is_set():
                try:
                    with wh.connect(["calls", "quarantine_calls", "live"]) as con:
                        generations.add(_consistent(con)[0])
                    assert wh.count("calls", DAY, DAY) == ROWS
                    reads[0] += 1
                except Exception as error:  # noqa: BLE001 - every failure counts, whatever its kind
                    failures.append(repr(error))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        # the readers run until the writer has rewritten the day 20 times (at up to 20 a second),
        # however slowly a busy machine lets it; the cap only ends a stalled writer's run
        cap = time.monotonic() + 180.0
        while time.monotonic() < cap:
            if wh.snapshot("calls").version - start_version >= 20 and reads[0] > 20:
                break
            time.sleep(0.1)
        done.set()
        for thread in threads:
            thread.join()
        rewrites = wh.snapshot("calls").version - start_version
    finally:
        done.set()
        writers.kill(pid)
    assert failures == []
    assert rewrites >= 20, f"the writer stalled: {rewrites} rewrites in 180 s"
    assert reads[0] > 20
    assert len(generations) > 5

"""Writers killed with SIGKILL at random points, and readers against 20 rewrites a second, on
a local folder and on an S3 bucket (moto's server on loopback).

A helper process imports the warehouse once and forks a fresh writer for every round, so a
round costs a fork, not an interpreter start."""

import datetime as dt
import json
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
    import json, os, sys, time
    import duckdb, pyarrow as pa
    from data.warehouse import Warehouse

    PLACE = json.loads(os.environ["WAREHOUSE_UNDER_TEST"])

    ROWS, QUARANTINED, BATCH = {rows}, {quarantined}, {batch}

    def write_forever(root, pace):
        wh = Warehouse(root, PLACE["options"], PLACE["cache_dir"])
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
    def __init__(self, root, options=None, cache_dir=None):
        self.root = str(root)
        place = {"options": options, "cache_dir": cache_dir and str(cache_dir)}
        self.server = subprocess.Popen(
            [sys.executable, "-c", WRITER_SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "WAREHOUSE_UNDER_TEST": json.dumps(place)},
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


@pytest.fixture(params=["local", "s3"])
def place(request, tmp_path):
    """Where the warehouse under test lives: (root, storage options)."""
    if request.param == "local":
        return str(tmp_path / "wh"), None
    options, bucket, prefix = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/{prefix}/wh", options


@pytest.fixture
def reader_warehouse(place, tmp_path):
    root, options = place
    return Warehouse(root, options, tmp_path / "reader-cache" if options else None)


@pytest.fixture
def writers(place, tmp_path):
    root, options = place
    pool = Writers(root, options, tmp_path / "writer-cache" if options else None)
    yield pool
    pool.close()


def _stored_files(wh: Warehouse, table: str, options: dict | None) -> set[str]:
    """Data files the table's storage holds (not its log), relative to the table."""
    if options is None:
        base = wh.table_dir(table)
        return {
            str(p.relative_to(base))
            for p in base.rglob("*")
            if p.is_file() and "_delta_log" not in p.parts and p.name != ".writer.lock"
        }
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=options["AWS_ENDPOINT_URL"],
        region_name=options["AWS_REGION"],
        aws_access_key_id=options["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=options["AWS_SECRET_ACCESS_KEY"],
    )
    bucket, _, key = wh.storage.uri(table).removeprefix("s3://").partition("/")
    prefix = key.rstrip("/") + "/"
    found = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            rel = item["Key"].removeprefix(prefix)
            if not rel.startswith("_delta_log/") and not rel.endswith(".writer.lock"):
                found.add(rel)
    return found


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
def test_a_writer_killed_at_random_points_loses_and_doubles_nothing(
    reader_warehouse, writers, place
):
    wh = reader_warehouse
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
        stored = _stored_files(wh, table, place[1])
        assert stored == set(wh.snapshot(table).files()), table  # no orphan or temp file


@pytest.mark.slow
def test_readers_never_fail_while_a_day_is_rewritten_up_to_twenty_times_a_second(
    reader_warehouse, writers
):
    wh = reader_warehouse
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

"""The live sink merges micro-batches by key: re-runs never duplicate, replaced keys go."""

import datetime as dt
import threading

import pandas as pd

from data.live import sink
from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 4)


def test_rows_merge_by_key_and_replaced_keys_lose_their_old_rows(tmp_path):
    wh = Warehouse(tmp_path)
    first = pd.DataFrame({"communication_id": ["call:1", "call:1", "call:2"],
                          "tag": ["a", "b", "a"], "probability": [1.0, 1.0, 0.5]})  # fmt: skip
    assert sink.append(wh, "tags", DAY, first, "communication_id") == 3
    sink.append(wh, "tags", DAY, first, "communication_id")  # the same batch again
    assert len(wh.read("tags")) == 3
    # call:1 re-tagged with one tag, call:3 is new, call:2 lost every tag
    second = pd.DataFrame({"communication_id": ["call:1", "call:3"], "tag": ["c", "a"],
                           "probability": [0.9, 1.0]})  # fmt: skip
    sink.append(wh, "tags", DAY, second, "communication_id", replace=["call:2"])
    rows = sorted(map(tuple, wh.read("tags")[["communication_id", "tag"]].values.tolist()))
    assert rows == [("call:1", "c"), ("call:3", "a")]


def test_two_column_keys_and_new_columns(tmp_path):
    wh = Warehouse(tmp_path)
    sink.append(wh, "q", DAY, pd.DataFrame({"f": ["x", "x"], "p": ["1", "2"]}), ("f", "p"))
    sink.append(wh, "q", DAY, pd.DataFrame({"f": ["x"], "p": ["2"], "reason": ["r"]}), ("f", "p"))
    frame = wh.read("q").sort_values("p")
    assert frame["p"].tolist() == ["1", "2"]
    assert frame["reason"].isna().tolist() == [True, False]


def test_concurrent_appends_lose_nothing(tmp_path):
    wh = Warehouse(tmp_path)

    def write(start):
        for i in range(start, start + 20):
            sink.append(wh, "calls", DAY, pd.DataFrame({"id": [i], "n": [i]}), "id")

    threads = [threading.Thread(target=write, args=(s,)) for s in (0, 100, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wh.read("calls")["id"]) == [*range(20), *range(100, 120), *range(200, 220)]

"""A recording id from the input is an id, never a path: rows naming a path are quarantined."""

import datetime as dt
import json

from data.ingest.landing import ingest_files
from data.recordings import is_recording_id
from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 1)


def _call(call_id, records):
    return {
        "id": call_id,
        "start_time": "2026-05-01 10:00:00",
        "is_lost": False,
        "site_id": 1,
        "talk_duration": 10,
        "total_duration": 12,
        "call_records": records,
    }


def test_recording_ids_are_names_not_paths():
    for good in ("rec-1", "5c2d4e7f0a", "a.b_c-1", "A" * 200):
        assert is_recording_id(good), good
    for bad in ("../../x", "..", ".hidden", "/etc/passwd", "a/b", "a\\b", "C:x", "", "a\x00b"):
        assert not is_recording_id(bad), bad
    assert not is_recording_id(None)
    assert not is_recording_id(5)


def test_rows_whose_recording_is_a_path_go_to_quarantine(tmp_path):
    rows = [
        _call(1, ["rec-1"]),
        _call(2, ["../../x"]),
        _call(3, ["rec-3", "/etc/passwd"]),
        _call(4, []),
        _call(5, ["sub/dir"]),
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [path])
    assert (result.accepted, result.quarantined) == (2, 3)
    assert sorted(wh.read("calls")["id"]) == [1, 4]
    quarantine = wh.read("quarantine_calls")
    assert sorted(quarantine["line"]) == [2, 3, 5]
    assert all(
        "call_records: a recording id is an id, not a path" in r for r in quarantine["reason"]
    )

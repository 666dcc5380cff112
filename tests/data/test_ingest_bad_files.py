"""Files ingest cannot read are an InputError naming file and line; lines it cannot read are
quarantined with their reason, and the good lines beside them still load."""

import datetime as dt

import pytest

from data.errors import InputError
from data.ingest.landing import ingest_files
from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 1)
GOOD = (
    b'{"id": 1, "start_time": "2026-05-01 10:00:00", "is_lost": false, "site_id": 1,'
    b' "talk_duration": 1, "total_duration": 2}\n'
)


def test_unreadable_lines_are_quarantined_and_good_ones_load(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(
        GOOD + b'{"id": "\xff\xfe"}\n' + b"[" * 5000 + b"\n" + b'{"id": ' + b"9" * 5001 + b"}\n"
    )
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [path])
    assert (result.accepted, result.quarantined) == (1, 3)
    reasons = dict(zip(*(wh.read("quarantine_calls")[c] for c in ("line", "reason")), strict=True))
    assert reasons[2].startswith("not UTF-8 text")
    assert reasons[3] == "invalid JSON: nested too deeply"
    assert reasons[4] == "field id: number too long (5001 digits)"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("calls.csv", b"id,start_time\n\x00\x01\n", "calls.csv:2: binary data"),
        ("calls.csv", b"", "calls.csv:1: empty file"),
        ("calls.csv", b"foo,bar\n1,2\n", "calls.csv:1: the header names no field of table calls"),
        ("calls.csv", b"id,id\n1,2\n", "calls.csv:1: field id: named twice in the header"),
        ("calls.parquet", b"PAR1 not really PAR1", "calls.parquet: unreadable Parquet"),
        ("calls.json", b"{}", "unsupported file type '.json'"),
    ],
)
def test_a_file_that_cannot_be_read_names_file_and_line(tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as error:
        ingest_files(Warehouse(tmp_path / "wh"), "calls", DAY, [path])
    assert expected in str(error.value)

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.ingest.landing import ingest_day, ingest_files, landing_files
from data.warehouse import Warehouse

DAY = dt.date(2026, 5, 1)
HEADER = (
    "id;start_time;finish_time;is_lost;site_id;talk_duration;total_duration;contact_phone_number"
)
GOOD = [
    "1;2026-05-01 10:00:00;2026-05-01 10:05:00;false;1;200;300;+7 (495) 123-45-67",
    "2;2026-05-01 11:00:00;;true;1;0;20;89161234567",
]


def _write(path, lines, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _reasons(wh, table="calls"):
    frame = wh.read(f"quarantine_{table}")
    return dict(zip(frame["line"], frame["reason"], strict=True))


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_in_either_encoding_and_delimiter_loads(tmp_path, encoding, delimiter):
    lines = [HEADER, *GOOD, "3;2026-05-01 12:00:00;;false;1;10;20;Иван Петров"]
    path = _write(
        tmp_path / "calls.csv", [line.replace(";", delimiter) for line in lines], encoding
    )
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [path], known_site_ids=[1])
    assert (result.rows_in, result.accepted, result.quarantined) == (3, 3, 0)
    frame = wh.read("calls")
    assert frame["contact_phone_number"].tolist()[2] == "Иван Петров"
    assert frame["start_time"].dtype.kind == "M"
    assert frame["is_lost"].tolist() == [False, True, False]


def test_every_bad_row_lands_in_quarantine_with_its_reason_and_counts_reconcile(tmp_path):
    lines = [
        HEADER,
        *GOOD,  # lines 2, 3
        "3;2026-05-01 12:00:00;2026-05-01 11:00:00;false;1;10;20;x",  # 4: finish before start
        "4;yesterday;;false;1;10;20;x",  # 5: wrong type
        "5;2026-05-01 12:00:00;;false;77;10;20;x",  # 6: unknown site
        ";2026-05-01 12:00:00;;false;1;10;20;x",  # 7: missing id
        "6;2026-05-01 12:00:00;;false;1;-5;20;x",  # 8: negative duration
        "7;2026-05-01 12:00:00;;false;1;10;20;x;extra",  # 9: too many columns
        "8;2026-05-02 12:00:00;;false;1;10;20;x",  # 10: another day
        "9;2099-05-01 12:00:00;;false;1;10;20;x",  # 11: future
        "10;2026-05-01 12:00:00;;maybe;1;10;20;x",  # 12: not a bool
    ]
    path = _write(tmp_path / "calls.csv", lines)
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [path], known_site_ids=[1])
    assert result.reconciles
    assert (result.rows_in, result.accepted, result.quarantined) == (11, 2, 9)
    reasons = _reasons(wh)
    assert "finish_time before start_time" in reasons[4]
    assert "field start_time: wrong type" in reasons[5]
    assert reasons[6] == "unknown site 77"
    assert "missing field id" in reasons[7]
    assert "talk_duration: -5 is below 0" in reasons[8]
    assert reasons[9].startswith("unparseable CSV line")
    assert "outside partition 2026-05-01" in reasons[10]
    assert "in the future" in reasons[11]
    assert "is_lost: wrong type" in reasons[12]
    payload = json.loads(wh.read("quarantine_calls").set_index("line").loc[6, "payload"])
    assert payload["site_id"] == "77"


def test_an_unterminated_quote_quarantines_every_line_it_swallows(tmp_path):
    lines = [HEADER, GOOD[0], '7;"2026-05-01 12:00:00;;false;1', GOOD[1], GOOD[1]]
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [_write(tmp_path / "calls.csv", lines)])
    assert (result.rows_in, result.accepted, result.quarantined) == (4, 1, 3)
    reasons = _reasons(wh)
    assert "unterminated quote" in reasons[3]
    assert (
        reasons[4]
        == reasons[5]
        == "unparseable CSV line: inside an unterminated quote opened on line 3"
    )
    assert wh.read("quarantine_calls").set_index("line").loc[5, "payload"] == GOOD[1]


def test_a_repeated_id_is_merged_and_the_last_version_wins(tmp_path):
    first = _write(tmp_path / "a" / "calls.csv", [HEADER, *GOOD])
    second = _write(
        tmp_path / "b" / "calls.csv", [HEADER, "2;2026-05-01 11:00:00;;false;1;50;70;89161234567"]
    )
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [first, second])
    assert (result.accepted, result.merged, result.written) == (3, 1, 2)
    frame = wh.read("calls").set_index("id")
    assert frame.loc[2, "total_duration"] == 70


def test_jsonl_with_an_invalid_line_and_nested_fields(tmp_path):
    rows = [
        json.dumps(
            {
                "id": 1,
                "start_time": "2026-05-01 10:00:00",
                "is_lost": False,
                "site_id": 1,
                "talk_duration": 10,
                "total_duration": 12,
                "employee_ids": [5, 6],
                "call_records": ["rec-1"],
                "employees": [{"employee_id": 5}],
            }
        ),
        "{not json",
        json.dumps(
            {
                "id": 2,
                "start_time": "2026-05-01 11:00:00",
                "is_lost": True,
                "site_id": 1,
                "talk_duration": 0,
                "total_duration": 12,
                "employee_ids": "five",
            }
        ),
    ]
    path = _write(tmp_path / "calls.jsonl", rows)
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "calls", DAY, [path])
    assert (result.rows_in, result.accepted, result.quarantined) == (3, 1, 2)
    frame = wh.read("calls")
    assert list(frame.loc[0, "employee_ids"]) == [5, 6]
    assert json.loads(frame.loc[0, "employees"]) == [{"employee_id": 5}]
    reasons = _reasons(wh)
    assert reasons[2].startswith("invalid JSON")
    assert "employee_ids: wrong type" in reasons[3]


def test_parquet_loads_with_native_types(tmp_path):
    path = tmp_path / "costs.parquet"
    pq.write_table(
        pa.table(
            {
                "date": pa.array([DAY, DAY]),
                "campaign_id": [10, 11],
                "site_id": [1, 1],
                "cost_sum": [100.5, -3.0],
            }
        ),
        path,
    )
    wh = Warehouse(tmp_path / "wh")
    result = ingest_files(wh, "ad_costs", DAY, [path])
    assert (result.accepted, result.quarantined) == (1, 1)
    assert "cost_sum: -3.0 is below 0" in _reasons(wh, "ad_costs")[2]


def test_reingesting_a_day_gives_identical_tables(tmp_path):
    landing = tmp_path / "landing"
    _write(landing / "calls" / DAY.isoformat() / "export.csv", [HEADER, *GOOD, "bad;line"])
    wh = Warehouse(tmp_path / "wh")
    assert landing_files(landing, "calls", DAY)
    ingest_day(wh, landing, "calls", DAY)
    first, first_q = wh.read("calls"), wh.read("quarantine_calls")
    ingest_day(wh, landing, "calls", DAY)
    pd.testing.assert_frame_equal(first, wh.read("calls"))
    pd.testing.assert_frame_equal(first_q, wh.read("quarantine_calls"))


def test_line_numbers_stay_right_past_many_rejected_lines(tmp_path, monkeypatch):
    import data.ingest.sources as sources

    lines = [HEADER]
    for i in range(1, 41):
        lines.append(f"{i};2026-05-01 10:00:00;;false;1;1;2;x" + (";extra" if i % 3 == 0 else ""))
    path = _write(tmp_path / "calls.csv", lines)
    for limit in (512, 4):  # the scalar path and the join path
        monkeypatch.setattr(sources, "SCALAR_SHIFT_LIMIT", limit)
        wh = Warehouse(tmp_path / f"wh{limit}")
        result = ingest_files(wh, "calls", DAY, [path])
        assert (result.accepted, result.quarantined) == (27, 13)
        assert sorted(_reasons(wh)) == [i + 1 for i in range(1, 41) if i % 3 == 0]
        assert wh.read("calls")["id"].tolist() == [i for i in range(1, 41) if i % 3]

"""Input that yields no rows never replaces a day that has rows by accident."""

import datetime as dt

import pytest
from typer.testing import CliRunner

from data.errors import InputError
from data.ingest.landing import EMPTY_MARKER, ingest_day, ingest_files
from data.warehouse import Warehouse
from pipelines.cli.main import app

DAY = dt.date(2026, 5, 1)
HEADER = "id;start_time;is_lost;site_id;talk_duration;total_duration"
GOOD = [HEADER, "1;2026-05-01 10:00:00;false;1;200;300", "2;2026-05-01 11:00:00;true;1;0;20"]


def _file(path, text: str | bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _good_day(tmp_path) -> Warehouse:
    wh = Warehouse(tmp_path / "wh")
    ingest_files(wh, "calls", DAY, [_file(tmp_path / "good.csv", "\n".join(GOOD) + "\n")])
    assert wh.count("calls") == 2
    return wh


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("header_only.csv", HEADER + "\n", "keeps its 2 rows"),
        ("all_bad.csv", HEADER + "\nx;not a time;maybe;1;-1;2\n", "keeps its 2 rows"),
        ("binary.jsonl", b"\x00\x01\x02\xff\xfe garbage\n", "binary data"),
    ],
)
def test_input_without_rows_keeps_a_day_that_has_rows(tmp_path, name, content, reason):
    wh = _good_day(tmp_path)
    before = (wh.snapshot("calls").version, wh.read("quarantine_calls"))
    with pytest.raises(InputError, match=reason):
        ingest_files(wh, "calls", DAY, [_file(tmp_path / name, content)])
    assert wh.snapshot("calls").version == before[0]
    assert wh.count("calls") == 2
    assert wh.read("quarantine_calls").equals(before[1])


def test_allow_empty_or_a_source_that_states_the_day_is_empty_replaces_it(tmp_path):
    wh = _good_day(tmp_path)
    ingest_files(wh, "calls", DAY, [_file(tmp_path / "h.csv", HEADER + "\n")], allow_empty=True)
    assert wh.partitions("calls") == [DAY]
    assert wh.count("calls") == 0

    wh = _good_day(tmp_path / "again")
    landing = tmp_path / "landing"
    _file(landing / "calls" / DAY.isoformat() / "calls.csv", HEADER + "\n")
    with pytest.raises(InputError):
        ingest_day(wh, landing, "calls", DAY)
    _file(landing / "calls" / DAY.isoformat() / EMPTY_MARKER, "")
    assert ingest_day(wh, landing, "calls", DAY).accepted == 0
    assert wh.count("calls") == 0


def test_an_empty_first_run_writes_the_empty_day(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    ingest_files(wh, "calls", DAY, [_file(tmp_path / "h.csv", HEADER + "\n")])
    assert wh.partitions("calls") == [DAY]
    assert wh.count("calls") == 0


def test_ingest_command_exits_2_naming_the_file_and_takes_allow_empty(tmp_path, callscope_home):
    runner = CliRunner()
    good = _file(tmp_path / "good.csv", "\n".join(GOOD) + "\n")
    empty = _file(tmp_path / "empty.csv", HEADER + "\n")
    args = ["--date", DAY.isoformat(), "--table", "calls"]
    assert runner.invoke(app, ["ingest", str(good), *args]).exit_code == 0
    result = runner.invoke(app, ["ingest", str(empty), *args])
    assert result.exit_code == 2
    assert str(empty) in result.stderr
    assert "keeps its 2 rows" in result.stderr
    assert Warehouse(callscope_home / "warehouse").count("calls") == 2
    assert runner.invoke(app, ["ingest", str(empty), *args, "--allow-empty"]).exit_code == 0
    assert Warehouse(callscope_home / "warehouse").count("calls") == 0

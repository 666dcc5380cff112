"""Every file-reading command fed garbage: it answers exit 0, or exit 2 with one line naming
the file (or the option) on stderr, and never a traceback.

Inputs come from a fixed corpus of nasty files (encodings, binary data, empty files, absurd
headers, deep nesting, over-long numbers) and from hypothesis strategies for raw bytes, text in
several encodings, JSON lines with the commands' own field names, CSV and Parquet."""

import io
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from data.contracts import contract_for
from pipelines.cli.main import app

runner = CliRunner()
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


GOOD_PARQUET = _parquet(pa.table({"id": [1, 2], "start_time": ["2026-05-01 10:00:00"] * 2}))
NASTY = {
    "empty": b"",
    "only_newlines": b"\n\n\r\n",
    "bom_only": b"\xef\xbb\xbf",
    "utf16": "id,start_time\n1,2026-05-01 10:00:00\n".encode("utf-16"),
    "utf16_json": '{"id": 1}\n'.encode("utf-16"),
    "binary": bytes(range(256)) * 8,
    "nul_in_middle": b'{"id": 1}\n{"id": \x00 2}\n',
    "cp1251_json": '{"id": "x", "text": "привет"}\n'.encode("cp1251"),
    "invalid_utf8_late": b'{"id": 1}\n' * 3 + b'{"id": "\xff\xfe"}\n',
    "blank_header": b"\n1,2\n",
    "megabyte_header": b"a" * (1 << 20) + b"\n1\n",
    "megabyte_line": b'{"id": "' + b"x" * (1 << 20) + b'"}\n',
    "deep_list": b"[" * 100_000 + b"\n",
    "deep_object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n",
    "long_id": b'{"id": ' + b"9" * 5001 + b', "communication_type": "call", "turns": []}\n',
    "long_float": b'{"id": 1e999999, "start_time": "2026-05-01 10:00:00"}\n',
    "json_document": b'[{"id": 1}]',
    "json_scalar": b"42\n",
    "lone_quote_csv": b'id,start_time\n"1,2026-05-01\n',
    "repeated_header": b"id,id\n1,2\n",
    "nameless_column": b"id,,start_time\n1,2,3\n",
    "crlf_csv": b"id,start_time\r\n1,2026-05-01 10:00:00\r\n",
    "truncated_parquet": GOOD_PARQUET[: len(GOOD_PARQUET) // 2],
    "parquet_magic_only": b"PAR1PAR1PAR1",
    "zero_row_parquet": _parquet(pa.table({"id": pa.array([], pa.int64())})),
    "parquet_wrong_types": _parquet(
        pa.table(
            {
                "id": ["x", "9" * 40],
                "start_time": [1, 2],
                "is_lost": [[1], [2]],
                "employees": [{"a": 1}, {"a": 2}],
                "call_records": ["../../x", "a"],
            }
        )
    ),
    "parquet_far_dates": _parquet(
        pa.table({"id": [1], "start_time": ["9999-12-31 23:59:59"], "site_id": ["0001-01-01"]})
    ),
}


def check(args: list[str], files: list[Path]):
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception, limit=-6))
        pytest.fail(f"{args}: {trace[-3000:]}")
    assert result.exit_code in (0, 2), (args, result.exit_code, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, (args, result.stderr[-2000:])
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (args, result.stderr[-2000:])
        assert lines[0].startswith("error: "), lines[0]
        named = [str(f) for f in files] + [a for a in map(str, args) if a.startswith("--")]
        if named:
            assert any(name in lines[0] for name in named), (args, lines[0][:300])
    return result


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


EMPTY_RULES = b"[]"
GOOD_COMMUNICATION = b'{"id": 1, "communication_type": "offline_message", "text": "a"}\n'
AUTOTAG_RULES = json.dumps(
    [
        {
            "tag": "t",
            "rules": [{"id": "r1", "conditions": [{"op": "contains_any", "keywords": ["да"]}]}],
        }
    ]
).encode()
TRAIN = b'{"id": 1, "text": "a", "tags": ["x"]}\n{"id": 2, "text": "b", "tags": []}\n'


def commands(folder: Path, data: bytes) -> list[tuple[list, list[Path]]]:
    """Each command with ``data`` in each of its file slots (the other slots hold good files)."""
    rules = _write(folder, "rules.json", AUTOTAG_RULES)
    empty_rules = _write(folder, "empty_rules.json", EMPTY_RULES)
    nothing = _write(folder, "nothing.jsonl", b"")
    train = _write(folder, "train.jsonl", TRAIN)
    runs = []
    for suffix in (".csv", ".jsonl", ".parquet", ".json"):
        bad = _write(folder, f"calls{suffix}", data)
        runs.append((["ingest", bad, "--date", "2026-05-01", "--table", "calls"], [bad]))
    bad_json = _write(folder, "bad.json", data)
    bad_jsonl = _write(folder, "bad.jsonl", data)
    bad_csv = _write(folder, "bad.csv", data)
    runs += [
        (["autotag", "--rules", bad_json, "--communications", nothing], [bad_json]),
        (["autotag", "--rules", rules, "--communications", bad_jsonl], [bad_jsonl]),
        (["transcribe-select", "--rules", bad_json, "--calls", nothing], [bad_json]),
        (["transcribe-select", "--rules", empty_rules, "--calls", bad_jsonl], [bad_jsonl]),
        (["smarttag", "evaluate", "--train", bad_jsonl, "--test", nothing], [bad_jsonl, nothing]),
        (["smarttag", "evaluate", "--train", train, "--test", bad_jsonl], [bad_jsonl]),
        (["attribution", "--paths", bad_csv, "--model", "markov"], [bad_csv]),
    ]
    return runs


SLOTS = 11  # len(commands(...))


def run_all(data: bytes, slots: list[int] | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        runs = commands(Path(folder), data)
        assert len(runs) == SLOTS
        for slot in range(SLOTS) if slots is None else slots:
            check(*runs[slot])


# Each generated example goes to one command's file slot, so examples stay cheap.
slot = st.integers(0, SLOTS - 1)
INGEST_CSV, INGEST_JSONL, INGEST_PARQUET = 0, 1, 2
JSON_SLOTS = [1, 4, 5, 6, 7, 8, 9]
CSV_SLOTS = [0, 10]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_corpus_file_gets_a_clear_answer_from_every_command(name):
    run_all(NASTY[name])


def test_the_issue_cases_exit_2_naming_file_line_and_field(tmp_path):
    cases = [
        ("calls.csv", b"id\x00\n", "calls.csv:1: binary data"),
        ("calls.csv", NASTY["binary"], "calls.csv:1: binary data"),
        ("calls.parquet", b"", "calls.parquet: empty file"),
        ("calls.parquet", NASTY["binary"], "not a Parquet file"),
        ("calls.csv", NASTY["blank_header"], "calls.csv:1: blank header"),
        ("calls.csv", NASTY["megabyte_header"], "calls.csv:1: header line longer"),
        ("calls.json", b'{"id": 1}', "unsupported file type '.json'"),
    ]
    for name, data, expected in cases:
        path = _write(tmp_path, name, data)
        result = check(["ingest", path, "--date", "2026-05-01", "--table", "calls"], [path])
        assert result.exit_code == 2, (name, result.stderr)
        assert expected in result.stderr, (name, result.stderr)
    rules = _write(tmp_path, "rules.json", AUTOTAG_RULES)
    for data, expected in (
        (NASTY["deep_list"], "bad.jsonl:1: invalid JSON: nested too deeply"),
        (NASTY["cp1251_json"], "bad.jsonl:1: not UTF-8 text (byte 0xef"),
        (GOOD_COMMUNICATION * 3 + b'{"id": "\xff"}\n', "bad.jsonl:4: not UTF-8 text"),
        (NASTY["long_id"], "bad.jsonl:1: field id: number too long (5001 digits)"),
    ):
        bad = _write(tmp_path, "bad.jsonl", data)
        result = check(["autotag", "--rules", rules, "--communications", bad], [bad])
        assert result.exit_code == 2, result.stderr
        assert expected in result.stderr, result.stderr
    paths = _write(tmp_path, "paths.csv", b"path,total_conversions\na > b,1\n")
    empty = _write(tmp_path, "empty.csv", b"")
    for args, expected in (
        (["--paths", empty, "--model", "linear"], "empty.csv:1: empty file"),
        (["--paths", paths, "--model", "markov", "--order", "99"], "--order: order must be"),
        (["--paths", paths, "--model", "time_decay", "--half-life", "nan"], "--half-life:"),
        (["--paths", paths, "--model", "markov", "--order", "x"], "'--order'"),
    ):
        result = check(["attribution", *args], [empty])
        assert result.exit_code == 2, result.stderr
        assert expected in result.stderr, result.stderr


def test_good_files_still_load(tmp_path):
    """The positive case: the fuzz assertions pass on files that work too."""
    path = _write(tmp_path, "calls.csv", NASTY["utf16"])
    result = check(["ingest", path, "--date", "2026-05-01", "--table", "calls"], [path])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows_in"] == 1
    rules = _write(tmp_path, "rules.json", AUTOTAG_RULES)
    comms = _write(
        tmp_path,
        "c.jsonl",
        b'\xef\xbb\xbf{"id": "c1", "communication_type": "offline_message", "text": "\xd0\xb4\xd0\xb0"}\n',
    )
    result = check(["autotag", "--rules", rules, "--communications", comms], [comms])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["tag"] == "t"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = sorted(
    set(contract_for("calls").names)
    | {"communication_type", "turns", "text", "tags", "speaker", "tag", "rules", "conditions"}
)
records = st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8)


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=400), where=slot)
def test_random_bytes(data, where):
    run_all(data, [where])


@pytest.mark.slow
@FUZZ
@given(
    text=st.text(max_size=200),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1251", "utf-32", "koi8-r"]),
    where=slot,
)
def test_text_in_any_encoding(text, encoding, where):
    run_all(text.encode(encoding, errors="replace"), [where])


@pytest.mark.slow
@settings(FUZZ, max_examples=60)
@given(lines=st.lists(records | json_values, max_size=5), where=st.sampled_from(JSON_SLOTS))
def test_json_lines_with_the_commands_fields(lines, where):
    run_all("\n".join(json.dumps(line) for line in lines).encode(), [where])


@pytest.mark.slow
@FUZZ
@given(
    header=st.lists(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), min_size=1, max_size=6),
    rows=st.lists(st.lists(st.text(max_size=12), max_size=7), max_size=5),
    delimiter=st.sampled_from([",", ";"]),
    where=st.sampled_from(CSV_SLOTS),
)
def test_csv_with_the_contract_header(header, rows, delimiter, where):
    text = "\n".join(delimiter.join(row) for row in [header, *rows])
    run_all(text.encode("utf-8", errors="replace"), [where])


parquet_columns = st.sampled_from(
    [
        pa.array([1, None], pa.int64()),
        pa.array(["x", "2026-05-01 10:00:00"]),
        pa.array([1.5, float("nan")]),
        pa.array([True, False]),
        pa.array([[1], None], pa.list_(pa.int64())),
        pa.array([{"a": 1}, None]),
        pa.array([b"\x00\xff", None], pa.binary()),
        pa.array([0, 2**62], pa.timestamp("us")),
    ]
)


@pytest.mark.slow
@FUZZ
@given(columns=st.dictionaries(st.sampled_from(FIELD_NAMES), parquet_columns, max_size=6))
def test_parquet_with_any_column_types(columns):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "calls.parquet"
        path.write_bytes(_parquet(pa.table(columns)) if columns else b"")
        check(["ingest", path, "--date", "2026-05-01", "--table", "calls"], [path])


@settings(FUZZ, max_examples=15)
@given(
    option=st.sampled_from(
        ["--days", "--calls-per-day", "--accounts", "--seed", "--audio-calls", "--spam-days"]
    ),
    value=st.integers(max_value=-1) | st.integers(min_value=2**32, max_value=10**30),
)
def test_absurd_demo_numbers(option, value, tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    result = check(["demo", "generate", option, str(value), "--home", home], [])
    assert result.exit_code == 2


@settings(FUZZ, max_examples=15)
@given(login=st.text(max_size=300))
def test_users_with_any_login(login):
    check(["users", "create", login], [])
    check(["users", "token", login], [])


SMOKE = [
    ["ingest", "{bad}.csv", "--date", "2026-05-01", "--table", "calls"],
    ["autotag", "--rules", "{bad}.json", "--communications", "{bad}.jsonl"],
    ["transcribe-select", "--rules", "{bad}.json", "--calls", "{bad}.jsonl"],
    ["smarttag", "evaluate", "--train", "{bad}.jsonl", "--test", "{bad}.jsonl"],
    ["attribution", "--paths", "{bad}.csv", "--model", "linear"],
    ["users", "export", "--output", "{bad}/missing-folder/users.csv"],
    ["demo", "generate", "--days", "-1"],
]


@pytest.mark.slow
@pytest.mark.parametrize("args", SMOKE, ids=lambda a: " ".join(a[:2]))
def test_installed_command_answers_bad_input_in_one_line(args, tmp_path):
    bad = tmp_path / "bad"
    for suffix in (".csv", ".json", ".jsonl"):
        (tmp_path / f"bad{suffix}").write_bytes(NASTY["binary"])
    argv = [a.replace("{bad}", str(bad)) for a in args]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("error: ")

import csv
import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from data.warehouse import Warehouse
from pipelines.cli.main import app

runner = CliRunner()


@pytest.fixture
def warehouse(callscope_home) -> Warehouse:
    wh = Warehouse(callscope_home / "warehouse")
    wh.write_partition("calls", "2026-05-01", pd.DataFrame({"id": [2, 1], "text": ["б,в", "а"]}))
    wh.write_partition("calls", "2026-05-02", pd.DataFrame({"id": [3], "text": ["ё"]}))
    wh.write_partition("quarantine_calls", "2026-05-01", pd.DataFrame({"reason": ["x"]}))
    return wh


def _rows(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output)))


def test_sql_reads_every_table_by_name_and_prints_csv(warehouse):
    result = runner.invoke(app, ["sql", "SELECT id, text, date FROM calls ORDER BY id"])
    assert result.exit_code == 0, result.output
    assert _rows(result.stdout) == [
        ["id", "text", "date"],
        ["1", "а", "2026-05-01"],
        ["2", "б,в", "2026-05-01"],
        ["3", "ё", "2026-05-02"],
    ]
    result = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM quarantine_calls"])
    assert _rows(result.stdout) == [["n"], ["1"]]


def test_sql_reads_the_snapshot_current_when_it_starts(warehouse):
    warehouse.write_partition("calls", "2026-05-01", pd.DataFrame({"id": [7], "text": ["z"]}))
    result = runner.invoke(app, ["sql", "SELECT sum(id) AS s FROM calls"])
    assert _rows(result.stdout) == [["s"], ["10"]]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO calls VALUES (9, 'x', DATE '2026-05-01')",
        "DROP VIEW calls",
        "CREATE TABLE t AS SELECT 1",
        "COPY (SELECT 1) TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "SET enable_external_access = true",
        "SELECT 1; DELETE FROM calls",
    ],
)
def test_sql_refuses_to_write_with_exit_2_and_the_reason(warehouse, statement, tmp_path):
    result = runner.invoke(app, ["sql", statement])
    assert result.exit_code == 2
    assert "read-only" in result.stderr
    assert "Traceback" not in result.output
    assert warehouse.count("calls") == 3


def test_sql_cannot_read_files_outside_the_warehouse(warehouse, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    result = runner.invoke(app, ["sql", f"SELECT * FROM read_csv('{secret}')"])
    assert result.exit_code == 2
    assert "disabled by configuration" in result.stderr


def test_sql_errors_are_one_line_exit_2(warehouse):
    for bad in ("SELECT * FROM nowhere", "SELEC 1", ""):
        result = runner.invoke(app, ["sql", bad])
        assert result.exit_code == 2, bad
        assert result.stderr.startswith("error: sql: ")
        assert result.stderr.count("\n") == 1


def test_warehouse_compact_and_vacuum_commands(warehouse):
    warehouse.append("calls", "2026-05-02", pd.DataFrame({"id": [4], "text": ["y"]}))
    result = runner.invoke(app, ["warehouse", "compact"])
    assert result.exit_code == 0, result.output
    assert '"calls": ["2026-05-02"]' in result.stdout
    result = runner.invoke(app, ["warehouse", "vacuum"])
    assert result.exit_code == 0
    assert '"calls": 0' in result.stdout
    assert runner.invoke(app, ["warehouse", "vacuum", "--retention-hours", "0"]).exit_code == 2
    assert runner.invoke(app, ["warehouse", "compact", "--table", "nope"]).exit_code == 2
    assert warehouse.read("calls")["id"].tolist() == [2, 1, 3, 4]

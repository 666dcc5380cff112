import json

from typer.testing import CliRunner

from data.warehouse import Warehouse
from pipelines.cli.main import app

runner = CliRunner()


def test_ingest_loads_a_file_and_reports_reconciled_counts(tmp_path, callscope_home):
    path = tmp_path / "calls.csv"
    path.write_text(
        "id,start_time,is_lost,site_id,talk_duration,total_duration\n"
        "1,2026-05-01 10:00:00,false,1,10,12\n"
        "2,2026-05-01 10:00:00,false,1,ten,12\n",
        encoding="cp1251",
    )
    result = runner.invoke(app, ["ingest", str(path), "--date", "2026-05-01", "--table", "calls"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["rows_in"], report["accepted"], report["quarantined"], report["reconciles"]) == (
        2,
        1,
        1,
        True,
    )
    assert Warehouse(callscope_home / "warehouse").count("calls") == 1


def test_ingest_bad_arguments_exit_2_with_a_reason(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.csv"), "--date", "2026-05-01"])
    assert result.exit_code == 2
    assert "missing.csv: no such file or folder" in result.stderr
    path = tmp_path / "x.csv"
    path.write_text("id\n1\n")
    result = runner.invoke(app, ["ingest", str(path), "--date", "01.05.2026", "--table", "calls"])
    assert result.exit_code == 2
    assert "field date" in result.stderr
    result = runner.invoke(app, ["ingest", str(path), "--date", "2026-05-01", "--table", "nope"])
    assert result.exit_code == 2
    assert "unknown table 'nope'" in result.stderr

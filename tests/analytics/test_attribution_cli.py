"""`callscope attribution` as in INTERFACES.md section 5."""

import json

import pytest
import typer
from typer.testing import CliRunner

from pipelines.cli import attribution

app = typer.Typer()
attribution.register(app)


@app.callback()
def _root():  # keeps `attribution` a sub-command, as in the real app
    pass


def run(*args):
    return CliRunner().invoke(app, ["attribution", *args])


@pytest.fixture
def semicolon_csv(tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text(
        "path;total_conversions;total_conversion_value;total_null\n"
        "search > display > direct;2;100.5;3\n"
        "search;1;10;5\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "model",
    ["first", "last", "last_non_direct", "linear", "time_decay", "position", "markov", "shapley"],
)
def test_every_model_prints_credits_summing_to_totals(model, semicolon_csv):
    result = run("--paths", str(semicolon_csv), "--model", model)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["channel_name"] for r in rows] == ["search", "display", "direct"]
    assert set(rows[0]) == {"channel_name", "total_conversions", "total_conversion_value"}
    assert sum(r["total_conversions"] for r in rows) == pytest.approx(3)
    assert sum(r["total_conversion_value"] for r in rows) == pytest.approx(110.5)


def test_markov_output_by_hand(semicolon_csv):
    # P(conv) = 3/11; without search 0, without display or direct 1/11
    # removal effects 1, 2/3, 2/3 -> conversions 9/7, 6/7, 6/7
    rows = json.loads(run("--paths", str(semicolon_csv), "--model", "markov").stdout)
    assert [r["total_conversions"] for r in rows] == pytest.approx([9 / 7, 6 / 7, 6 / 7])


def test_comma_csv_custom_separator_and_order(tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text(
        'path,total_conversions,total_conversion_value,total_null\n"поиск|реклама, РСЯ",1,5,0\nпоиск,0,0,2\n',
        encoding="utf-8",
    )
    result = run("--paths", str(path), "--model", "markov", "--sep", "|", "--order", "2")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["channel_name"] for r in rows} == {"поиск", "реклама, РСЯ"}
    assert sum(r["total_conversions"] for r in rows) == pytest.approx(1)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("path;total_conversions\na > b;x\n", ":2: field total_conversions:"),
        ("path;total_conversions;total_null\na;1;0\nb;1;-3\n", ":3: field total_null:"),
        ("path;total_conversions\na;1\n > ;1\n", ":3: field path:"),
        ("path;total_null\na;1\n", ":1: field total_conversions: missing column"),
    ],
)
def test_bad_input_exits_2_naming_file_line_and_field(tmp_path, body, where):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    result = run("--paths", str(path), "--model", "linear")
    assert result.exit_code == 2
    assert f"{path}{where}" in result.stderr
    assert result.stdout == ""


def test_unknown_model_and_missing_file_exit_2(tmp_path, semicolon_csv):
    assert run("--paths", str(semicolon_csv), "--model", "magic").exit_code == 2
    missing = run("--paths", str(tmp_path / "nope.csv"), "--model", "linear")
    assert missing.exit_code == 2
    assert "nope.csv" in missing.stderr


def test_byte_order_mark_from_spreadsheet_exports(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffpath;total_conversions\nпоиск > почта;2\n".encode())
    result = run("--paths", str(path), "--model", "first")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0] == {
        "channel_name": "поиск",
        "total_conversions": 2.0,
        "total_conversion_value": 0.0,
    }


def test_russian_locale_numbers_in_semicolon_csv(tmp_path):
    path = tmp_path / "ru.csv"
    path.write_text(
        "path;total_conversions;total_conversion_value;total_null\n"
        "поиск > почта;2;1\u00a0234,50;3\n",
        encoding="utf-8",
    )
    rows = json.loads(run("--paths", str(path), "--model", "last").stdout)
    assert rows[1] == {
        "channel_name": "почта",
        "total_conversions": 2.0,
        "total_conversion_value": 1234.5,
    }

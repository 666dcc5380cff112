import json

import pytest
from typer.testing import CliRunner

from pipelines.cli.main import app
from tests.models.synthetic import calls

runner = CliRunner()


def _write(path, examples, as_text=False):
    with path.open("w", encoding="utf-8") as out:
        for e in examples:
            item = {"id": e.id, "tags": list(e.tags)}
            if as_text:
                item["text"] = " ".join(t for _, t in e.document.turns)
            else:
                item["turns"] = [{"speaker": s, "text": t} for s, t in e.document.turns]
            out.write(json.dumps(item, ensure_ascii=False) + "\n")


@pytest.mark.slow
def test_evaluate_prints_both_models(tmp_path):
    _write(tmp_path / "train.jsonl", calls(120, seed=1))
    _write(tmp_path / "test.jsonl", calls(30, seed=2), as_text=True)
    result = runner.invoke(
        app,
        [
            "smarttag",
            "evaluate",
            "--train",
            str(tmp_path / "train.jsonl"),
            "--test",
            str(tmp_path / "test.jsonl"),
            "--epochs",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) == {"smarttag", "baseline", "train_seconds", "n_train", "n_test"}
    assert (report["n_train"], report["n_test"]) == (120, 30)
    for model in ("smarttag", "baseline"):
        assert set(report[model]["per_tag"]) == {"Ипотека", "Доставка", "Жалоба"}
        assert 0 <= report[model]["macro_f1"] <= 1
        assert set(report[model]["per_tag"]["Ипотека"]) == {"precision", "recall", "f1", "support"}


def test_evaluate_bad_line_exits_2_naming_file_line_field(tmp_path):
    _write(tmp_path / "train.jsonl", calls(10, seed=1))
    with (tmp_path / "train.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": "x", "text": "привет", "tags": "Ипотека"}) + "\n")
    _write(tmp_path / "test.jsonl", calls(3, seed=2))
    result = runner.invoke(
        app,
        [
            "smarttag",
            "evaluate",
            "--train",
            str(tmp_path / "train.jsonl"),
            "--test",
            str(tmp_path / "test.jsonl"),
        ],
    )
    assert result.exit_code == 2
    assert f"{tmp_path / 'train.jsonl'}:11: field tags:" in result.stderr


def test_train_from_file_refuses_too_few_calls_with_counts(tmp_path):
    _write(tmp_path / "train.jsonl", calls(50, seed=1))
    result = runner.invoke(
        app,
        [
            "smarttag",
            "train",
            "--data",
            str(tmp_path / "train.jsonl"),
            "--out",
            str(tmp_path / "model"),
        ],
    )
    assert result.exit_code == 1
    assert "at least 1000 labelled calls" in result.stderr
    assert "found 50" in result.stderr
    assert not (tmp_path / "model").exists()


@pytest.mark.slow
def test_train_from_file_saves_a_model_and_reports_both(tmp_path):
    _write(tmp_path / "train.jsonl", calls(150, seed=1))
    result = runner.invoke(
        app,
        [
            "smarttag",
            "train",
            "--data",
            str(tmp_path / "train.jsonl"),
            "--out",
            str(tmp_path / "model"),
            "--min-calls",
            "100",
            "--min-positives",
            "20",
            "--epochs",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["smarttag"]["macro_f1"] >= 0
    assert "baseline" in report
    assert "macro-F1: SmartTag" in result.stderr
    assert (tmp_path / "model" / "manifest.json").is_file()


def test_switching_on_without_a_model_is_refused_in_one_line():
    result = runner.invoke(app, ["smarttag", "switch", "--account", "4", "--on"])
    assert result.exit_code == 1
    assert "account 4 has no promoted SmartTag model yet" in result.stderr

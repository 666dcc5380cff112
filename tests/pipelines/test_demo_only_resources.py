"""The ground-truth recognizer and ground-truth SmartTag labels exist only in the demo's own
Definitions; the product's job has no setting or run config that reaches them, and refuses to
train on transcripts the ground-truth recognizer made."""

import datetime as dt
import json

import dagster as dg
import pandas as pd
import pytest

from data.settings import Settings
from data.warehouse import Warehouse
from models.workflow import manual_label_reader
from pipelines.definitions import defs
from pipelines.defs.smarttag.training import SmartTagTrainingConfig
from pipelines.demo.definitions import demo_definitions
from pipelines.demo.resources import GroundTruthLabelsResource, GroundTruthRecognizerResource
from pipelines.resources import RecognizerResource, TrainingLabelsResource


def test_product_definitions_bind_the_real_recognizer_and_manual_labels():
    assert type(defs.resources["recognizer"]) is RecognizerResource
    assert type(defs.resources["training_labels"]) is TrainingLabelsResource
    assert defs.resources["training_labels"].reader() is manual_label_reader
    assert "recognizer" not in Settings.model_fields
    assert "labels" not in SmartTagTrainingConfig.model_fields


def test_demo_definitions_bind_the_ground_truth_stand_ins(tmp_path):
    demo = demo_definitions(tmp_path)
    assert isinstance(demo.resources["recognizer"], GroundTruthRecognizerResource)
    assert demo.resources["recognizer"].get().name == "ground-truth"
    assert isinstance(demo.resources["training_labels"], GroundTruthLabelsResource)
    assert demo.resources["training_labels"].ground_truth_dir == str(tmp_path / "ground_truth")


def _transcripts(tmp_path, recognizer: str) -> Warehouse:
    wh = Warehouse(tmp_path / recognizer)
    frame = pd.DataFrame({"communication_id": ["call:1", "call:2"], "status": "ok"})
    frame["recognizer"] = ["vosk", recognizer]
    wh.write_partition("transcripts", dt.date(2026, 5, 4), frame)
    return wh


def test_product_labels_refuse_a_warehouse_with_ground_truth_transcripts(tmp_path):
    with pytest.raises(dg.Failure, match="1 transcripts replayed"):
        TrainingLabelsResource().check_transcripts(_transcripts(tmp_path, "ground-truth"))
    TrainingLabelsResource().check_transcripts(_transcripts(tmp_path, "vosk"))
    GroundTruthLabelsResource(ground_truth_dir=str(tmp_path)).check_transcripts(
        _transcripts(tmp_path, "ground-truth")
    )


def test_the_product_cli_has_no_ground_truth_labels():
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    result = CliRunner().invoke(
        app, ["smarttag", "train", "--account", "1", "--labels", "ground_truth"]
    )
    assert result.exit_code == 2
    assert "No such option: --labels" in result.output


def test_the_demo_reader_gives_the_reference_tags_of_the_account_only(tmp_path):
    from pipelines.demo.labels import TAGS_FILE

    rows = [
        {"account_id": 1, "communication_id": "call:1", "tags": ["Ипотека", "Жалоба"]},
        {"account_id": 1, "communication_id": "call:2", "tags": []},
        {"account_id": 2, "communication_id": "call:3", "tags": ["Тест-драйв"]},
    ]
    (tmp_path / TAGS_FILE).write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    read = GroundTruthLabelsResource(ground_truth_dir=str(tmp_path)).reader()
    assert read(None, 1, ["call:1", "call:2"]) == {"call:1": {"Ипотека", "Жалоба"}, "call:2": set()}
    assert read(None, 2, ["call:3"]) == {"call:3": {"Тест-драйв"}}

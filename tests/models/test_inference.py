import json

import pandas as pd

from models.inference import COLUMNS, TaggingStats, tag_calls
from tests.models.synthetic import calls


def _frame(examples, empty=0):
    rows = [
        {
            "communication_id": e.id,
            "communication_type": "call",
            "turns": json.dumps([{"speaker": s, "text": t} for s, t in e.document.turns]),
            "prosody": None,
        }
        for e in examples
    ]
    rows += [
        {
            "communication_id": f"call:e{i}",
            "communication_type": "call",
            "turns": "[]",
            "prosody": "{}",
        }
        for i in range(empty)
    ]
    return pd.DataFrame(rows)


def test_tags_carry_model_version_and_probability(tiny_model):
    examples = calls(20, seed=5)
    stats = TaggingStats()
    frame = tag_calls(_frame(examples, empty=2), tiny_model, "smarttag:1@v3", None, stats)
    assert list(frame.columns) == COLUMNS
    assert (frame["source"] == "smarttag").all()
    assert (frame["source_ref"] == "smarttag:1@v3").all()
    assert frame["probability"].between(0.0, 1.0).all()
    assert not frame["communication_id"].str.startswith("call:e").any()
    assert stats.calls == 22
    assert stats.empty == 2
    assert stats.tags_set == len(frame)


def test_tags_the_account_no_longer_has_are_skipped_and_counted(tiny_model):
    examples = [e for e in calls(40, seed=6) if "Ипотека" in e.tags]
    stats = TaggingStats()
    frame = tag_calls(_frame(examples), tiny_model, "smarttag:1@v1", {"Доставка", "Жалоба"}, stats)
    assert "Ипотека" not in set(frame["tag"])
    assert stats.unknown_tags["Ипотека"] >= len(examples) - 1


def test_no_calls_no_rows(tiny_model):
    assert tag_calls(
        pd.DataFrame(columns=["communication_id", "communication_type", "turns"]),
        tiny_model,
        "x",
        None,
    ).empty

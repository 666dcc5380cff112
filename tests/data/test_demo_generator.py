import filecmp
import json

import pandas as pd
import pytest

from data.demo.generator import DemoSpec, generate_demo

SMALL = DemoSpec(
    days=2, calls_per_day=12, accounts=2, seed=3, spam_days=3, incoming_calls_per_day=60
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    return home, generate_demo(home, SMALL)


def _lines(path):
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_the_demo_is_reproducible_for_a_seed(demo, tmp_path):
    home, _ = demo
    generate_demo(tmp_path, SMALL)
    compared = filecmp.dircmp(home / "landing", tmp_path / "landing")

    def same(cmp):
        return (
            not cmp.left_only
            and not cmp.right_only
            and not cmp.diff_files
            and all(same(sub) for sub in cmp.subdirs.values())
        )

    assert same(compared)


def test_the_demo_scales_with_its_parameters(demo, tmp_path):
    _, small = demo
    bigger = generate_demo(tmp_path, DemoSpec(**{**SMALL.__dict__, "calls_per_day": 48, "days": 3}))
    assert bigger.counts["calls"] > 4 * small.counts["calls"]
    calls = [
        json.loads(line)
        for f in (tmp_path / "landing" / "calls").rglob("*.jsonl")
        for line in f.read_text(encoding="utf-8").splitlines()
    ]
    lost_share = sum(c["is_lost"] for c in calls) / len(calls)
    assert 0.03 < lost_share < 0.2


def test_every_communication_type_lands_with_truth_beside_it(demo):
    home, result = demo
    assert {
        "calls",
        "chats",
        "offline_messages",
        "visitor_sessions",
        "ad_costs",
        "incoming_calls",
    } <= set(result.counts)
    calls = [row for f in (home / "landing" / "calls").rglob("*.jsonl") for row in _lines(f)]
    # planted spam hang-ups have no visit behind them and, by design, no recording or employee
    answered = [c for c in calls if not c["is_lost"] and c["visitor_id"] is not None]
    assert answered
    assert all(c["call_records"] and c["employee_ids"] for c in answered)
    truth = _lines(home / "ground_truth" / "communication_tags.jsonl")
    assert truth
    assert all(
        t["communication_id"].split(":")[0] in {"call", "chat", "offline_message"} for t in truth
    )
    dialogues = _lines(home / "ground_truth" / "call_dialogues.jsonl")
    assert {t["speaker"] for d in dialogues for t in d["turns"]} == {"client", "employee"}
    assert (home / "ground_truth" / "spam_numbers.csv").exists()


def test_visitor_paths_span_several_sessions_and_sessions_come_as_cp1251_csv(demo):
    home, _ = demo
    files = sorted((home / "landing" / "visitor_sessions").rglob("*.csv"))
    frame = pd.concat(pd.read_csv(f, sep=";", encoding="cp1251") for f in files)
    per_visitor = frame.groupby("visitor_id").size()
    assert per_visitor.max() >= 2
    assert frame["channel"].nunique() >= 5

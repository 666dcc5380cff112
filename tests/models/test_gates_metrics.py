import pytest

from models.errors import NotEnoughDataError
from models.gates import Gates, check_gates
from models.metrics import score
from models.training import promotion_decision


def test_too_few_calls_names_the_counts():
    with pytest.raises(NotEnoughDataError) as error:
        check_gates([["a"]] * 999, None, Gates())
    assert "1000" in str(error.value)
    assert "999" in str(error.value)


def test_tag_below_minimum_is_named_and_left_out():
    tags = [["a"]] * 40 + [["b"]] * 12 + [[]] * 10
    report = check_gates(tags, ["a", "b", "c"], Gates(min_calls=50, min_positives=30))
    assert report.kept_tags == ["a"]
    assert report.dropped_tags == {"b": 12, "c": 0}
    assert any("'b' has 12 positive examples" in w for w in report.warnings)
    assert any("recommended" in w for w in report.warnings)


def test_no_tag_with_enough_positives_is_refused():
    with pytest.raises(NotEnoughDataError, match="'a': 5"):
        check_gates([["a"]] * 5 + [[]] * 100, ["a"], Gates(min_calls=100))


def test_scores_per_tag_macro_and_micro():
    truth = [["a"], ["a", "b"], ["b"], []]
    predicted = [["a"], ["a"], ["b", "a"], ["b"]]
    result = score(truth, predicted, ["a", "b"])
    assert result["per_tag"]["a"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert result["per_tag"]["b"]["precision"] == 0.5
    assert result["per_tag"]["b"]["recall"] == 0.5
    assert result["macro_f1"] == pytest.approx((0.8 + 0.5) / 2, abs=1e-4)
    assert result["micro_f1"] == pytest.approx(2 * 3 / (5 + 4), abs=1e-4)


def test_single_label_macro_f1_is_multiclass_macro_f1():
    from sklearn.metrics import f1_score

    truth = ["x", "y", "z", "x", "y", "z"]
    predicted = ["x", "z", "z", "x", "y", "x"]
    ours = score([[t] for t in truth], [[p] for p in predicted], ["x", "y", "z"])
    assert ours["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro"), abs=1e-4)


def _report(new, base, active=None):
    return {
        "smarttag": {"macro_f1": new},
        "baseline": {"macro_f1": base},
        "n_test": 10,
        "active": None if active is None else {"macro_f1": active},
    }


def test_promotion_needs_to_beat_baseline_and_active():
    assert promotion_decision(_report(0.8, 0.7))[0]
    assert not promotion_decision(_report(0.7, 0.7))[0]
    passed, reason = promotion_decision(_report(0.8, 0.7, active=0.85))
    assert not passed
    assert "active" in reason
    assert promotion_decision(_report(0.9, 0.7, active=0.85))[0]


def test_a_perfect_baseline_is_matched_not_beaten():
    passed, reason = promotion_decision(_report(1.0, 1.0))
    assert passed
    assert "equals the perfect baseline" in reason
    assert not promotion_decision(_report(0.98, 1.0))[0]
    assert not promotion_decision(_report(0.9, 0.9))[0]  # below perfect a tie is refused
    assert promotion_decision(_report(1.0, 1.0, active=1.0))[0]
    assert not promotion_decision(_report(0.95, 0.9, active=1.0))[0]

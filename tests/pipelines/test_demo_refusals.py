"""A gate refusing the training data is an outcome of the demo, reported in its summary; any
other failure is a failed step (and the demo exits 1)."""

import dagster as dg
import pandas as pd
import pytest

from antispam.training import NotEnoughLabelsError, train
from data.demo.generator import DemoSpec
from pipelines.demo.summary import DemoSummary, collect


def _run(error: Exception) -> dg.ExecuteInProcessResult:
    @dg.asset
    def trained() -> None:
        raise error

    return dg.materialize([trained], raise_on_error=False)


def test_antispam_gate_refuses_too_few_labelled_numbers():
    features = pd.DataFrame({"caller": range(20), "calls": 5})
    labels = pd.DataFrame({"caller": [0, 1, 2], "label": [1, 1, 0]})
    with pytest.raises(NotEnoughLabelsError, match="2 spam, 1 legitimate"):
        train(features, labels)


def test_a_gate_refusal_is_reported_not_failed():
    summary = DemoSummary(DemoSpec())
    collect(_run(NotEnoughLabelsError("too few: 18 spam, 4 legitimate")), summary, "marts")
    assert summary.ok
    assert summary.refusals == ["trained (marts): too few: 18 spam, 4 legitimate"]
    assert "gate refused: trained (marts)" in summary.render()


def test_any_other_failure_is_a_failed_step():
    summary = DemoSummary(DemoSpec())
    collect(_run(ValueError("broken")), summary, "marts")
    assert not summary.ok
    assert summary.refusals == []
    [failed] = summary.failed_steps
    assert failed.startswith("trained (marts): ")

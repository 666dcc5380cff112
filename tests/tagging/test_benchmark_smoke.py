"""The tagging benchmark runs end to end at smoke size and reports its figures."""

import os

import pytest

from benchmarks import bench_tagging


@pytest.mark.slow
def test_quick_benchmark_reports_figures(monkeypatch):
    before = os.sched_getaffinity(0)
    monkeypatch.setitem(bench_tagging.QUICK, "communications", 200)
    monkeypatch.setitem(bench_tagging.QUICK, "baseline_words", 2_000)
    figures = bench_tagging.main(["--quick"])
    assert os.sched_getaffinity(0) == before
    assert figures["communications"] == 200
    assert figures["words"] >= 200 * bench_tagging.TARGET_WORDS
    assert figures["words_per_second"] > 0
    assert figures["baseline_words_per_second"] > 0
    assert figures["tags_set"] > 0
    for matcher in ("morphology", "substring"):
        assert set(figures["quality"][matcher]) == {"precision", "recall", "f1"}

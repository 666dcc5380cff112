import os

import pytest

from benchmarks import bench_smarttag


@pytest.mark.slow
def test_quick_benchmark_reports_each_figure_beside_its_baseline(capsys, monkeypatch):
    before = os.sched_getaffinity(0)
    for key, value in {
        "senti_train": 80,
        "senti_test": 40,
        "demo_train": 50,
        "demo_test": 20,
        "inference_calls": 20,
    }.items():
        monkeypatch.setitem(bench_smarttag.QUICK, key, value)
    figures = bench_smarttag.main(["--quick"])
    assert os.sched_getaffinity(0) == before
    for ours, base in (
        ("sentirueval_smarttag_macro_f1", "sentirueval_baseline_macro_f1"),
        ("demo_smarttag_macro_f1", "demo_baseline_macro_f1"),
        ("inference_calls_per_second_one_core", "baseline_inference_calls_per_second_one_core"),
    ):
        assert figures[ours] >= 0
        assert figures[base] >= 0
    assert 0 < figures["sentirueval_baseline_macro_f1"] <= 1
    assert figures["peak_memory_mb"] > 0
    assert "(baseline:" in capsys.readouterr().out

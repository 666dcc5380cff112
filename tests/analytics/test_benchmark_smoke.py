"""The attribution benchmark runs end to end on a small size."""

from benchmarks import bench_analytics


def test_quick_benchmark_reports_figures_beside_the_baseline(capsys):
    figures = bench_analytics.main(["--paths", "3000"])
    assert figures["paths"] == 3000
    assert figures["markov_credit_gap_to_total"] < 1e-6
    assert figures["shapley_credit_gap_to_total"] < 1e-6
    out = capsys.readouterr().out
    assert "Markov order 1, exact" in out
    if "channelattribution_markov_seconds" in figures:
        assert "baseline" in out
        assert 0 <= figures["markov_share_gap_to_channelattribution"] < 0.1

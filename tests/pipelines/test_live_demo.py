"""The demo's live step: a local Data API for a few simulated minutes, freshness measured."""

import re

import pytest

from pipelines.demo.live import live_demo


@pytest.mark.slow
def test_live_demo_makes_every_call_visible_and_measures_freshness(tmp_path):
    line = live_demo(tmp_path, minutes=2, calls_per_minute=3)
    match = re.search(r"(\d+)/(\d+) calls visible .* p50 (\d+) s, p95 (\d+) s, max (\d+) s", line)
    assert match, line
    visible, made, p50, p95, longest = map(int, match.groups())
    assert visible == made == 6
    assert 0 < p50 <= p95 <= longest
    assert line.endswith("0 errors")

"""Where ``is_target`` is missing, analytics judges a call the way ingest does: by its talk."""

import pandas as pd

from analytics.linking import link_communications

SITES = pd.DataFrame([{"site_id": 1, "target_call_min_duration": 30}])


def _calls(**columns) -> pd.DataFrame:
    base = {
        "communication_id": ["call:1", "call:2"],
        "communication_type": "call",
        "site_id": 1,
        "campaign_id": None,
        "visitor_id": None,
        "date_time": pd.Timestamp("2026-05-20 10:00"),
        "is_target": None,
        "is_primary": True,
        "is_lost": False,
    }
    return pd.DataFrame({**base, **columns})


def _targets(frame: pd.DataFrame) -> dict[str, bool]:
    touchpoints = pd.DataFrame(
        columns=["site_id", "visitor_id", "journey_id", "date_time", "channel", "campaign_id"]
    )
    linked, _ = link_communications(frame, touchpoints, SITES)
    return dict(zip(linked["communication_id"], linked["is_target"], strict=True))


def test_a_long_call_with_a_short_talk_is_not_target():
    # two minutes in all, 10 s and 45 s of talk: the talk decides
    calls = _calls(duration=[120, 120], talk_duration=[10, 45])
    assert _targets(calls) == {"call:1": False, "call:2": True}


def test_the_total_duration_decides_only_without_a_talk_duration():
    assert _targets(_calls(duration=[10, 45])) == {"call:1": False, "call:2": True}
    # a mark from ingest is never second-guessed
    marked = _calls(duration=[120, 120], talk_duration=[10, 45], is_target=[True, False])
    assert _targets(marked) == {"call:1": True, "call:2": False}

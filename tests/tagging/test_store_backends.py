"""Rule versions and tag events behave the same on SQLite and PostgreSQL."""

import datetime as dt

import pandas as pd

from data.config.store import ConfigStore
from tagging.provenance import effective_tags, events_for, remove_tag, removed_automatic_tags
from tagging.rule_store import RuleTimeline, import_rules
from tests.tagging.conftest import call

T0 = dt.datetime(2026, 5, 1)
DOCUMENT = [
    {
        "tag": "Ипотека",
        "rules": [{"id": "m", "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}]}],
    }
]


def test_rules_and_events_round_trip(config_url):
    store = ConfigStore(config_url)
    try:
        with store.session() as session:
            import_rules(session, DOCUMENT, "anna", T0)
        with store.session() as session:
            timeline = RuleTimeline.between(session, T0, T0 + dt.timedelta(days=1))
        [match] = timeline.matcher_at(T0 + dt.timedelta(hours=1)).match(call(("client", "ипотеку")))
        assignments = pd.DataFrame(
            [
                {
                    "communication_id": "call:1",
                    "communication_type": "call",
                    "tag": match.tag,
                    "source": "autotag",
                    "source_ref": match.source_ref,
                    "probability": 1.0,
                    "evidence": "{}",
                }
            ]
        )
        with store.session() as session:
            current = effective_tags(assignments, [])["call:1"]
            remove_tag(
                session, "call:1", "call", "Ипотека", "olga", current, at=T0 + dt.timedelta(days=1)
            )
        with store.session() as session:
            assert effective_tags(assignments, events_for(session, ["call:1"])) == {"call:1": []}
            [removal] = removed_automatic_tags(session)
        assert (removal.removed_source, removal.removed_source_ref) == ("autotag", "m@1")
    finally:
        store.dispose()

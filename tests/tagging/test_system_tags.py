import json

import pandas as pd

from tagging.provenance import ASSIGNMENT_COLUMNS
from tagging.rules import SPAM_TAG
from tagging.system_tags import SPAM_TAGS_TABLE, SiteSettings, system_tags
from tests.tagging.frames import communication, frame


def _tags(rows, history=None, sites=None, spam=None) -> dict[str, set[str]]:
    result = system_tags(frame(rows), history, sites or {}, spam)
    tags: dict[str, set[str]] = {}
    for cid, tag in zip(result["communication_id"], result["tag"], strict=True):
        tags.setdefault(cid, set()).add(tag)
    assert set(result["source"]) <= {"system"}
    return tags


def test_non_target_uses_the_sites_minimum():
    sites = {
        1: SiteSettings(target_call_min_duration=20),
        2: SiteSettings(target_call_min_duration=60),
    }
    rows = [
        communication(1, duration=15, site_id=1),
        communication(2, duration=45, site_id=1),
        communication(3, duration=45, site_id=2),
        communication(4, kind="chat", duration=5, site_id=1),
    ]
    assert _tags(rows, sites=sites) == {"call:1": {"Нецелевой"}, "call:3": {"Нецелевой"}}


def test_lost_call_is_lost_not_non_target():
    assert _tags([communication(1, duration=0, is_lost=True)]) == {"call:1": {"Потерянный"}}


def test_repeat_contact_same_visitor_and_type_within_period():
    sites = {1: SiteSettings(second_communication_period=7)}
    history = frame([communication(10, at="2026-04-27 09:00:00", visitor_id=5)])
    rows = [
        communication(1, at="2026-05-01 10:00:00", visitor_id=5),
        communication(2, kind="chat", at="2026-05-01 11:00:00", visitor_id=5),
        communication(3, at="2026-05-01 12:00:00", visitor_id=6),
        communication(4, at="2026-05-01 13:00:00", visitor_id=6),
    ]
    result = system_tags(frame(rows), history, sites, None)
    repeat = result[result["tag"] == "Повторный"]
    assert sorted(repeat["communication_id"]) == ["call:1", "call:4"]
    evidence = json.loads(repeat.set_index("communication_id").loc["call:1", "evidence"])
    assert evidence["previous_communication_id"] == "call:10"


def test_repeat_outside_period_and_phone_fallback():
    sites = {1: SiteSettings(second_communication_period=2)}
    history = frame(
        [
            communication(10, at="2026-04-20 09:00:00", visitor_id=5),
            communication(11, at="2026-04-30 09:00:00", phone="79990001122"),
        ]
    )
    rows = [
        communication(1, at="2026-05-01 10:00:00", visitor_id=5),
        communication(2, at="2026-05-01 10:00:00", phone="79990001122"),
    ]
    assert _tags(rows, history, sites) == {"call:2": {"Повторный"}}


def test_spam_tags_come_from_antispam_for_the_days_communications():
    rows = [communication(1, phone="74950000000"), communication(2, phone="74951111111")]
    antispam = pd.DataFrame(
        [
            ["call:1", "call", "спам", "system", "antispam@v1", 0.97, '{"reason": "antispam"}'],
            ["call:99", "call", "спам", "system", "antispam@v1", 0.91, "{}"],
        ],
        columns=list(ASSIGNMENT_COLUMNS),
    )
    assert _tags(rows, spam=None) == {}
    result = system_tags(frame(rows), None, {}, antispam)
    assert result[["communication_id", "tag", "source_ref"]].values.tolist() == [
        ["call:1", "спам", "antispam@v1"]
    ]


def test_spam_table_name_matches_antispam():
    from antispam import policy

    assert (SPAM_TAGS_TABLE, SPAM_TAG) == (policy.SPAM_TAGS_TABLE, policy.SPAM_TAG)


def test_empty_day():
    assert system_tags(pd.DataFrame(), None, {}, None).empty

import json

import pandas as pd

from tagging.provenance import ASSIGNMENT_COLUMNS
from tagging.rules import SPAM_TAG
from tagging.system_tags import SPAM_TAGS_TABLE, SiteSettings, system_tags
from tests.tagging.frames import communication, frame


def _tags(rows, sites=None, spam=None) -> dict[str, set[str]]:
    result = system_tags(frame(rows), sites or {}, spam)
    tags: dict[str, set[str]] = {}
    for cid, tag in zip(result["communication_id"], result["tag"], strict=True):
        tags.setdefault(cid, set()).add(tag)
    assert set(result["source"]) <= {"system"}
    return tags


def _with(row: dict, **flags) -> dict:
    return {**row, "is_target": True, "is_repeat": False, **flags}


def test_non_target_is_the_communications_is_target():
    """The tag reads ``is_target`` (talk duration against the site's minimum, computed once
    in data.communications), never the total duration again."""
    sites = {1: SiteSettings(target_call_min_duration=60)}
    rows = [
        # 120 s in total but only 20 s of talk: not target, so «Нецелевой»
        _with(communication(1, duration=120), is_target=False, talk_duration=20),
        _with(communication(2, duration=15), is_target=True, talk_duration=15),
        _with(communication(3, kind="chat", duration=5), is_target=False),
    ]
    result = system_tags(frame(rows), sites, None)
    assert result[["communication_id", "tag"]].values.tolist() == [["call:1", "Нецелевой"]]
    evidence = json.loads(result["evidence"].iloc[0])
    assert evidence == {"is_target": False, "talk_duration": 20, "target_call_min_duration": 60}


def test_lost_call_is_lost_not_non_target():
    row = _with(communication(1, duration=0, is_lost=True), is_target=False)
    assert _tags([row]) == {"call:1": {"Потерянный"}}


def test_repeat_is_the_communications_is_repeat():
    sites = {1: SiteSettings(second_communication_period=7)}
    rows = [
        _with(communication(1, visitor_id=5), is_repeat=True),
        _with(communication(2, kind="chat", visitor_id=5), is_repeat=False),
    ]
    result = system_tags(frame(rows), sites, None)
    repeat = result[result["tag"] == "Повторный"]
    assert repeat["communication_id"].tolist() == ["call:1"]
    assert json.loads(repeat["evidence"].iloc[0])["second_communication_period"] == 7


def test_spam_tags_come_from_antispam_for_the_days_communications():
    rows = [communication(1, phone="74950000000"), communication(2, phone="74951111111")]
    antispam = pd.DataFrame(
        [
            ["call:1", "call", "спам", "system", "antispam@v1", 0.97, '{"reason": "antispam"}'],
            ["call:99", "call", "спам", "system", "antispam@v1", 0.91, "{}"],
        ],
        columns=list(ASSIGNMENT_COLUMNS),
    )
    rows = [_with(row) for row in rows]
    assert _tags(rows, spam=None) == {}
    result = system_tags(frame(rows), {}, antispam)
    assert result[["communication_id", "tag", "source_ref"]].values.tolist() == [
        ["call:1", "спам", "antispam@v1"]
    ]


def test_spam_table_name_matches_antispam():
    from antispam import policy

    assert (SPAM_TAGS_TABLE, SPAM_TAG) == (policy.SPAM_TAGS_TABLE, policy.SPAM_TAG)


def test_empty_day():
    assert system_tags(pd.DataFrame(), {}, None).empty

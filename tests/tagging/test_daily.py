"""A day's tagging over the warehouse: recognised calls, chats and leads get autotags with
evidence by the rules of their time, plus system tags; the partition is replaced, not appended."""

import datetime as dt
import json

import pandas as pd

from data.config.models.core import Account, Site
from tagging.daily import TABLE, tag_partition
from tagging.rule_store import save_tag_rules
from tagging.rules import TagRules
from tests.tagging.frames import communication, frame, transcript, turn

DAY = dt.date(2026, 5, 1)
RULES = TagRules.model_validate(
    {
        "tag": "Ипотека",
        "rules": [
            {
                "id": "mortgage",
                "speaker": "client",
                "conditions": [
                    {"op": "contains_any", "keywords": ["ипотека", "первоначальный взнос"]}
                ],
            }
        ],
    }
)


def _seed(warehouse, store):
    with store.session() as session:
        session.add(Account(id=1, name="Демо"))
        session.flush()
        session.add(Site(id=1, account_id=1, domain_name="example.ru", target_call_min_duration=20))
        session.flush()
    with store.session() as session:
        save_tag_rules(session, RULES, "anna", dt.datetime(2026, 4, 1))
        changed = RULES.model_copy(deep=True)
        changed.rules[0].conditions[0].keywords.append("кредит")
        save_tag_rules(session, changed, "anna", dt.datetime(2026, 5, 1, 12, 0))
    rows = [
        communication(1, at="2026-05-01 09:00:00", duration=300),
        communication(2, at="2026-05-01 13:00:00", duration=300),
        communication(
            3,
            kind="chat",
            at="2026-05-01 10:00:00",
            turns=[turn("visitor", "Подскажите про ипотеку"), turn("operator", "Да")],
        ),
        communication(
            4,
            kind="offline_message",
            at="2026-05-01 14:00:00",
            turns=[turn("client", "Нужен кредит на квартиру")],
        ),
        communication(5, at="2026-05-01 15:00:00", duration=10),
        communication(6, at="2026-05-01 11:58:00", duration=300),  # ends after the change
    ]
    warehouse.write_partition("communications", DAY, frame(rows))
    warehouse.write_partition(
        "transcripts",
        DAY,
        pd.DataFrame(
            [
                transcript(
                    1,
                    [
                        turn("employee", "Слушаю"),
                        turn("client", "Хочу ипотеку с первоначальным взносом"),
                    ],
                ),
                transcript(2, [turn("client", "Мне нужен кредит")]),
                transcript(5, [], status="error"),
                transcript(6, [turn("client", "про кредит")]),
            ]
        ),
    )


def test_day_is_tagged_with_provenance(warehouse, store):
    _seed(warehouse, store)
    result = tag_partition(warehouse, store, DAY)
    written = warehouse.read(TABLE, DAY, DAY)
    assert len(written) == len(result.assignments)
    got = {(r.communication_id, r.tag, r.source, r.source_ref) for r in written.itertuples()}
    assert got == {
        ("call:1", "Ипотека", "autotag", "mortgage@1"),
        ("call:2", "Ипотека", "autotag", "mortgage@2"),
        ("call:6", "Ипотека", "autotag", "mortgage@2"),
        ("chat:3", "Ипотека", "autotag", "mortgage@1"),
        ("offline_message:4", "Ипотека", "autotag", "mortgage@2"),
        ("call:5", "Нецелевой", "system", "non_target"),
    }
    evidence = json.loads(written.set_index("communication_id").loc["call:1", "evidence"])
    assert evidence["rule_id"] == "mortgage"
    words = sorted((m["words"], m["speaker"], m["turn"]) for m in evidence["matches"])
    assert words == [("ипотеку", "client", 1), ("первоначальным взносом", "client", 1)]
    assert result.rule_hits == {"mortgage@1": 2, "mortgage@2": 3}
    assert result.stats["calls_not_recognized"] == 1


def test_rerun_replaces_the_partition(warehouse, store):
    _seed(warehouse, store)
    tag_partition(warehouse, store, DAY)
    tag_partition(warehouse, store, DAY)
    assert warehouse.count(TABLE, DAY, DAY) == 6


def test_backfill_applies_todays_rules(warehouse, store):
    _seed(warehouse, store)
    result = tag_partition(warehouse, store, DAY, rules_as_of=dt.datetime(2026, 6, 1))
    autotags = result.assignments[result.assignments["source"] == "autotag"]
    assert set(autotags["source_ref"]) == {"mortgage@2"}


def test_day_without_communications_writes_an_empty_partition(warehouse, store):
    warehouse.write_partition("communications", DAY, frame([communication(1)]).iloc[0:0])
    result = tag_partition(warehouse, store, DAY)
    assert result.assignments.empty
    assert warehouse.partitions(TABLE) == [DAY]

"""Every assignment keeps its source and evidence; people's removals are recorded and win."""

import datetime as dt
import json

import pandas as pd
import pytest

from tagging.provenance import (
    automatic_assignments,
    effective_tags,
    events_for,
    remove_tag,
    removed_automatic_tags,
    set_manual_tag,
    tag_precision,
)

AT = dt.datetime(2026, 5, 2, 9, 0)


def _assignments() -> pd.DataFrame:
    evidence = json.dumps({"rule_id": "r1", "matches": [{"words": "ипотеку", "turn": 0}]})
    return pd.DataFrame(
        [
            ["call:1", "call", "Ипотека", "autotag", "r1@2", 1.0, evidence],
            ["call:1", "call", "Нецелевой", "system", "non_target", 1.0, "{}"],
            ["call:2", "call", "Ипотека", "autotag", "r1@2", 1.0, evidence],
            ["call:2", "call", "Авто", "smarttag", "smarttag-v3", 0.83, "{}"],
        ],
        columns=[
            "communication_id",
            "communication_type",
            "tag",
            "source",
            "source_ref",
            "probability",
            "evidence",
        ],
    )


def test_effective_tags_keep_source_and_evidence():
    tags = effective_tags(_assignments(), [])
    mortgage = next(t for t in tags["call:1"] if t.tag == "Ипотека")
    assert (mortgage.source, mortgage.source_ref) == ("autotag", "r1@2")
    assert mortgage.evidence["matches"][0]["words"] == "ипотеку"
    assert next(t for t in tags["call:2"] if t.tag == "Авто").probability == pytest.approx(0.83)


def test_removal_of_automatic_tag_is_recorded_and_wins(store):
    assignments = _assignments()
    with store.session() as session:
        current = effective_tags(assignments, events_for(session, ["call:1"]))["call:1"]
        event = remove_tag(session, "call:1", "call", "Нецелевой", "olga", current, at=AT)
        set_manual_tag(
            session, "call:1", "call", "Перезвонить", "olga", at=AT + dt.timedelta(minutes=1)
        )
    assert (event.removed_source, event.removed_source_ref) == ("system", "non_target")
    with store.session() as session:
        tags = effective_tags(assignments, events_for(session, ["call:1"]))["call:1"]
        removals = removed_automatic_tags(session)
    assert {(t.tag, t.source, t.source_ref) for t in tags} == {
        ("Ипотека", "autotag", "r1@2"),
        ("Перезвонить", "manual", "olga"),
    }
    assert [(e.communication_id, e.tag, e.actor) for e in removals] == [
        ("call:1", "Нецелевой", "olga")
    ]


def test_removing_a_tag_the_communication_does_not_have(store):
    with store.session() as session, pytest.raises(LookupError):
        remove_tag(
            session,
            "call:1",
            "call",
            "Нет такого",
            "olga",
            effective_tags(_assignments(), [])["call:1"],
        )


def test_manual_set_after_removal_brings_the_tag_back_as_manual(store):
    with store.session() as session:
        current = effective_tags(_assignments(), [])["call:2"]
        remove_tag(session, "call:2", "call", "Ипотека", "olga", current, at=AT)
        set_manual_tag(session, "call:2", "call", "Ипотека", "ivan", at=AT + dt.timedelta(hours=1))
        tags = effective_tags(_assignments(), events_for(session, ["call:2"]))["call:2"]
    mortgage = next(t for t in tags if t.tag == "Ипотека")
    assert (mortgage.source, mortgage.set_by) == ("manual", "ivan")


def test_precision_from_removals(store):
    assignments = _assignments()
    with store.session() as session:
        current = effective_tags(assignments, [])["call:1"]
        remove_tag(session, "call:1", "call", "Ипотека", "olga", current, at=AT)
        precision = tag_precision(assignments, removed_automatic_tags(session))
    row = precision.set_index(["source_ref", "tag"]).loc[("r1@2", "Ипотека")]
    assert (row["assigned"], row["removed"], row["precision"]) == (2, 1, 0.5)
    smarttag = precision.set_index(["source_ref", "tag"]).loc[("smarttag-v3", "Авто")]
    assert smarttag["precision"] == 1.0


def test_automatic_assignments_from_warehouse(warehouse):
    warehouse.write_partition("tag_assignments", dt.date(2026, 5, 1), _assignments())
    rows = automatic_assignments(warehouse, ["call:2", "it's"])
    assert sorted(rows["tag"]) == ["Авто", "Ипотека"]
    assert automatic_assignments(warehouse, []).empty

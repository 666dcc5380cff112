"""Rules are versioned in the config store; a communication gets the rules in effect when it
ended."""

import datetime as dt

import pytest

from data.config import audit
from data.config import rules as versioned
from data.config.models.core import Tag
from tagging.rule_store import RuleTimeline, import_rules, save_tag_rules
from tagging.rules import RuleError, TagRules
from tests.tagging.conftest import call

T0 = dt.datetime(2026, 5, 1, 0, 0)


def _tag(keyword: str, enabled: bool = True, rule_id: str = "r1") -> TagRules:
    return TagRules.model_validate(
        {
            "tag": "Ипотека",
            "rules": [
                {
                    "id": rule_id,
                    "enabled": enabled,
                    "conditions": [{"op": "contains_any", "keywords": [keyword]}],
                }
            ],
        }
    )


def test_communication_is_tagged_by_rules_in_effect_when_it_ended(store):
    with store.session() as session:
        save_tag_rules(session, _tag("ипотека"), "anna", T0)
        save_tag_rules(session, _tag("ипотека", enabled=False), "anna", T0 + dt.timedelta(hours=14))
        save_tag_rules(session, _tag("кредит"), "anna", T0 + dt.timedelta(hours=16))
    with store.session() as session:
        timeline = RuleTimeline.between(session, T0, T0 + dt.timedelta(days=1))
    text = call(("client", "ипотека или кредит"))
    results = {}
    for hour in (10, 15, 17):
        matches = timeline.matcher_at(T0 + dt.timedelta(hours=hour)).match(text)
        results[hour] = [(m.tag, m.source_ref) for m in matches]
    assert results == {10: [("Ипотека", "r1@1")], 15: [], 17: [("Ипотека", "r1@3")]}
    only_mortgage = call(("client", "ипотека"))
    assert timeline.matcher_at(T0 + dt.timedelta(hours=17)).match(only_mortgage) == []


def test_rules_as_of_now_apply_to_any_time(store):
    with store.session() as session:
        save_tag_rules(session, _tag("ипотека"), "anna", T0)
        save_tag_rules(session, _tag("кредит"), "anna", T0 + dt.timedelta(days=3))
        timeline = RuleTimeline.as_of(session, T0 + dt.timedelta(days=5))
    [match] = timeline.matcher_at(T0 - dt.timedelta(days=30)).match(call(("client", "кредит")))
    assert match.source_ref == "r1@2"


def test_unchanged_rules_keep_their_version_and_changes_are_audited(store):
    with store.session() as session:
        save_tag_rules(session, _tag("ипотека"), "anna", T0)
        assert save_tag_rules(session, _tag("ипотека"), "boris", T0 + dt.timedelta(hours=1)) == []
        save_tag_rules(session, _tag("кредит"), "boris", T0 + dt.timedelta(hours=2))
        history = versioned.rule_history(session, "autotag", "r1")
        records = audit.history(session, "autotag_rule", "r1")
    assert [v.version for v in history] == [1, 2]
    assert [r.actor for r in records] == ["anna", "boris"]
    assert records[1].before["conditions"][0]["keywords"] == ["ипотека"]


def test_rules_dropped_from_a_tag_are_closed(store):
    with store.session() as session:
        save_tag_rules(session, _tag("ипотека", rule_id="a"), "anna", T0)
        save_tag_rules(session, _tag("кредит", rule_id="b"), "anna", T0 + dt.timedelta(hours=1))
        current = [v.rule_key for v in versioned.current_rules(session, "autotag")]
    assert current == ["b"]


def test_system_tag_from_config_store_cannot_get_rules(store):
    with store.session() as session:
        session.add(Tag(name="Генератор лидов", is_system=True))
        session.flush()
        rules = _tag("ипотека").model_copy(update={"tag": "Генератор лидов"})
        with pytest.raises(RuleError, match="system tags"):
            save_tag_rules(session, rules, "anna", T0)


def test_bad_document_applies_nothing(store):
    document = [
        {
            "tag": "A",
            "rules": [{"id": "ok", "conditions": [{"op": "contains_any", "keywords": ["x"]}]}],
        },
        {
            "tag": "B",
            "rules": [{"id": "bad", "conditions": [{"op": "contains_any", "keywords": []}]}],
        },
    ]
    with store.session() as session, pytest.raises(RuleError) as caught:
        import_rules(session, document, "anna", T0)
    assert caught.value.rule_id == "bad"
    with store.session() as session:
        assert versioned.current_rules(session, "autotag") == []


def test_rule_id_owned_by_another_tag(store):
    with store.session() as session:
        save_tag_rules(session, _tag("ипотека"), "anna", T0)
        other = _tag("кредит").model_copy(update={"tag": "Кредит"})
        with pytest.raises(RuleError, match="used by tag"):
            save_tag_rules(session, other, "anna", T0 + dt.timedelta(hours=1))

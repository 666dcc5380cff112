"""Bad rules are rejected as a whole, with the rule id and the field named."""

import pytest

from tagging.rules import RuleError, parse_tag_rules, rule_from_payload, rule_payload


def _doc(**rule_overrides):
    rule = {
        "id": "r1",
        "enabled": True,
        "communication_types": ["call", "chat"],
        "site_ids": None,
        "speaker": "client",
        "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}],
    }
    rule.update(rule_overrides)
    return [{"tag": "Ипотека", "rules": [rule]}]


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        (
            {"conditions": [{"op": "contains_any", "keywords": []}]},
            "[0].rules[0].conditions[0].keywords",
            "at least 1",
        ),
        (
            {"conditions": [{"op": "contains", "keywords": ["a"]}]},
            "[0].rules[0].conditions[0].op",
            "unknown value 'contains'",
        ),
        ({"speaker": "boss"}, "[0].rules[0].speaker", "unknown value 'boss'"),
        ({"conditions": []}, "[0].rules[0].conditions", "at least 1"),
        (
            {"conditions": [{"op": "contains_any", "keywords": ["😀 !!"]}]},
            "[0].rules[0].conditions[0].keywords",
            "has no words",
        ),
        (
            {"conditions": [{"op": "contains_any", "keywords": ["a"], "extra": 1}]},
            "[0].rules[0].conditions[0].extra",
            "Extra inputs",
        ),
        (
            {"communication_types": ["fax"]},
            "[0].rules[0].communication_types[0]",
            "unknown value 'fax'",
        ),
        ({"site_ids": "all"}, "[0].rules[0].site_ids", "valid list"),
        ({"enabled": "maybe"}, "[0].rules[0].enabled", "valid boolean"),
    ],
)
def test_bad_rule_names_rule_and_field(overrides, field, reason):
    with pytest.raises(RuleError) as caught:
        parse_tag_rules(_doc(**overrides))
    assert caught.value.rule_id == "r1"
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert "rule 'r1'" in str(caught.value)


def test_rule_without_id():
    document = [
        {"tag": "T", "rules": [{"conditions": [{"op": "contains_any", "keywords": ["a"]}]}]}
    ]
    with pytest.raises(RuleError) as caught:
        parse_tag_rules(document)
    assert caught.value.field == "[0].rules[0].id"
    assert caught.value.tag == "T"


def test_duplicate_rule_ids_across_tags():
    document = [*_doc(), {"tag": "Другой", "rules": _doc()[0]["rules"]}]
    with pytest.raises(RuleError, match="duplicate rule id"):
        parse_tag_rules(document)


@pytest.mark.parametrize("tag", ["Нецелевой", "повторный", "Потерянный", "Спам", "спам"])
def test_system_tags_cannot_get_rules(tag):
    document = _doc()
    document[0]["tag"] = tag
    with pytest.raises(RuleError, match="system tags"):
        parse_tag_rules(document)


@pytest.mark.parametrize("document", [{"tag": "T"}, "rules", [["T"]], [{"rules": []}]])
def test_malformed_document(document):
    with pytest.raises(RuleError):
        parse_tag_rules(document)


def test_defaults_and_payload_round_trip():
    [tag_rules] = parse_tag_rules(
        [
            {
                "tag": "T",
                "rules": [{"id": "x", "conditions": [{"op": "contains_any", "keywords": ["a"]}]}],
            }
        ]
    )
    rule = tag_rules.rules[0]
    assert rule.enabled
    assert rule.speaker == "any"
    assert rule.site_ids is None
    assert set(rule.communication_types) == {"call", "chat", "offline_message"}
    assert rule_from_payload(rule_payload("T", rule)) == ("T", rule)

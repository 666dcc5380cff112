"""Each op, speaker filtering, communication types and sites, evidence, odd input."""

import pytest

from tagging.matcher import MAX_EVIDENCE_PER_KEYWORD
from tests.tagging.conftest import call, matcher_for, one_rule, tags_of

TEXT = "Здравствуйте, хочу оформить ипотеку на новую квартиру"

OPS = [
    # op, keywords, holds?
    ("contains_all", ["ипотека", "квартира"], True),
    ("contains_all", ["ипотека", "машина"], False),
    ("contains_any", ["машина", "квартира"], True),
    ("contains_any", ["машина", "кредит"], False),
    ("not_contains_all", ["ипотека", "машина"], True),
    ("not_contains_all", ["ипотека", "квартира"], False),
    ("not_contains_any", ["машина", "кредит"], True),
    ("not_contains_any", ["машина", "квартира"], False),
]


@pytest.mark.parametrize(("op", "keywords", "holds"), OPS)
def test_op(op, keywords, holds):
    result = tags_of(one_rule(op, keywords), call(("client", TEXT)))
    assert result == ({"T"} if holds else set())


def test_all_conditions_of_a_rule_must_hold():
    rule = {
        "id": "r1",
        "conditions": [
            {"op": "contains_any", "keywords": ["ипотека"]},
            {"op": "not_contains_any", "keywords": ["отказ"]},
        ],
    }
    matcher = matcher_for([{"tag": "Ипотека", "rules": [rule]}])
    assert tags_of(matcher, call(("client", "ипотеку хочу"))) == {"Ипотека"}
    assert tags_of(matcher, call(("client", "ипотеку хочу, но получил отказ"))) == set()


def test_tag_set_when_any_enabled_rule_holds_and_disabled_rules_are_ignored():
    document = [
        {
            "tag": "Авто",
            "rules": [
                {
                    "id": "off",
                    "enabled": False,
                    "conditions": [{"op": "contains_any", "keywords": ["машина"]}],
                },
                {"id": "on", "conditions": [{"op": "contains_any", "keywords": ["автомобиль"]}]},
            ],
        }
    ]
    matcher = matcher_for(document)
    assert tags_of(matcher, call(("client", "продаю машину"))) == set()
    [match] = matcher.match(call(("client", "продаю автомобиль")))
    assert match.rule_id == "on"


def test_first_holding_rule_sets_the_tag_and_others_are_listed():
    document = [
        {
            "tag": "T",
            "rules": [
                {"id": "a", "conditions": [{"op": "contains_any", "keywords": ["квартира"]}]},
                {"id": "b", "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}]},
            ],
        }
    ]
    [match] = matcher_for(document).match(call(("client", TEXT)))
    assert (match.rule_id, match.also_matched) == ("a", ["b"])


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [("client", {"T"}), ("employee", set()), ("any", {"T"})],
)
def test_speaker_filter_contains(speaker, expected):
    communication = call(("client", "хочу ипотеку"), ("employee", "конечно, поможем"))
    assert tags_of(one_rule("contains_any", ["ипотека"], speaker), communication) == expected


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [("client", {"T"}), ("employee", set()), ("any", set())],
)
def test_speaker_filter_not_contains(speaker, expected):
    communication = call(("client", "хочу ипотеку"), ("employee", "у нас скидка"))
    assert tags_of(one_rule("not_contains_any", ["скидка"], speaker), communication) == expected


def test_chat_visitor_is_client_and_operator_is_employee():
    chat = call(("visitor", "нужна доставка"), ("operator", "оформим"), kind="chat")
    assert tags_of(one_rule("contains_any", ["доставка"], "client"), chat) == {"T"}
    assert tags_of(one_rule("contains_any", ["оформить"], "employee"), chat) == {"T"}
    assert tags_of(one_rule("contains_any", ["доставка"], "employee"), chat) == set()


def test_lead_text_is_the_clients():
    lead = call(("employee", "перезвоните по ипотеке"), kind="offline_message")
    assert tags_of(one_rule("contains_any", ["ипотека"], "client"), lead) == {"T"}


def test_unknown_speaker_counts_only_for_any():
    mono = call(("unknown", "ипотека"))
    assert tags_of(one_rule("contains_any", ["ипотека"], "any"), mono) == {"T"}
    assert tags_of(one_rule("contains_any", ["ипотека"], "client"), mono) == set()


def test_phrase_must_be_said_by_one_speaker_in_one_turn():
    split = call(("client", "первоначальный"), ("client", "взнос"))
    assert tags_of(one_rule("contains_any", ["первоначальный взнос"]), split) == set()


def test_communication_types_and_sites_filter():
    matcher = one_rule("contains_any", ["ипотека"], communication_types=["chat"], site_ids=[7])
    assert tags_of(matcher, call(("client", "ипотека"), kind="chat", site_id=7)) == {"T"}
    assert tags_of(matcher, call(("client", "ипотека"), kind="call", site_id=7)) == set()
    assert tags_of(matcher, call(("client", "ипотека"), kind="chat", site_id=8)) == set()


def test_evidence_names_words_speaker_turn_and_offsets():
    text = "Добрый день. Мы хотели бы ИПОТЕКУ с первоначальным взносом"
    communication = call(("employee", "слушаю"), ("client", text))
    matcher = one_rule("contains_any", ["ипотека", "первоначальный взнос"], "client")
    [match] = matcher.match(communication)
    evidence = {e["keyword"]: e for e in match.evidence}
    assert evidence["ипотека"]["words"] == "ИПОТЕКУ"
    assert evidence["первоначальный взнос"]["words"] == "первоначальным взносом"
    for item in match.evidence:
        assert item["speaker"] == "client"
        assert item["turn"] == 1
        assert text[item["start"] : item["end"]] == item["words"]


def test_evidence_offsets_survive_odd_unicode():
    text = "😀 Хочу ипоте\u0301ку\u200b!! ＩＰＯＴЕКА и е\u0308лку"  # noqa: RUF001 - full-width letters on purpose
    matcher = one_rule("contains_any", ["ипотека", "ёлка"])
    [match] = matcher.match(call(("client", text)))
    spans = [text[e["start"] : e["end"]] for e in match.evidence]
    assert spans == ["ипоте\u0301ку", "е\u0308лку"]


def test_evidence_is_capped_on_very_long_texts():
    text = "ипотека " * 50_000
    [match] = one_rule("contains_any", ["ипотека"]).match(call(("client", text)))
    assert len(match.evidence) == MAX_EVIDENCE_PER_KEYWORD


@pytest.mark.parametrize("text", ["", "   ", "😀🔥👍🏻", "!!! ... ???", "12345"])
def test_empty_or_wordless_turns(text):
    communication = call(("client", text))
    assert tags_of(one_rule("contains_any", ["ипотека"]), communication) == set()
    assert tags_of(one_rule("not_contains_any", ["ипотека"]), communication) == {"T"}


def test_no_turns_at_all():
    communication = call()
    assert tags_of(one_rule("contains_all", ["ипотека"]), communication) == set()


def test_digits_and_latin_match_literally():
    matcher = one_rule("contains_any", ["iPhone 15", "2.5 млн"])
    assert tags_of(matcher, call(("client", "продаю IPHONE 15 pro"))) == {"T"}
    assert tags_of(matcher, call(("client", "бюджет 2.5 млн рублей"))) == {"T"}
    assert tags_of(matcher, call(("client", "iphone 150"))) == set()


def test_hyphenated_keyword_also_matches_the_spaced_spelling():
    matcher = one_rule("contains_any", ["тест-драйв"])
    assert tags_of(matcher, call(("client", "запишите на тест-драйв"))) == {"T"}
    assert tags_of(matcher, call(("client", "хочу на тест драйв"))) == {"T"}
    [match] = matcher.match(call(("client", "после тест драйва")))
    assert match.evidence[0]["words"] == "тест драйва"
    assert tags_of(matcher, call(("client", "тест. Драйв"))) == set()

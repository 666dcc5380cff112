"""A keyword matches every inflected form of its word, per part of speech, in phrases, with ё/е;
and only its own word."""

import pytest

from tests.tagging.conftest import call, one_rule, tags_of

INFLECTIONS = [
    # nouns: case and number
    ("noun", "ипотека", "Нужна ипотеку оформить"),
    ("noun", "ипотека", "с ипотекой помогите"),
    ("noun", "ипотека", "про ипотеки узнать"),
    ("noun", "ипотека", "об ипотеке"),
    ("noun", "квартира", "смотрели квартиры"),
    ("noun", "квартира", "в квартирах"),
    ("noun", "взнос", "первым взносом"),
    ("noun", "кредит", "по кредитам"),
    ("noun", "договор", "без договора"),
    ("noun", "звонок", "после звонков"),
    # adjectives: gender, case, number
    ("adjective", "новый", "новая квартира"),
    ("adjective", "новый", "новое здание"),
    ("adjective", "новый", "в новом доме"),
    ("adjective", "новый", "новыми окнами"),
    ("adjective", "дорогой", "дорогую машину"),
    ("adjective", "кредитный", "кредитной картой"),
    # verbs: tense, mood, person, number, gender
    ("verb", "купить", "я купил"),
    ("verb", "купить", "куплю завтра"),
    ("verb", "купить", "она купила"),
    ("verb", "купить", "купи уже"),
    ("verb", "купить", "купили бы"),
    ("verb", "звонить", "вы звонили"),
    ("verb", "звонить", "звоню вам"),
    ("verb", "позвонить", "позвоните мне"),
    ("verb", "хотеть", "хотела узнать"),
    ("verb", "хотеть", "мы хотим"),
    ("verb", "идти", "шла домой"),
    # participles and gerunds fold into their verb
    ("participle", "купить", "купленная квартира"),
    ("gerund", "позвонить", "позвонив вам"),
    # a keyword typed in an inflected form still means its lemma
    ("inflected keyword", "ипотеку", "ипотека нужна"),
    ("inflected keyword", "купил", "хочу купить"),
    # ё and е are one letter, in text and in keywords
    ("ё/е", "ещё", "еще раз"),
    ("ё/е", "еще", "ещё раз"),
    ("ё/е", "ёлка", "ЕЛКИ"),
    ("ё/е", "зелёный", "зеленую"),
    # case of letters
    ("case", "ИПОТЕКА", "ипотеку"),
    ("case", "ипотека", "ИПОТЕКОЙ"),
    # phrases: each word in any form, in order, adjacent
    ("phrase", "первоначальный взнос", "с первоначальным взносом"),
    ("phrase", "первоначальный взнос", "первоначального взноса нет"),
    ("phrase", "материнский капитал", "материнским капиталом"),
    ("phrase", "хотеть купить", "хотели купить"),
    ("phrase", "новая квартира", "новых квартир"),
    ("phrase", "зелёный цвет", "зеленого цвета"),
]

NON_MATCHES = [
    # a bare word is not satisfied by another word sharing its prefix
    ("prefix", "кредит", "кредитор звонил"),
    ("prefix", "кредит", "кредитный договор"),
    ("prefix", "ипотека", "ипотечный брокер"),
    ("prefix", "дом", "домой"),
    ("prefix", "звонок", "звонкий голос"),
    ("prefix", "кот", "который"),
    # phrases need order and adjacency
    ("phrase order", "первоначальный взнос", "взнос первоначальный"),
    ("phrase gap", "первоначальный взнос", "первоначальный большой взнос"),
    ("phrase sentence", "кредит взнос", "Нужен кредит. Взнос есть"),
    # a dictionary-form keyword means that word, not a homonymous form of another one
    ("lemma", "банка", "банк"),
]


@pytest.mark.parametrize(("kind", "keyword", "text"), INFLECTIONS)
def test_keyword_matches_inflected_form(kind, keyword, text):
    matcher = one_rule("contains_any", [keyword])
    assert tags_of(matcher, call(("client", text))) == {"T"}, f"{kind}: {keyword} ~ {text}"


@pytest.mark.parametrize(("kind", "keyword", "text"), NON_MATCHES)
def test_keyword_does_not_match_other_word(kind, keyword, text):
    matcher = one_rule("contains_any", [keyword])
    assert tags_of(matcher, call(("client", text))) == set(), f"{kind}: {keyword} !~ {text}"


@pytest.mark.parametrize(
    ("keyword", "text"),
    [("стали", "сталь"), ("стали", "стать"), ("банки", "банк"), ("банки", "банка")],
)
def test_ambiguous_word_matches_any_of_its_parses(keyword, text):
    assert tags_of(one_rule("contains_any", [keyword]), call(("client", text))) == {"T"}


def test_ambiguous_text_word_matches_either_lemma():
    text = "банки"  # plural of банк and of банка
    assert tags_of(one_rule("contains_any", ["банк"]), call(("client", text))) == {"T"}
    assert tags_of(one_rule("contains_any", ["банка"]), call(("client", text))) == {"T"}

import pytest

from tagging.lemmas import Lemmatizer
from tagging.text import is_break, normalize, tokens, tokens_with_offsets, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ЁЛКА Ёж", "елка еж"),
        ("е\u0308лка", "елка"),  # decomposed ё
        ("ипоте\u0301ка", "ипотека"),  # stress mark
        ("ипо\u00adте\u200bка", "ипотека"),  # soft hyphen, zero-width space
        ("Ｉｐｈｏｎｅ", "iphone"),  # noqa: RUF001 - full-width on purpose
        ("й", "й"),  # й keeps its breve
        ("да😀нет", "да нет"),  # emoji separates words
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_words_split_on_punctuation_and_mark_sentence_ends():
    assert words(normalize("Привет, мир! Как дела? Цена 2.5 млн; кто-то интернет-магазин…")) == [
        "привет",
        "мир",
        "",
        "как",
        "дела",
        "",
        "цена",
        "2",
        "5",
        "млн",
        "",
        "кто-то",
        "интернет-магазин",
        "",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Привет, мир! Как дела?",
        "😀 ипоте\u0301ку е\u0308ж\u200b. Да",
        "  ",
        "Ｉｐｈｏｎｅ 15, ёлка.",  # noqa: RUF001 - full-width on purpose
    ],
)
def test_tokens_with_offsets_agree_with_words(text):
    spans = tokens_with_offsets(text)
    expected = [None if is_break(w) else w for w in tokens(normalize(text))]
    assert [t.text if t else None for t in spans] == expected
    for token in filter(None, spans):
        assert normalize(text[token.start : token.end]) == token.text


def test_lemmatizer_analyses_each_distinct_word_once():
    lemmatizer = Lemmatizer()
    calls = []
    original = lemmatizer.normal_forms
    lemmatizer.normal_forms = lambda token: calls.append(token) or original(token)
    lemmatizer.lemma_ids_of(["ипотеку", "ипотеку", "ипотекой", "ипотеку"])
    assert calls == ["ипотеку", "ипотекой"]
    assert lemmatizer.lemma_ids("ипотеку") == lemmatizer.lemma_ids("ипотекой")


def test_lemmatizer_cache_is_bounded():
    lemmatizer = Lemmatizer(max_cached=3)
    for word in ["дом", "дома", "дому", "домом", "доме"]:
        lemmatizer.lemma_ids(word)
    assert lemmatizer.cached_words <= 3

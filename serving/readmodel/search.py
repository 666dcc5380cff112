"""Text search in transcripts and chats: case-, ё/е- and inflection-insensitive.

A query word matches any inflected form of any of its lemmas (pymorphy3 lexemes), as a whole
word; every word of the query must occur.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3

from tagging.text import normalize, words

# Word boundaries spelled out: RE2's \b knows only ASCII letters.
_LETTER = "a-z0-9а-я"
MAX_QUERY_WORDS = 8


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=4096)
def word_forms(word: str) -> tuple[str, ...]:
    """Every form of every lemma the word can come from, lower case, ё folded."""
    forms = {word}
    if re.search("[а-я]", word):
        for parse in _morph().parse(word):
            forms.update(f.word.replace("ё", "е") for f in parse.lexeme)
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def query_patterns(text: str) -> list[str]:
    """One RE2 pattern per query word, to match against normalized text."""
    tokens = [w for w in words(normalize(text)) if w][:MAX_QUERY_WORDS]
    return [
        f"(^|[^{_LETTER}])({'|'.join(re.escape(f) for f in word_forms(token))})($|[^{_LETTER}])"
        for token in tokens
    ]

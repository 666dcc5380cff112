"""Lemmas of Russian words with pymorphy3, each distinct word analysed once per process.

A word maps to the set of normal forms of all its parses, because an ambiguous word matches when
any of its parses fits («стали» → {сталь, стать}). Lemmas are interned as small integers so that
matching compares ints, not strings.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import pymorphy3

from tagging.text import has_digit, is_break

_EMPTY: frozenset[int] = frozenset()


def _is_cyrillic_word(token: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in token) and not has_digit(token)


class Lemmatizer:
    """Caches `token → frozenset of lemma ids` for normalised tokens (see tagging.text).

    The cache is bounded: past `max_cached` distinct words it starts again, which keeps memory
    flat on a platform's worth of vocabulary and costs only re-analysis of the words seen after.
    """

    def __init__(
        self, analyzer: pymorphy3.MorphAnalyzer | None = None, max_cached: int = 2_000_000
    ):
        self._morph = analyzer or pymorphy3.MorphAnalyzer()
        self.max_cached = max_cached
        self._cache: dict[str, frozenset[int]] = {}
        self._lemma_ids: dict[str, int] = {}
        self._lemma_names: list[str] = []
        self._lock = threading.Lock()

    def _intern(self, lemma: str) -> int:
        lemma_id = self._lemma_ids.get(lemma)
        if lemma_id is None:
            with self._lock:
                lemma_id = self._lemma_ids.setdefault(lemma, len(self._lemma_names))
                if lemma_id == len(self._lemma_names):
                    self._lemma_names.append(lemma)
        return lemma_id

    def normal_forms(self, token: str) -> set[str]:
        """Normal forms of every parse, ё-folded; a non-Russian token or a number is itself."""
        if is_break(token):
            return set()
        if not _is_cyrillic_word(token):
            return {token}
        return {p.normal_form.replace("ё", "е") for p in self._morph.parse(token)}

    def lemma_ids(self, token: str) -> frozenset[int]:
        """Lemma ids of one text token (cached)."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        ids = frozenset(self._intern(form) for form in self.normal_forms(token))
        if len(self._cache) >= self.max_cached:
            self._cache = {}
        self._cache[token] = ids
        return ids

    def lemma_ids_of(self, tokens: list[str]) -> list[frozenset[int]]:
        cache = self._cache
        get = cache.get
        cached = [get(token) for token in tokens]
        return [
            self.lemma_ids(token) if ids is None else ids
            for token, ids in zip(tokens, cached, strict=True)
        ]

    def keyword_lemma_ids(self, token: str) -> frozenset[int]:
        """Lemma ids of one keyword word.

        A keyword written in a dictionary form means that lemma: «банка» is the jar, not a form
        of «банк», so it does not match «банк» (but matches «банки», which can be either).
        A keyword in an inflected form means every lemma it can come from.
        """
        forms = self.normal_forms(token)
        own = {form for form in forms if form == token}
        return frozenset(self._intern(form) for form in (own or forms))

    def lemma_name(self, lemma_id: int) -> str:
        return self._lemma_names[lemma_id]

    @property
    def cached_words(self) -> int:
        return len(self._cache)


@lru_cache(maxsize=1)
def get_lemmatizer() -> Lemmatizer:
    """The process-wide lemmatizer: the pymorphy3 dictionaries load once per worker."""
    return Lemmatizer()

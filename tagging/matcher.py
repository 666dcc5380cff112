"""Keyword rules compiled once and evaluated per communication.

A communication is analysed once: each turn's words become lemma-id sets (cached per distinct
word), and the union per speaker answers single-word keywords with one set test. Phrases check
adjacency only when all their lemmas occur. Evidence (matched words, speaker, turn, character
offsets in the turn's text) is gathered only for rules that hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tagging.lemmas import Lemmatizer, get_lemmatizer
from tagging.rules import POSITIVE_OPS, Rule
from tagging.text import is_break, normalize, tokens, tokens_with_offsets, words

MAX_EVIDENCE_PER_KEYWORD = 10

SPEAKER_ALIASES = {
    "client": "client",
    "visitor": "client",
    "employee": "employee",
    "operator": "employee",
}
KNOWN_TURN_SPEAKERS = frozenset(SPEAKER_ALIASES) | {"unknown"}


def canonical_speaker(speaker: str | None) -> str:
    """client / employee, or unknown (a turn that only rules with speaker "any" see)."""
    return SPEAKER_ALIASES.get((speaker or "").strip().lower(), "unknown")


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Communication:
    communication_id: str
    communication_type: str
    site_id: int | None
    turns: tuple[Turn, ...]
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class ActiveRule:
    """A rule version in effect: what the matcher evaluates and provenance records."""

    tag: str
    rule: Rule
    version: int | None = None
    account_id: int | None = None

    @property
    def source_ref(self) -> str:
        return self.rule.id if self.version is None else f"{self.rule.id}@{self.version}"


@dataclass(slots=True)
class TagMatch:
    communication_id: str
    tag: str
    rule_id: str
    rule_version: int | None
    evidence: list[dict[str, Any]]
    also_matched: list[str] = field(default_factory=list)

    @property
    def source_ref(self) -> str:
        return self.rule_id if self.rule_version is None else f"{self.rule_id}@{self.rule_version}"


@dataclass(frozen=True, slots=True)
class _Keyword:
    text: str
    words: tuple[frozenset[int], ...]

    def occurs_in(self, lemmas: Sequence[frozenset[int]]) -> list[int]:
        """Start positions where the keyword's words occur in order and adjacent."""
        first, rest = self.words[0], self.words[1:]
        last_start = len(lemmas) - len(self.words)
        starts = [
            i for i, found in enumerate(lemmas) if i <= last_start and not first.isdisjoint(found)
        ]
        if not rest:
            return starts
        return [
            i
            for i in starts
            if all(not word.isdisjoint(lemmas[i + j]) for j, word in enumerate(rest, 1))
        ]

    def could_occur_in(self, present: set[int]) -> bool:
        return all(not word.isdisjoint(present) for word in self.words)


@dataclass(frozen=True, slots=True)
class _Condition:
    op: str
    # each keyword is a group of spellings; it occurs when any spelling does
    keywords: tuple[tuple[_Keyword, ...], ...]


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    active: ActiveRule
    types: frozenset[str]
    account_id: int | None
    site_ids: frozenset[int] | None
    speaker: str
    conditions: tuple[_Condition, ...]


class _Analysis:
    """One communication's turns as lemma-id sequences, with per-speaker presence sets."""

    def __init__(self, communication: Communication, lemmatizer: Lemmatizer):
        self.communication = communication
        self.lemmatizer = lemmatizer
        self.speakers: list[str] = []
        self.lemmas: list[list[frozenset[int]]] = []
        self.turn_presence: list[set[int]] = []
        presence: dict[str, set[int]] = {"client": set(), "employee": set(), "unknown": set()}
        forced_client = communication.communication_type == "offline_message"
        for turn in communication.turns:
            speaker = "client" if forced_client else canonical_speaker(turn.speaker)
            turn_lemmas = lemmatizer.lemma_ids_of(tokens(normalize(turn.text)))
            turn_presence = set().union(*turn_lemmas)
            self.speakers.append(speaker)
            self.lemmas.append(turn_lemmas)
            self.turn_presence.append(turn_presence)
            presence[speaker] |= turn_presence
        presence["any"] = presence["client"] | presence["employee"] | presence["unknown"]
        self.presence = presence
        self._occurs: dict[tuple[int, str], bool] = {}
        self._spans: dict[int, tuple[list, list[frozenset[int]]]] = {}

    def turn_indexes(self, scope: str, keyword: _Keyword) -> list[int]:
        """Turns of the scope that hold every word of the keyword somewhere."""
        return [
            i
            for i, speaker in enumerate(self.speakers)
            if (scope == "any" or speaker == scope)
            and keyword.could_occur_in(self.turn_presence[i])
        ]

    def _spans_of(self, index: int) -> tuple[list, list[frozenset[int]]]:
        cached = self._spans.get(index)
        if cached is None:
            spans = tokens_with_offsets(self.communication.turns[index].text)
            lemma_ids = self.lemmatizer.lemma_ids
            lemmas = [lemma_ids(token.text) if token else frozenset() for token in spans]
            cached = self._spans[index] = (spans, lemmas)
        return cached

    def occurs(self, keyword: _Keyword, scope: str) -> bool:
        key = (id(keyword), scope)
        cached = self._occurs.get(key)
        if cached is not None:
            return cached
        result = keyword.could_occur_in(self.presence[scope])
        if result and len(keyword.words) > 1:
            result = any(
                keyword.occurs_in(self.lemmas[i]) for i in self.turn_indexes(scope, keyword)
            )
        self._occurs[key] = result
        return result

    def evidence(self, keyword: _Keyword, scope: str, condition: int, op: str) -> list[dict]:
        found: list[dict[str, Any]] = []
        for index in self.turn_indexes(scope, keyword):
            text = self.communication.turns[index].text
            spans, span_lemmas = self._spans_of(index)
            for position in keyword.occurs_in(span_lemmas):
                first, last = spans[position], spans[position + len(keyword.words) - 1]
                found.append(
                    {
                        "condition": condition,
                        "op": op,
                        "keyword": keyword.text,
                        "words": text[first.start : last.end],
                        "speaker": self.speakers[index],
                        "turn": index,
                        "start": first.start,
                        "end": last.end,
                    }
                )
                if len(found) >= MAX_EVIDENCE_PER_KEYWORD:
                    return found
        return found


class RuleMatcher:
    """Compiles active rules once; `match()` evaluates them for one communication.

    Rules are evaluated in the given order; a tag is set by its first rule that holds, and the
    other rules of the tag that also hold are listed in `also_matched` (and counted as hits).
    """

    def __init__(self, rules: Iterable[ActiveRule], lemmatizer: Lemmatizer | None = None):
        self.lemmatizer = lemmatizer or get_lemmatizer()
        self._keywords: dict[str, tuple[_Keyword, ...]] = {}
        self.rules: list[_CompiledRule] = [
            self._compile(active) for active in rules if active.rule.enabled
        ]

    def _keyword(self, text: str) -> tuple[_Keyword, ...]:
        """The keyword's spellings: as typed and, when it has a hyphenated word, also with the
        hyphen as a space («тест-драйв» also matches «тест драйв», as recognisers write it)."""
        compiled = self._keywords.get(text)
        if compiled is None:
            typed = [w for w in words(normalize(text)) if not is_break(w)]
            spellings = [typed]
            if any("-" in word for word in typed):
                spellings.append([part for word in typed for part in word.split("-")])
            compiled = self._keywords[text] = tuple(
                _Keyword(text, tuple(self.lemmatizer.keyword_lemma_ids(w) for w in spelling))
                for spelling in spellings
            )
        return compiled

    def _compile(self, active: ActiveRule) -> _CompiledRule:
        rule = active.rule
        return _CompiledRule(
            active=active,
            types=frozenset(rule.communication_types),
            account_id=active.account_id,
            site_ids=None if rule.site_ids is None else frozenset(rule.site_ids),
            speaker=rule.speaker,
            conditions=tuple(
                _Condition(c.op, tuple(self._keyword(k) for k in c.keywords))
                for c in rule.conditions
            ),
        )

    @staticmethod
    def _applies(rule: _CompiledRule, communication: Communication) -> bool:
        if communication.communication_type not in rule.types:
            return False
        if rule.account_id is not None and communication.account_id != rule.account_id:
            return False
        return rule.site_ids is None or communication.site_id in rule.site_ids

    @staticmethod
    def _holds(rule: _CompiledRule, analysis: _Analysis) -> bool:
        scope = rule.speaker
        for condition in rule.conditions:
            hits = (
                any(analysis.occurs(spelling, scope) for spelling in keyword)
                for keyword in condition.keywords
            )
            if condition.op == "contains_all":
                ok = all(hits)
            elif condition.op == "contains_any":
                ok = any(hits)
            elif condition.op == "not_contains_all":
                ok = not all(hits)
            else:
                ok = not any(hits)
            if not ok:
                return False
        return True

    @staticmethod
    def _evidence(rule: _CompiledRule, analysis: _Analysis) -> list[dict]:
        evidence: list[dict] = []
        for number, condition in enumerate(rule.conditions):
            if condition.op not in POSITIVE_OPS:
                continue
            for spellings in condition.keywords:
                for keyword in spellings:
                    if analysis.occurs(keyword, rule.speaker):
                        found = analysis.evidence(keyword, rule.speaker, number, condition.op)
                        evidence.extend(found)
        return evidence

    def match(self, communication: Communication) -> list[TagMatch]:
        candidates = [r for r in self.rules if self._applies(r, communication)]
        if not candidates:
            return []
        analysis = _Analysis(communication, self.lemmatizer)
        by_tag: dict[str, TagMatch] = {}
        for rule in candidates:
            if not self._holds(rule, analysis):
                continue
            active = rule.active
            existing = by_tag.get(active.tag)
            if existing is not None:
                existing.also_matched.append(active.source_ref)
                continue
            by_tag[active.tag] = TagMatch(
                communication_id=communication.communication_id,
                tag=active.tag,
                rule_id=active.rule.id,
                rule_version=active.version,
                evidence=self._evidence(rule, analysis),
            )
        return list(by_tag.values())

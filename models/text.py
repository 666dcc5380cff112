"""Russian text preparation for SmartTag: normalisation, lemmas and speaker-aware documents.

Every word is reduced to its lemma, so a phrase in any case, gender, number or tense maps to the
same tokens («ипотеку», «ипотекой» → «ипотека»; «звонила», «позвонят» → «звонить»/«позвонить»).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pymorphy3

from tagging.text import normalize as _platform_normalize

SPEAKERS = ("client", "employee")
SPEAKER_MARKERS = {"client": "[CLIENT]", "employee": "[EMPLOYEE]"}
_WORD = re.compile(r"[0-9a-zа-я]+(?:-[0-9a-zа-я]+)*")


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def normalize(text: str) -> str:
    """The platform's normalisation (lower case, ё→е, NFKC, no accents or emoji)."""
    return _platform_normalize(text or "")


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


@lru_cache(maxsize=500_000)
def lemma(word: str) -> str:
    if not word or word.isdigit() or not ("а" <= word[0] <= "я"):
        return word
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def lemmas(text: str) -> list[str]:
    return [lemma(w) for w in words(text)]


@dataclass(frozen=True)
class Document:
    """One communication as SmartTag sees it: who said what, and optional intonation features."""

    turns: tuple[tuple[str, str], ...]
    prosody: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str) -> Document:
        return cls(turns=(("client", text),))

    @property
    def is_empty(self) -> bool:
        return not any(text.strip() for _, text in self.turns)

    def surface_text(self) -> str:
        return " ".join(text for _, text in self.turns)

    def lemma_turns(self) -> list[tuple[str, list[str]]]:
        return _lemma_turns(self.turns)

    def word_turns(self) -> list[tuple[str, list[str]]]:
        return [(speaker, words(text)) for speaker, text in self.turns]


@lru_cache(maxsize=8192)
def _lemma_turns(turns: tuple[tuple[str, str], ...]) -> list[tuple[str, list[str]]]:
    return [(speaker, lemmas(text)) for speaker, text in turns]


def speaker_of(value: object) -> str:
    """Maps the speaker names used across the platform onto client/employee."""
    name = str(value or "").strip().lower()
    if name in ("employee", "operator", "agent", "manager", "сотрудник", "оператор"):
        return "employee"
    return "client"


def flatten_prosody(prosody: object, prefix: str = "") -> dict[str, float]:
    """Turns nested intonation features ({"client": {"pitch_mean": ...}}) into flat numbers."""
    flat: dict[str, float] = {}
    if isinstance(prosody, dict):
        for key, value in prosody.items():
            flat.update(flatten_prosody(value, f"{prefix}{key}."))
    elif isinstance(prosody, bool) or (isinstance(prosody, int | float) and prosody == prosody):
        flat[prefix.rstrip(".")] = float(prosody)
    return flat


def document_from_turns(turns: object, prosody: object = None) -> Document:
    """Builds a Document from turns as stored in the warehouse (a list of {speaker, text})."""
    pairs: list[tuple[str, str]] = []
    for turn in turns if isinstance(turns, Iterable) else ():
        if isinstance(turn, dict):
            pairs.append((speaker_of(turn.get("speaker")), str(turn.get("text") or "")))
        elif isinstance(turn, list | tuple) and len(turn) >= 2:
            pairs.append((speaker_of(turn[0]), str(turn[1] or "")))
    return Document(turns=tuple(pairs), prosody=flatten_prosody(prosody))

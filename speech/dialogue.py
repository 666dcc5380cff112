"""Utterances from recognizer results, and the time-ordered dialogue of both legs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# A silence between two words longer than this starts a new utterance.
DEFAULT_SPLIT_PAUSE = 0.6
SPEAKER_ORDER = {"client": 0, "employee": 1, "unknown": 2}


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "word": self.word,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "conf": round(self.conf, 4),
        }


@dataclass(frozen=True)
class Utterance:
    speaker: str
    start: float
    end: float
    words: tuple[Word, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return " ".join(w.word for w in self.words)

    @property
    def confidence(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words) if self.words else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "words": [w.as_dict() for w in self.words],
            "confidence": round(self.confidence, 4),
        }


def words_from_result(result: Mapping[str, Any], offset: float = 0.0) -> list[Word]:
    """Words of one Vosk result: ``{"result": [{"conf","end","start","word"}], "text": ...}``."""
    words = []
    for item in result.get("result") or ():
        words.append(
            Word(
                word=str(item["word"]),
                start=float(item["start"]) + offset,
                end=float(item["end"]) + offset,
                conf=float(item.get("conf", 1.0)),
            )
        )
    return words


def utterances_from_results(
    results: Iterable[Mapping[str, Any]],
    speaker: str,
    split_pause: float = DEFAULT_SPLIT_PAUSE,
    offset: float = 0.0,
) -> list[Utterance]:
    """Cuts the recognizer's results into utterances at every pause longer than ``split_pause``."""
    utterances: list[Utterance] = []
    for result in results:
        current: list[Word] = []
        for word in words_from_result(result, offset):
            if current and word.start - current[-1].end > split_pause:
                utterances.append(
                    Utterance(speaker, current[0].start, current[-1].end, tuple(current))
                )
                current = []
            current.append(word)
        if current:
            utterances.append(Utterance(speaker, current[0].start, current[-1].end, tuple(current)))
    return utterances


def merge_dialogue(legs: Mapping[str, Sequence[Utterance]]) -> list[Utterance]:
    """Both legs in one time-ordered dialogue (ties: earlier end, then client before employee)."""
    merged = [u for utterances in legs.values() for u in utterances]
    return sorted(merged, key=lambda u: (u.start, u.end, SPEAKER_ORDER.get(u.speaker, 9)))


def turns_json(dialogue: Sequence[Utterance]) -> list[dict[str, Any]]:
    return [u.as_dict() for u in dialogue]


def utterances_from_turns(turns: Iterable[Mapping[str, Any]]) -> list[Utterance]:
    """The inverse of ``turns_json``: utterances from stored turns."""
    out = []
    for turn in turns:
        words = tuple(
            Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in turn.get("words") or ()
        )
        out.append(Utterance(turn["speaker"], float(turn["start"]), float(turn["end"]), words))
    return out

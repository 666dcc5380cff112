"""Wording for the demo dialogues: one module per industry plus the shared parts.

Each tag is a `Topic`: what the client says to open it, asks about it and replies, what the
employee answers and asks, and, for distractors, how the employee offers it and the client turns
it down. Templates use the syntax of `data.demo.dialogue_templates`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    open: tuple[str, ...]
    ask: tuple[str, ...]
    answer: tuple[str, ...]
    probe: tuple[str, ...]
    reply: tuple[str, ...]
    offer: tuple[str, ...] = ()
    decline: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndustryLexicon:
    name: str
    company_intro: tuple[str, ...]
    slots: dict[str, tuple[str, ...]]
    tags: dict[str, Topic]
    tag_weights: dict[str, float]
    generic: tuple[Topic, ...]
    small_talk: tuple[tuple[str, str], ...] = field(default=())
    closing: tuple[str, ...] = field(default=())


def industries() -> dict[str, IndustryLexicon]:
    from data.demo.lexicon.auto import AUTO
    from data.demo.lexicon.real_estate import REAL_ESTATE

    return {REAL_ESTATE.name: REAL_ESTATE, AUTO.name: AUTO}

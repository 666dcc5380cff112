"""Word error rate of a transcript against its reference, Russian-normalised (case, ё/е,
punctuation), with jiwer."""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[0-9a-zа-я]+")


def normalize_words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("ё", "е")))


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER: total edits over total reference words."""
    import jiwer

    refs = [normalize_words(r) for r in references]
    hyps = [normalize_words(h) for h in hypotheses]
    kept = [(r, h) for r, h in zip(refs, hyps, strict=True) if r]
    if not kept:
        raise ValueError("no reference words to score against")
    return float(jiwer.wer([r for r, _ in kept], [h for _, h in kept]))

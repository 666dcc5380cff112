"""Russian text normalisation and tokenisation.

Every matching of user text goes through `normalize()`: NFKC (full-width letters, ligatures and
decomposed «е + ̈» become plain letters), lower case, ё→е, combining marks such as stress accents
and invisible format characters (soft hyphen, zero-width space) dropped, emoji and other symbols
turned into spaces. Punctuation separates words; a sentence end («.», «!», «?», «…», «;» followed
by a space) also separates phrases, so a phrase never matches across two sentences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HYPHENS = {0x2010: "-", 0x2011: "-", 0x2212: "-"}
_SYMBOL_CATEGORIES = {"So", "Sk", "Cs", "Co", "Cn"}
_DROPPED_CATEGORIES = {"Mn", "Me", "Cf"}


class _FoldTable(dict):
    """`str.translate` table computed lazily per code point and then cached."""

    def __missing__(self, code: int) -> str | int | None:
        char = chr(code)
        category = unicodedata.category(char)
        value: str | int | None
        if code in _HYPHENS:
            value = _HYPHENS[code]
        elif category in _DROPPED_CATEGORIES:
            value = None
        elif category in _SYMBOL_CATEGORIES:
            value = " "
        else:
            value = code
        self[code] = value
        return value


_FOLD = _FoldTable({ord("ё"): "е", ord("Ё"): "е"})

TOKEN_PATTERN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_BREAK_CHARS = ".!?…;"
_SENTENCE_END = re.compile(r"[.!?…;]+(?=\s|$)")
_WORDS_AND_BREAKS = re.compile(rf"{TOKEN_PATTERN.pattern}|{_SENTENCE_END.pattern}")


# Text made only of these needs no NFKC and no per-character table: the common case.
_PLAIN = re.compile(r"[ \t\n\ra-zA-Z0-9а-яА-ЯёЁ.,!?;:()«»\"'/%+=-]*")


def normalize(text: str) -> str:
    """Lower-cased, ё-folded, NFKC text without accents, invisible characters or emoji."""
    if not text:
        return ""
    if _PLAIN.fullmatch(text):
        return text.lower().replace("ё", "е")
    return unicodedata.normalize("NFKC", text).lower().translate(_FOLD)


def normalize_with_offsets(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """`normalize()` plus a map back to the original text.

    Returns `(normalized, starts, ends)`: normalized character k comes from `text[starts[k]:
    ends[k]]`. Both lists are None when the map is the identity (the common case), so callers
    skip the per-character work.
    """
    if not text:
        return "", None, None
    if unicodedata.is_normalized("NFKC", text):
        lowered = text.lower()
        if len(lowered) == len(text):
            folded = lowered.translate(_FOLD)
            if len(folded) == len(text):
                return folded, None, None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.category(text[j])[0] == "M":
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).lower().translate(_FOLD)
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return "".join(out), starts, ends


def tokens(normalized: str) -> list[str]:
    """Words of normalised text, with each sentence end kept as its punctuation (`is_break`):
    a barrier that no phrase crosses and that has no lemma. The matcher's fast path."""
    return _WORDS_AND_BREAKS.findall(normalized)


def words(normalized: str) -> list[str]:
    """Words of normalised text; an empty string marks a sentence end."""
    return ["" if is_break(token) else token for token in tokens(normalized)]


def is_break(token: str) -> bool:
    return not token or token[0] in _BREAK_CHARS


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text: its normalised form and its character span there."""

    text: str
    start: int
    end: int


def tokens_with_offsets(text: str) -> list[Token | None]:
    """The same sequence as `tokens(normalize(text))`, with spans in `text`; None marks a
    sentence end."""
    normalized, starts, ends = normalize_with_offsets(text)
    result: list[Token | None] = []
    for match in _WORDS_AND_BREAKS.finditer(normalized):
        a, b = match.span()
        if is_break(match.group()):
            result.append(None)
        elif starts is None or ends is None:
            result.append(Token(match.group(), a, b))
        else:
            result.append(Token(match.group(), starts[a], ends[b - 1]))
    return result


def has_digit(token: str) -> bool:
    return any(ch.isdigit() for ch in token)

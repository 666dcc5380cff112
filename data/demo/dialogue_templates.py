"""A small template language for Russian phrases with inflection.

Syntax inside a template string:

- ``(a|b|)``        one alternative, chosen at random; an empty alternative drops the part.
- ``{SLOT}``        a value of a named slot (sticky: one value per dialogue).
- ``{SLOT:gent}``   the same value inflected into the listed grammemes (pymorphy3 tags).
- ``<лемма:gram>``  a word or phrase inflected into the listed grammemes. In a phrase the first
                    noun is the head; adjectives before it agree with it in case, number and
                    gender. ``@me`` stands for the speaker's gender (``masc``/``femn``).
- ``<#2-9 лемма>``  a number from the range, in words, with the noun agreeing with it.

Words containing non-Cyrillic letters or guillemets, and words prefixed with ``=``, are never
inflected (model names, «ЖК Северный», ``=трейд-ин``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

import pymorphy3

CASES = {"nomn", "gent", "datv", "accs", "ablt", "loct"}
NUMBERS = {"sing", "plur"}
SPEAKER_GENDER = "@me"


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Alt:
    options: tuple[tuple, ...]


@dataclass(frozen=True)
class Slot:
    name: str
    grams: tuple[str, ...]


@dataclass(frozen=True)
class Infl:
    phrase: str
    grams: tuple[str, ...]


@dataclass(frozen=True)
class Num:
    low: int
    high: int
    lemma: str
    case: str = "nomn"


class TemplateError(ValueError):
    """A template that does not parse or a form that pymorphy3 cannot build."""


@cache
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


def compile_template(text: str) -> tuple:
    nodes, pos = _parse_sequence(text, 0, stop="")
    if pos != len(text):
        raise TemplateError(f"unbalanced ')' at {pos} in {text!r}")
    return nodes


def _parse_sequence(text: str, pos: int, stop: str) -> tuple[tuple, int]:
    nodes: list = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            nodes.append(Lit("".join(literal)))
            literal.clear()

    while pos < len(text) and text[pos] not in stop:
        char = text[pos]
        if char == "(":
            flush()
            options = []
            pos += 1
            while True:
                option, pos = _parse_sequence(text, pos, stop="|)")
                options.append(option)
                if pos >= len(text):
                    raise TemplateError(f"unclosed '(' in {text!r}")
                pos += 1
                if text[pos - 1] == ")":
                    break
            nodes.append(Alt(tuple(options)))
        elif char in "{<":
            flush()
            close = "}" if char == "{" else ">"
            end = text.find(close, pos)
            if end < 0:
                raise TemplateError(f"unclosed {char!r} in {text!r}")
            nodes.append(_parse_marker(char, text[pos + 1 : end], text))
            pos = end + 1
        elif char == ")":
            raise TemplateError(f"unbalanced ')' in {text!r}")
        else:
            literal.append(char)
            pos += 1
    flush()
    return tuple(nodes), pos


def _parse_marker(kind: str, body: str, text: str):
    if kind == "<" and body.startswith("#"):
        match = re.fullmatch(r"#(\d+)-(\d+) ([^:\s]+)(?::(\w+))?", body)
        if not match or (match[4] and match[4] not in CASES):
            raise TemplateError(f"bad number marker <{body}> in {text!r}")
        return Num(int(match[1]), int(match[2]), match[3], match[4] or "nomn")
    name, _, grams = body.partition(":")
    gram_tuple = tuple(g.strip() for g in grams.split(",") if g.strip())
    if kind == "{":
        return Slot(name.strip(), gram_tuple)
    if not gram_tuple:
        raise TemplateError(f"<{body}> names no grammemes in {text!r}")
    return Infl(name.strip(), gram_tuple)


@dataclass
class RenderContext:
    """Per-dialogue state: the random stream, sticky slot values and the speaker's gender."""

    rng: random.Random
    slots: dict[str, tuple[str, ...]]
    chosen: dict[str, str]
    gender: str = "masc"

    def slot_value(self, name: str) -> str:
        if name not in self.chosen:
            if name not in self.slots:
                raise TemplateError(f"unknown slot {{{name}}}")
            values = self.slots[name]
            self.chosen[name] = values[int(self.rng.random() * len(values))]
        return self.chosen[name]


def render(nodes: tuple, ctx: RenderContext) -> str:
    parts: list[str] = []
    _render_into(nodes, ctx, parts)
    return tidy("".join(parts))


def _render_into(nodes: tuple, ctx: RenderContext, parts: list[str]) -> None:
    for node in nodes:
        kind = type(node)
        if kind is Lit:
            parts.append(node.text)
        elif kind is Alt:
            options = node.options
            _render_into(options[int(ctx.rng.random() * len(options))], ctx, parts)
        elif kind is Slot:
            value = ctx.slot_value(node.name)
            if node.grams:
                value = inflect_phrase(value, _resolve(node.grams, ctx.gender))
            parts.append(value.lstrip("="))
        elif kind is Infl:
            parts.append(inflect_phrase(node.phrase, _resolve(node.grams, ctx.gender)))
        else:
            parts.append(number_phrase(ctx.rng.randint(node.low, node.high), node.lemma, node.case))


def _resolve(grams: tuple[str, ...], gender: str) -> frozenset[str]:
    return frozenset(gender if g == SPEAKER_GENDER else g for g in grams)


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:»)])")
_SPACES = re.compile(r"\s{2,}")
_DOUBLE_COMMA = re.compile(r",\s*(?=[,.!?])")


_PUNCT_AFTER_SPACE = tuple(f" {p}" for p in ",.!?;:»)")
_PUNCT_AFTER_COMMA = (",,", ",.", ",!", ",?")


def tidy(text: str) -> str:
    """Collapse spaces, glue punctuation, drop commas left by empty alternatives, capitalize."""
    # The `in` checks skip the regexes for most lines, which keeps generation fast.
    if "  " in text:
        text = _SPACES.sub(" ", text)
    text = text.strip()
    if any(pair in text for pair in _PUNCT_AFTER_SPACE):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    if any(pair in text for pair in _PUNCT_AFTER_COMMA):
        text = _DOUBLE_COMMA.sub("", text)
    text = text.lstrip(",. ")
    return text[:1].upper() + text[1:] if text else text


def _is_frozen(word: str) -> bool:
    return word.startswith("=") or not re.fullmatch(r"[а-яё-]+", word.lower())


@cache
def inflect_phrase(phrase: str, grams: frozenset[str]) -> str:
    """Inflect a phrase: the head noun takes the case and number, adjectives before it agree."""
    if phrase.startswith("="):
        return phrase[1:]
    words = phrase.split()
    parses = [None if _is_frozen(w) else morph().parse(w)[0] for w in words]
    head = next((i for i, p in enumerate(parses) if p is not None and p.tag.POS == "NOUN"), None)
    if head is not None:
        parses[head] = _nominative_noun_parse(words[head], parses[:head])
    if head is None:
        return " ".join(
            _inflect_word(w, p, grams, phrase) if p is not None else w.lstrip("=")
            for w, p in zip(words, parses, strict=True)
        )
    head_parse = parses[head]
    if head_parse is None:
        raise ValueError(f"no noun reading for {words[head]!r} in {phrase!r}")
    head_form = _inflect_word(words[head], head_parse, grams & (CASES | NUMBERS), phrase)
    number = next(iter(grams & NUMBERS), None) or head_parse.tag.number or "sing"
    out = [w.lstrip("=") for w in words]
    out[head] = head_form
    for i in range(head):
        parse = parses[i]
        if parse is None or parse.tag.POS not in {"ADJF", "PRTF"}:
            continue
        agree = set(grams & CASES) | {number}
        if number == "sing":
            agree.add(head_parse.tag.gender or "masc")
        if "accs" in agree and ("plur" in agree or "masc" in agree):
            agree.add(head_parse.tag.animacy or "inan")
        out[i] = _inflect_word(words[i], parse, frozenset(agree), phrase)
    return " ".join(out)


def _nominative_noun_parse(word: str, before: list):
    """Phrases are written in the nominative: pick the noun reading that agrees with them."""
    adjective = next((p for p in before if p is not None and p.tag.POS in {"ADJF", "PRTF"}), None)
    wanted = {"nomn"}
    if adjective is not None:
        wanted |= {g for g in (adjective.tag.number, adjective.tag.gender) if g}
    candidates = [p for p in morph().parse(word) if p.tag.POS == "NOUN"]
    return max(candidates, key=lambda p: len(wanted & p.tag.grammemes))


def _inflect_word(word: str, parse, grams: frozenset[str], phrase: str) -> str:
    if not grams:
        return word
    form = parse.inflect(set(grams))
    if form is None:
        raise TemplateError(f"pymorphy3 cannot inflect {word!r} in {phrase!r} into {sorted(grams)}")
    return form.word.capitalize() if word[:1].isupper() else form.word


_UNITS = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_TENS = [
    "_",
    "_",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
]
_FEMININE_UNITS = {"один": "одна", "два": "две"}


@cache
def number_phrase(n: int, lemma: str, case: str = "nomn") -> str:
    """``5, "миллион"`` -> ``"пять миллионов"``; ``11, "процент", "gent"`` ->
    ``"одиннадцати процентов"``: a number below 100 in words with its noun."""
    if not 0 <= n < 100:
        raise TemplateError(f"number {n} is out of the supported range 0..99")
    noun = morph().parse(lemma)[0]
    words = _number_words(n)
    if case in {"nomn", "accs"}:
        if noun.tag.gender == "femn" and words[-1] in _FEMININE_UNITS:
            words[-1] = _FEMININE_UNITS[words[-1]]
        agreed = noun.make_agree_with_number(n)
        return " ".join([*words, agreed.word if agreed else lemma])
    number = "sing" if n % 10 == 1 and n % 100 != 11 else "plur"
    numeral = [
        _inflect_word(
            w,
            morph().parse(w)[0],
            frozenset({case, noun.tag.gender or "masc"} if w == "один" else {case}),
            lemma,
        )
        for w in words
    ]
    return " ".join([*numeral, _inflect_word(lemma, noun, frozenset({case, number}), lemma)])


def _number_words(n: int) -> list[str]:
    if n < 10:
        return [_UNITS[n]]
    if n < 20:
        return [_TEENS[n - 10]]
    tens, units = divmod(n, 10)
    return [_TENS[tens]] + ([_UNITS[units]] if units else [])


def iter_markers(nodes: tuple):
    """Every Slot, Infl and Num node in a compiled template (to pre-build their forms)."""
    for node in nodes:
        if type(node) is Alt:
            for option in node.options:
                yield from iter_markers(option)
        elif type(node) is not Lit:
            yield node

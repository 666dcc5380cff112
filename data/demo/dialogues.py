"""Synthetic Russian call dialogues, chats and lead texts with ground-truth tags.

Two industries (real estate and auto). Each tag has many templates per role; slots are filled
with lemmas inflected by pymorphy3, so keywords appear in many grammatical forms. Dialogues carry
zero, one or two tags; distractor turns mention a topic the client turns down («ипотека нам не
нужна»), and upsells have the employee explain an option the client never asks about, so keyword
rules are not trivially perfect and who spoke matters. Call transcripts carry recognition errors
(dropped, cut and merged words, reduced vowels). A tag means the client's need was discussed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from data.demo import dialogue_templates as tpl
from data.demo.lexicon import IndustryLexicon, Topic, common, industries

INDUSTRIES = ("real_estate", "auto")
SPEAKERS = ("client", "employee")

NO_TAG_SHARE = 0.08
TWO_TAG_SHARE = 0.18
DISTRACTOR_SHARE = {"call": 0.35, "chat": 0.15, "lead": 0.1}
INTERRUPTION_SHARE = 0.3
CLIENT_FILLER_SHARE = 0.3
EMPLOYEE_FILLER_SHARE = 0.08
YO_FOLD_SHARE = 0.5
UPSELL_SHARE = 0.3
# A call transcript's word error rate is drawn per call, as recognition quality varies by line
ASR_ERROR_RATE = (0.0, 0.06)
CALL_WORDS = (150, 400)


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str


@dataclass(frozen=True)
class Dialogue:
    industry: str
    turns: tuple[Turn, ...]
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(turn.text for turn in self.turns)

    @property
    def word_count(self) -> int:
        return sum(len(turn.text.split()) for turn in self.turns)


def _lexicon(industry: str) -> IndustryLexicon:
    lexicons = industries()
    if industry not in lexicons:
        raise ValueError(f"unknown industry {industry!r}; expected one of {INDUSTRIES}")
    return lexicons[industry]


TAGS: dict[str, tuple[str, ...]] = {name: tuple(lex.tags) for name, lex in industries().items()}
RARE_TAGS: dict[str, tuple[str, ...]] = {
    name: tuple(tag for tag, weight in lex.tag_weights.items() if weight < 0.05)
    for name, lex in industries().items()
}


def generate_dialogues(n: int, industry: str, seed: int | np.random.Generator) -> list[Dialogue]:
    """Phone calls of ~150-400 words: greeting, one or two topics, distractors, closing."""
    return _generate(n, industry, seed, "call")


def generate_chat_messages(
    n: int, industry: str, seed: int | np.random.Generator
) -> list[Dialogue]:
    """Web chats: the visitor is ``client``, the operator ``employee``; short written messages."""
    return _generate(n, industry, seed, "chat")


def generate_lead_text(n: int, industry: str, seed: int | np.random.Generator) -> list[Dialogue]:
    """Offline messages (leads): one ``client`` turn each; ``Dialogue.text`` is the lead text."""
    return _generate(n, industry, seed, "lead")


def _generate(n: int, industry: str, seed, style: str) -> list[Dialogue]:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    lexicon = _lexicon(industry)
    rng = _python_rng(seed, industry, style)
    build = {"call": _build_call, "chat": _build_chat, "lead": _build_lead}[style]
    return [build(_Writer(lexicon, rng, style)) for _ in range(n)]


def _python_rng(seed, industry: str, style: str) -> random.Random:
    # Python's Random is several times faster than numpy for single draws.
    if isinstance(seed, np.random.Generator):
        return random.Random(int(seed.integers(2**63)))
    return random.Random(f"{int(seed)}:{industry}:{style}")


class _Writer:
    """One dialogue being written: names, genders, sticky slot values and the turns so far."""

    def __init__(self, lexicon: IndustryLexicon, rng: random.Random, style: str):
        self.lexicon = lexicon
        self.rng = rng
        self.style = style
        self.gender = {s: rng.choice(("masc", "femn")) for s in SPEAKERS}
        chosen = {
            "CLIENT_NAME": rng.choice(common.NAMES[self.gender["client"]]),
            "EMP_NAME": rng.choice(common.NAMES[self.gender["employee"]]),
            "EMP_NAME2": rng.choice(common.NAMES[rng.choice(("masc", "femn"))]),
        }
        self.ctx = tpl.RenderContext(rng, lexicon.slots, chosen)
        self.segments: list[tuple[str, str]] = []
        self.used: set[str] = set()
        self.word_total = 0
        self.asr_rate = rng.uniform(*ASR_ERROR_RATE) if style == "call" else 0.0

    def pick(self, templates: tuple[str, ...]) -> str:
        """A template not used yet in this dialogue, when one is left."""
        used = self.used
        fresh = [t for t in templates if t not in used] if used else templates
        fresh = fresh or templates
        template = fresh[int(self.rng.random() * len(fresh))]
        self.used.add(template)
        return template

    def line(self, speaker: str, templates: tuple[str, ...], prefix: str = "") -> str:
        self.ctx.gender = self.gender[speaker]
        text = tpl.render(_compiled(self.pick(templates)), self.ctx)
        if prefix:
            text = f"{prefix} {text if prefix[-1] in '.!?' else _lower_first(text)}"
        text = self._with_filler(speaker, text)
        return _misrecognize(text, self.asr_rate, self.rng) if self.asr_rate else text

    def say(self, speaker: str, templates: tuple[str, ...], prefix: str = "") -> None:
        text = self.line(speaker, templates, prefix)
        self.word_total += text.count(" ") + 1
        self.segments.append((speaker, text))

    def _with_filler(self, speaker: str, text: str) -> str:
        continues_turn = bool(self.segments) and self.segments[-1][0] == speaker
        if self.style != "call" or continues_turn:
            return text
        share = CLIENT_FILLER_SHARE if speaker == "client" else EMPLOYEE_FILLER_SHARE
        if self.rng.random() >= share:
            return text
        fillers = common.CALL_FILLERS if speaker == "client" else common.EMPLOYEE_FILLERS
        filler = fillers[int(self.rng.random() * len(fillers))]
        return f"{filler.capitalize()}, {_lower_first(text)}"

    def transition(self) -> str:
        self.ctx.gender = self.gender["client"]
        return tpl.render(_compiled(self.rng.choice(common.TRANSITION)), self.ctx)

    def dialogue(self, tags: tuple[str, ...]) -> Dialogue:
        fold = self.rng.random() < YO_FOLD_SHARE
        turns: list[Turn] = []
        for speaker, text in self.segments:
            if fold:
                text = text.replace("ё", "е").replace("Ё", "Е")
            if turns and turns[-1].speaker == speaker:
                turns[-1] = Turn(speaker, f"{turns[-1].text} {text}")
            else:
                turns.append(Turn(speaker, text))
        return Dialogue(self.lexicon.name, tuple(turns), tags)


def _pick_tags(writer: _Writer) -> tuple[str, ...]:
    draw = writer.rng.random()
    count = 0 if draw < NO_TAG_SHARE else 2 if draw < NO_TAG_SHARE + TWO_TAG_SHARE else 1
    weights = dict(writer.lexicon.tag_weights)
    tags: list[str] = []
    for _ in range(count):
        tag = writer.rng.choices(list(weights), weights=list(weights.values()))[0]
        tags.append(tag)
        del weights[tag]
    return tuple(tags)


def _topics(writer: _Writer, tags: tuple[str, ...]) -> list[Topic]:
    if tags:
        return [writer.lexicon.tags[tag] for tag in tags]
    return [writer.rng.choice(writer.lexicon.generic)]


def _exchange(writer: _Writer, topic: Topic) -> None:
    """The employee answers, then either asks a question back or the client asks more."""
    writer.say("employee", topic.answer)
    fresh_probes = [i for i, probe in enumerate(topic.probe) if probe not in writer.used]
    if fresh_probes and writer.rng.random() < 0.45:
        index = writer.rng.choice(fresh_probes)
        writer.say("employee", topic.probe[index : index + 1])
        writer.say("client", topic.reply[index : index + 1])
    else:
        writer.say("client", topic.ask)


def _distractor(writer: _Writer, tags: tuple[str, ...]) -> None:
    """A topic outside the tags that is raised and turned down."""
    candidates = [
        tag
        for tag, topic in writer.lexicon.tags.items()
        if tag not in tags and topic.decline and tag not in RARE_TAGS[writer.lexicon.name]
    ]
    topic = writer.lexicon.tags[writer.rng.choice(candidates)]
    if topic.offer and writer.rng.random() < 0.6:
        writer.say("employee", topic.offer)
        writer.say("client", topic.decline)
    else:
        writer.say("client", topic.decline)


def _upsell(writer: _Writer, tags: tuple[str, ...]) -> None:
    """The employee explains an option the client did not ask about; the client lets it pass."""
    candidates = [
        tag
        for tag in writer.lexicon.tags
        if tag not in tags and tag not in RARE_TAGS[writer.lexicon.name]
    ]
    topic = writer.lexicon.tags[writer.rng.choice(candidates)]
    writer.say("employee", topic.answer, prefix=writer.rng.choice(common.UPSELL_LEAD))
    writer.say("client", common.CLIENT_ACK)


def _plain(words: list[str], index: int) -> bool:
    return index < len(words) and words[index].rstrip(",.!?:;").isalpha()


_VOWEL_REDUCTION = {"о": "а", "е": "и", "я": "е"}


def _misrecognize(text: str, rate: float, rng: random.Random) -> str:
    """Recognition errors: a word dropped, cut short, merged with the next, or a reduced vowel.

    Only plain Cyrillic words change; names of models and quoted titles stay as written.
    """
    words = text.split(" ")
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        core = word.strip(",.!?:;«»")
        if core.isalpha() and core.lower() == core and rng.random() < rate:
            draw = rng.random()
            if draw < 0.35 and len(words) > 3:
                index += 1
                continue
            if draw < 0.6 and len(core) > 5:
                word = word.replace(core, core[: -rng.randint(1, 2)])
            elif draw < 0.75 and word == core and _plain(words, index + 1):
                word = word + words[index + 1]
                index += 1
            else:
                vowels = [i for i, c in enumerate(core) if c in _VOWEL_REDUCTION]
                if vowels:
                    at = rng.choice(vowels)
                    core_new = core[:at] + _VOWEL_REDUCTION[core[at]] + core[at + 1 :]
                    word = word.replace(core, core_new)
        out.append(word)
        index += 1
    return " ".join(out) if out else text


def _build_call(writer: _Writer) -> Dialogue:
    lexicon, rng = writer.lexicon, writer.rng
    tags = _pick_tags(writer)
    topics = _topics(writer, tags)
    writer.say("employee", lexicon.company_intro)
    writer.say("client", common.CLIENT_GREETING)
    if "это «" in writer.segments[-1][1]:
        writer.say("employee", common.EMPLOYEE_HELLO[1:])
    elif rng.random() < 0.4:
        writer.say("employee", common.EMPLOYEE_HELLO[:1])
    for index, topic in enumerate(topics):
        prefix = writer.transition() if index else ""
        writer.say("client", topic.open, prefix=prefix)
        for _ in range(rng.randint(3, 5) if len(topics) == 1 else rng.randint(2, 3)):
            _exchange(writer, topic)
        writer.say("employee", topic.answer)
    if rng.random() < UPSELL_SHARE:
        _upsell(writer, tags)
    if rng.random() < DISTRACTOR_SHARE["call"]:
        _distractor(writer, tags)
    if rng.random() < INTERRUPTION_SHARE:
        _interrupt(writer)
    target = rng.randint(CALL_WORDS[0], CALL_WORDS[0] + 100)
    small_talk = [*lexicon.small_talk, *common.SMALL_TALK]
    rng.shuffle(small_talk)
    while writer.word_total < target and small_talk:
        employee, client = small_talk.pop()
        writer.say("employee", (employee,))
        writer.say("client", (client,))
    while writer.word_total < target:
        _exchange(writer, rng.choice(topics))
    writer.say("employee", lexicon.closing)
    writer.say("client", common.CLIENT_CLOSING)
    writer.say("employee", common.EMPLOYEE_BYE)
    return writer.dialogue(tags)


def _interrupt(writer: _Writer) -> None:
    """An off-topic exchange (bad line, hold, small talk) somewhere inside the conversation."""
    first, first_text, second, second_text = writer.rng.choice(common.INTERRUPTIONS)
    at = writer.rng.randint(2, len(writer.segments))
    pair = [
        (first, writer.line(first, (first_text,))),
        (second, writer.line(second, (second_text,))),
    ]
    writer.segments[at:at] = pair


def _build_chat(writer: _Writer) -> Dialogue:
    rng = writer.rng
    tags = _pick_tags(writer)
    topics = _topics(writer, tags)
    if rng.random() < 0.6:
        writer.say("employee", common.CHAT_OPERATOR_HELLO)
    for index, topic in enumerate(topics):
        prefix = writer.transition() if index else ("Здравствуйте!" if rng.random() < 0.5 else "")
        writer.say("client", topic.open, prefix=prefix)
        for _ in range(rng.randint(0, 2)):
            _exchange(writer, topic)
        writer.say("employee", topic.answer)
    if rng.random() < DISTRACTOR_SHARE["chat"]:
        _distractor(writer, tags)
    writer.say("client", common.CHAT_VISITOR_BYE)
    if rng.random() < 0.7:
        writer.say("employee", common.CHAT_OPERATOR_BYE)
    if rng.random() < 0.3:
        writer.segments = [(s, _casual(s, text)) for s, text in writer.segments]
    return writer.dialogue(tags)


def _casual(speaker: str, text: str) -> str:
    """Visitors often type without capitals or a final full stop."""
    if speaker != "client":
        return text
    return _lower_first(text).rstrip(".")


def _build_lead(writer: _Writer) -> Dialogue:
    rng = writer.rng
    tags = _pick_tags(writer)
    parts = ["Здравствуйте!"] if rng.random() < 0.6 else []
    for index, topic in enumerate(_topics(writer, tags)):
        parts.append(writer.line("client", topic.open, prefix=writer.transition() if index else ""))
        if rng.random() < 0.4:
            parts.append(writer.line("client", topic.ask))
    if rng.random() < DISTRACTOR_SHARE["lead"]:
        _distractor(writer, tags)
        parts.append(writer.segments.pop()[1])
    parts.append(writer.line("client", common.LEAD_CONTACT))
    writer.segments = [("client", " ".join(parts))]
    return writer.dialogue(tags)


_PROPER = frozenset(common.NAMES["masc"] + common.NAMES["femn"])


def _lower_first(text: str) -> str:
    """Lowercase a sentence start unless it is a name, an abbreviation or a quoted title."""
    first = text.split(" ", 1)[0].strip(",.!?:")
    if first in _PROPER or sum(c.isupper() for c in first) > 1 or not first.isalpha():
        return text
    return text[:1].lower() + text[1:]


@cache
def _compiled(template: str) -> tuple:
    return tpl.compile_template(template)


def all_templates(industry: str) -> list[str]:
    """Every template an industry's dialogues can use (the shared ones included)."""
    lexicon = _lexicon(industry)
    templates = [*lexicon.company_intro, *lexicon.closing]
    for topic in [*lexicon.tags.values(), *lexicon.generic]:
        for field in ("open", "ask", "answer", "probe", "reply", "offer", "decline"):
            templates.extend(getattr(topic, field))
    for employee, client in [*lexicon.small_talk, *common.SMALL_TALK]:
        templates += [employee, client]
    for _, first, _, second in common.INTERRUPTIONS:
        templates += [first, second]
    templates += [
        *common.CLIENT_GREETING,
        *common.EMPLOYEE_HELLO,
        *common.TRANSITION,
        *common.CLIENT_ACK,
        *common.CLIENT_CLOSING,
        *common.EMPLOYEE_BYE,
        *common.CHAT_OPERATOR_HELLO,
        *common.CHAT_VISITOR_BYE,
        *common.CHAT_OPERATOR_BYE,
        *common.LEAD_CONTACT,
    ]
    return templates


def warm_up(industry: str) -> int:
    """Compile every template and build every inflected form once; return the form count.

    Raises `TemplateError` naming the template when a form cannot be built.
    """
    lexicon = _lexicon(industry)
    forms = 0
    for template in all_templates(industry):
        for node in tpl.iter_markers(_compiled(template)):
            forms += _build_forms(node, lexicon)
    return forms


def _build_forms(node, lexicon: IndustryLexicon) -> int:
    genders = ("masc", "femn")
    if isinstance(node, tpl.Num):
        for n in range(node.low, node.high + 1):
            tpl.number_phrase(n, node.lemma, node.case)
        return node.high - node.low + 1
    if isinstance(node, tpl.Infl):
        for gender in genders:
            tpl.inflect_phrase(
                node.phrase, frozenset(gender if g == "@me" else g for g in node.grams)
            )
        return len(genders)
    if node.name in lexicon.slots:
        values = lexicon.slots[node.name]
    elif node.name in {"CLIENT_NAME", "EMP_NAME", "EMP_NAME2"}:
        values = common.NAMES["masc"] + common.NAMES["femn"]
    else:
        raise tpl.TemplateError(f"unknown slot {{{node.name}}} in the {lexicon.name} lexicon")
    if node.grams:
        for value in values:
            tpl.inflect_phrase(value, frozenset(node.grams))
    return len(values)


def dialogue_record(dialogue_id, dialogue: Dialogue) -> dict:
    """The ground-truth line for one dialogue, in the format of `callscope smarttag evaluate`."""
    return {
        "id": dialogue_id,
        "industry": dialogue.industry,
        "tags": list(dialogue.tags),
        "turns": [{"speaker": t.speaker, "text": t.text} for t in dialogue.turns],
    }


def write_ground_truth(dialogues_with_ids: Iterable[tuple[object, Dialogue]], path) -> int:
    """Write ``(id, Dialogue)`` pairs as JSONL (UTF-8); return the number of lines written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for dialogue_id, dialogue in dialogues_with_ids:
            out.write(json.dumps(dialogue_record(dialogue_id, dialogue), ensure_ascii=False))
            out.write("\n")
            count += 1
    return count

"""Keyword autotagging at platform scale.

Speed: words per second on one core (CPU time of this single-threaded process, pinned to one
core, so other load on the machine does not distort it) of the whole matcher (normalise, tokenise, lemmatise with
the per-word cache, evaluate every demo rule, collect evidence), against a baseline that calls
pymorphy3's `parse()` on every token, measured in the same run on the same texts.

Quality: precision/recall/F1 of the demo's keyword rules against the demo generator's
ground-truth tags, against a naive lower-case substring matcher with the same keywords.

`python -m benchmarks.bench_tagging [--quick]`
"""

from __future__ import annotations

import argparse
import os
import random
import time
from contextlib import contextmanager

import pymorphy3

from data.demo.dialogues import generate_dialogues
from data.demo.seed import AUTOTAG_RULES
from tagging.lemmas import Lemmatizer
from tagging.matcher import ActiveRule, Communication, RuleMatcher, Turn
from tagging.rules import Rule
from tagging.text import normalize, words

FULL = {"pool_per_industry": 2500, "communications": 100_000, "baseline_words": 150_000}
QUICK = {"pool_per_industry": 60, "communications": 1_500, "baseline_words": 15_000}
TARGET_WORDS = 300


def demo_rules() -> list[ActiveRule]:
    active = []
    for industry, tags in AUTOTAG_RULES.items():
        for tag, keywords, negatives in tags:
            conditions = [{"op": "contains_any", "keywords": keywords}]
            if negatives:
                conditions.append({"op": "not_contains_any", "keywords": negatives})
            rule = Rule.model_validate({"id": f"{industry}:{tag}", "conditions": conditions})
            active.append(ActiveRule(tag=tag, rule=rule))
    return active


def dialogue_pool(per_industry: int) -> list:
    pool = []
    for seed, industry in enumerate(AUTOTAG_RULES):
        pool.extend(generate_dialogues(per_industry, industry, seed=seed + 1))
    return pool


def communications(pool: list, n: int, seed: int = 7) -> list[Communication]:
    """n calls of about TARGET_WORDS words: a demo dialogue continued by turns of another."""
    rng = random.Random(seed)
    result = []
    for i in range(n):
        turns = list(rng.choice(pool).turns)
        extra = rng.choice(pool).turns
        count = sum(len(t.text.split()) for t in turns)
        for turn in extra:
            if count >= TARGET_WORDS:
                break
            turns.append(turn)
            count += len(turn.text.split())
        result.append(
            Communication(f"call:{i}", "call", 1, tuple(Turn(t.speaker, t.text) for t in turns))
        )
    return result


def word_count(items: list[Communication]) -> int:
    return sum(len(turn.text.split()) for c in items for turn in c.turns)


@contextmanager
def one_core():
    """Pins this process to one core for the measurement; the other benchmarks that run in the
    same process get their cores back afterwards."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    previous = os.sched_getaffinity(0)
    core = min(previous)
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, previous)


def measure_matcher(items: list[Communication]) -> dict:
    matcher = RuleMatcher(demo_rules(), Lemmatizer())  # a cold cache: first sightings count
    started = time.process_time()
    tagged = sum(len(matcher.match(c)) for c in items)
    seconds = time.process_time() - started
    return {
        "words_per_second": word_count(items) / seconds,
        "seconds": seconds,
        "tags_set": tagged,
        "distinct_words": matcher.lemmatizer.cached_words,
    }


def measure_parse_every_token(items: list[Communication], max_words: int) -> dict:
    morph = pymorphy3.MorphAnalyzer()
    sample, words_in_sample = [], 0
    for communication in items:
        if words_in_sample >= max_words:
            break
        sample.append(communication)
        words_in_sample += word_count([communication])
    started = time.process_time()
    for communication in sample:
        for turn in communication.turns:
            for token in words(normalize(turn.text)):
                if token:
                    {parse.normal_form for parse in morph.parse(token)}
    seconds = time.process_time() - started
    return {
        "words_per_second": words_in_sample / seconds,
        "seconds": seconds,
        "words": words_in_sample,
    }


def _naive_tags(dialogue, rules: list[ActiveRule]) -> set[str]:
    text = dialogue.text.lower().replace("ё", "е")
    tags = set()
    for active in rules:
        conditions = active.rule.conditions
        positive = any(k.lower().replace("ё", "е") in text for k in conditions[0].keywords)
        negative = any(
            k.lower().replace("ё", "е") in text for c in conditions[1:] for k in c.keywords
        )
        if positive and not negative:
            tags.add(active.tag)
    return tags


def _scores(pairs: list[tuple[set[str], set[str]]]) -> dict:
    tp = sum(len(p & t) for p, t in pairs)
    fp = sum(len(p - t) for p, t in pairs)
    fn = sum(len(t - p) for p, t in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def measure_quality(pool: list) -> dict:
    by_industry = {industry: [] for industry in AUTOTAG_RULES}
    for active in demo_rules():
        by_industry[active.rule.id.split(":")[0]].append(active)
    ruled = {industry: {r.tag for r in rules} for industry, rules in by_industry.items()}
    ours, naive = [], []
    for dialogue in pool:
        rules = by_industry[dialogue.industry]
        matcher = RuleMatcher(rules)
        truth = set(dialogue.tags) & ruled[dialogue.industry]
        turns = tuple(Turn(t.speaker, t.text) for t in dialogue.turns)
        found = {m.tag for m in matcher.match(Communication("d", "call", 1, turns))}
        ours.append((found, truth))
        naive.append((_naive_tags(dialogue, rules), truth))
    return {"morphology": _scores(ours), "substring": _scores(naive)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    with one_core() as core:
        return _run(sizes, core)


def _run(sizes: dict, core: int | None) -> dict:
    pool = dialogue_pool(sizes["pool_per_industry"])
    items = communications(pool, sizes["communications"])
    total_words = word_count(items)
    print(
        f"{len(items)} communications, {total_words} words "
        f"({total_words / len(items):.0f} per communication), core {core}"
    )
    ours = measure_matcher(items)
    baseline = measure_parse_every_token(items, sizes["baseline_words"])
    speedup = ours["words_per_second"] / baseline["words_per_second"]
    print(
        f"autotag matcher        : {ours['words_per_second']:>12,.0f} words/s "
        f"({ours['seconds']:.1f} s, {ours['tags_set']} tags, {ours['distinct_words']} distinct words)"
    )
    print(
        f"baseline parse()/token : {baseline['words_per_second']:>12,.0f} words/s "
        f"({baseline['seconds']:.1f} s on {baseline['words']} words)"
    )
    print(f"speed-up               : {speedup:.1f}x (goal >= 10x)")
    quality = measure_quality(pool)
    print(f"rule quality, lemmas   : {quality['morphology']}")
    print(f"rule quality, substring: {quality['substring']}")
    return {
        "communications": len(items),
        "words": total_words,
        "words_per_second": round(ours["words_per_second"]),
        "baseline_words_per_second": round(baseline["words_per_second"]),
        "speedup": round(speedup, 1),
        "tags_set": ours["tags_set"],
        "quality": quality,
    }


if __name__ == "__main__":
    main()

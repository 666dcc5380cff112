"""SmartTag against its baseline, measured in the same run.

Quality: macro-F1 of SmartTag and of the TF-IDF (word 1-2 + char 2-5) + logistic regression
baseline on
- the SentiRuEval-2016 telecom set (`../shared/data/sentirueval2016-telecom`): train on
  train.csv, test on test_gold.csv, rows with exactly one labelled operator, 3 classes;
- the demo's held-out calls (real-estate dialogues of the demo generator, 2,000 to train).

Cost: SmartTag training seconds on the 2,000 calls (wall and CPU time; goal: at most 10 minutes
on 2 cores) beside the baseline's; inference calls per second on one core (CPU time of a process
pinned to one core, so other load does not distort it; goal: at least 100) beside the baseline's;
peak resident memory of the run.

`python -m benchmarks.bench_smarttag [--quick]`
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import torch

from models.baseline import BaselineTagger
from models.datasets import read_sentirueval
from models.presets import preset_corpus
from models.training import fit_and_score, split_examples

SENTIRUEVAL = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "sentirueval2016-telecom"
)
FULL = {
    "senti_train": None,
    "senti_test": None,
    "demo_train": 2000,
    "demo_test": 500,
    "inference_calls": 500,
    "senti_params": {"max_length": 64},
    "demo_params": {},
}
TINY_MODEL = {
    "max_length": 32,
    "epochs": 2,
    "hidden_size": 32,
    "num_layers": 1,
    "vocab_size": 500,
    "wide_features": 2**12,
}
QUICK = {
    "senti_train": 200,
    "senti_test": 100,
    "demo_train": 120,
    "demo_test": 40,
    "inference_calls": 40,
    "senti_params": TINY_MODEL,
    "demo_params": TINY_MODEL,
}


class Clock:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def _sentirueval(size: dict) -> dict:
    train = read_sentirueval(SENTIRUEVAL / "train.csv")[: size["senti_train"]]
    test = read_sentirueval(SENTIRUEVAL / "test_gold.csv")[: size["senti_test"]]
    result = fit_and_score(train, test, size["senti_params"])
    return {
        "sentirueval_smarttag_macro_f1": result.report["smarttag"]["macro_f1"],
        "sentirueval_baseline_macro_f1": result.report["baseline"]["macro_f1"],
        "sentirueval_blend_weights": result.model.selection_,
        "sentirueval_n_train": len(train),
        "sentirueval_n_test": len(test),
    }


def _demo(size: dict) -> tuple[dict, object, object, list]:
    corpus = preset_corpus("real_estate", size["demo_train"] + size["demo_test"], seed=2026)
    share = size["demo_test"] / len(corpus)
    train, test = split_examples(corpus, share, seed=0)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    with Clock() as ours:
        result = fit_and_score(train, test, size["demo_params"])
    with Clock() as base:
        BaselineTagger().fit([e.document for e in train], [e.tags for e in train])
    figures = {
        "demo_smarttag_macro_f1": result.report["smarttag"]["macro_f1"],
        "demo_baseline_macro_f1": result.report["baseline"]["macro_f1"],
        "demo_blend_weights": result.model.selection_,
        "demo_n_train": len(train),
        "demo_n_test": len(test),
        # fit_and_score also trains the baseline; subtract it to get SmartTag alone
        "train_wall_seconds": round(result.report["train_seconds"], 1),
        "train_cpu_seconds": round(ours.cpu - base.cpu, 1),
        "baseline_train_wall_seconds": round(base.wall, 1),
        "baseline_train_cpu_seconds": round(base.cpu, 1),
    }
    return figures, result.model, result.baseline, test


def _inference(model, baseline, test, n: int) -> dict:
    docs = [e.document for e in (test * (n // len(test) + 1))[:n]]
    pinned = hasattr(os, "sched_setaffinity")
    if pinned:
        cores = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cores)})
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model.predict_proba(docs[:8])  # warm-up: lazy initialisation is not per-call cost
        with Clock() as ours:
            model.predict_proba(docs)
        with Clock() as base:
            baseline.predict_proba(docs)
    finally:
        torch.set_num_threads(threads)
        if pinned:
            os.sched_setaffinity(0, cores)
    return {
        "inference_calls_per_second_one_core": round(n / max(ours.cpu, 1e-9), 1),
        "baseline_inference_calls_per_second_one_core": round(n / max(base.cpu, 1e-9), 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for CI smoke runs")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    figures = _sentirueval(size)
    demo, model, baseline, test = _demo(size)
    figures.update(demo)
    figures.update(_inference(model, baseline, test, size["inference_calls"]))
    figures["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    rows = [
        (
            "SentiRuEval-2016 telecom macro-F1",
            "sentirueval_smarttag_macro_f1",
            "sentirueval_baseline_macro_f1",
        ),
        ("demo held-out macro-F1", "demo_smarttag_macro_f1", "demo_baseline_macro_f1"),
        (
            f"training on {figures['demo_n_train']} calls, wall s (goal <= 600)",
            "train_wall_seconds",
            "baseline_train_wall_seconds",
        ),
        ("training, CPU s", "train_cpu_seconds", "baseline_train_cpu_seconds"),
        (
            "inference calls/s on one core (goal >= 100)",
            "inference_calls_per_second_one_core",
            "baseline_inference_calls_per_second_one_core",
        ),
    ]
    for title, ours, base in rows:
        print(f"{title}: SmartTag {figures[ours]}  (baseline: {figures[base]})")
    print(f"peak memory: {figures['peak_memory_mb']} MB")
    print(f"blend (SentiRuEval): {figures['sentirueval_blend_weights']}")
    print(f"blend (demo): {figures['demo_blend_weights']}")
    return figures


if __name__ == "__main__":
    main()

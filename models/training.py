"""Training SmartTag beside its baseline on one split, and the promotion decision."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.model_selection import train_test_split

from models.baseline import BaselineTagger
from models.datasets import Example
from models.gates import Gates, check_gates
from models.metrics import is_single_label, score
from models.tagger import SmartTagger

Progress = Callable[[str, float, str], None]


@dataclass
class TrainingResult:
    model: SmartTagger
    baseline: BaselineTagger
    report: dict


def split_examples(
    examples: Sequence[Example], test_share: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """The held-out split: stratified on the single tag when the task is single-label."""
    tags = [e.tags for e in examples]
    stratify = [t[0] for t in tags] if is_single_label(tags) else None
    if stratify is not None and min(stratify.count(t) for t in set(stratify)) < 2:
        stratify = None
    train, test = train_test_split(
        list(examples), test_size=test_share, random_state=seed, stratify=stratify
    )
    return train, test


def restrict(examples: Sequence[Example], tags: Sequence[str]) -> list[Example]:
    keep = set(tags)
    return [Example(e.id, e.document, tuple(t for t in e.tags if t in keep)) for e in examples]


def fit_and_score(
    train: Sequence[Example],
    test: Sequence[Example],
    params: dict | None = None,
    progress: Progress | None = None,
    unlabelled: Sequence | None = None,
) -> TrainingResult:
    """Trains SmartTag and the baseline on `train`; scores both on `test`."""
    started = time.perf_counter()
    model = SmartTagger(**(params or {})).fit(
        [e.document for e in train],
        [e.tags for e in train],
        unlabelled=unlabelled,
        progress=progress,
    )
    train_seconds = time.perf_counter() - started
    if progress:
        progress("baseline", 0.0, "training the TF-IDF + logistic regression baseline")
    baseline = BaselineTagger().fit([e.document for e in train], [e.tags for e in train])
    classes = list(model.classes_)
    truth = [e.tags for e in test]
    docs = [e.document for e in test]
    report = {
        "n_train": len(train),
        "n_test": len(test),
        "tags": classes,
        "single_label": bool(model.single_label_),
        "smarttag": score(truth, model.predict_tags(docs), classes),
        "baseline": score(truth, baseline.predict_tags(docs), classes),
        "train_seconds": round(train_seconds, 2),
        "data_snapshot_id": model.data_snapshot_id_,
        "thresholds": {c: float(t) for c, t in zip(classes, model.thresholds_, strict=True)},
        "blend": getattr(model, "selection_", {}),
    }
    return TrainingResult(model, baseline, report)


def train_with_gates(
    examples: Sequence[Example],
    *,
    tags: Sequence[str] | None = None,
    gates: Gates = Gates(),
    params: dict | None = None,
    test_share: float = 0.2,
    seed: int = 0,
    active_model: SmartTagger | None = None,
    progress: Progress | None = None,
) -> TrainingResult:
    """Gates, held-out split, SmartTag + baseline, and the active model on the same split."""
    gate = check_gates([e.tags for e in examples], tags, gates)
    examples = restrict(examples, gate.kept_tags)
    train, test = split_examples(examples, test_share, seed)
    result = fit_and_score(train, test, params, progress)
    result.report.update(gate.as_dict())
    result.report["n_calls"] = len(examples)
    result.report["active"] = None
    if active_model is not None:
        predicted = active_model.predict_tags([e.document for e in test])
        result.report["active"] = score([e.tags for e in test], predicted, result.report["tags"])
    result.model.metrics_ = result.report
    return result


PERFECT = 1.0


def beats(new: float, reference: float) -> bool:
    """Strictly better, or level with a reference that is already perfect.

    A perfect held-out score cannot be exceeded; refusing a tie there would keep an account on
    its old model for ever although nothing regressed. Below perfect a tie is refused: the
    simpler model would do as well.
    """
    return new > reference or (reference >= PERFECT and new >= PERFECT)


def promotion_decision(report: dict) -> tuple[bool, str]:
    """A new model is promoted only when it beats the baseline and the active model."""
    new = report["smarttag"]["macro_f1"]
    base = report["baseline"]["macro_f1"]
    if not beats(new, base):
        return False, f"SmartTag macro-F1 {new:.4f} does not beat the baseline's {base:.4f}"
    active = report.get("active")
    if active is not None and not beats(new, active["macro_f1"]):
        return False, (
            f"SmartTag macro-F1 {new:.4f} does not beat the active model's {active['macro_f1']:.4f}"
        )
    verb = "beats" if new > base else "equals the perfect"
    against = f"baseline {base:.4f}"
    if active is not None:
        against += f", active model {active['macro_f1']:.4f}"
    return (
        True,
        f"SmartTag macro-F1 {new:.4f} {verb} {against} on {report['n_test']} held-out calls",
    )


def summary_lines(report: dict) -> list[str]:
    """The training report as text: both models side by side, then per tag."""
    lines = [
        f"labelled calls: {report.get('n_calls', report['n_train'] + report['n_test'])} "
        f"(train {report['n_train']}, held-out {report['n_test']})",
        f"macro-F1: SmartTag {report['smarttag']['macro_f1']:.4f}, "
        f"baseline {report['baseline']['macro_f1']:.4f}"
        + (f", active {report['active']['macro_f1']:.4f}" if report.get("active") else ""),
        f"micro-F1: SmartTag {report['smarttag']['micro_f1']:.4f}, "
        f"baseline {report['baseline']['micro_f1']:.4f}",
    ]
    blend = _blend_line(report.get("blend") or {})
    if blend:
        lines.append(blend)
    for tag in report["tags"]:
        ours, base = report["smarttag"]["per_tag"][tag], report["baseline"]["per_tag"][tag]
        lines.append(
            f"  {tag}: P {ours['precision']:.3f} R {ours['recall']:.3f} F1 {ours['f1']:.3f} "
            f"(baseline F1 {base['f1']:.3f}, support {ours['support']})"
        )
    for tag, n in (report.get("dropped_tags") or {}).items():
        lines.append(f"  left out: {tag} ({n} positive examples)")
    lines.extend(f"note: {w}" for w in report.get("warnings", []))
    return lines


def _blend_line(blend: dict) -> str:
    """How the parts were mixed and what each scored on rows it was not trained on."""
    described = []
    for name, part in blend.items():
        text = f"{name} {part.get('weight', 0):.2f}"
        if "cv_macro_f1" in part:
            vectors = ", word vectors" if part.get("word_vectors") else ""
            text += f" (C={part.get('C')}{vectors}, cross-validated F1 {part['cv_macro_f1']:.3f})"
        elif "validation_macro_f1" in part:
            text += f" (validation F1 {part['validation_macro_f1']:.3f})"
        described.append(text)
    return ("blend: " + ", ".join(described)) if described else ""

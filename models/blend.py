"""Choosing how SmartTag's parts are combined, on held-out predictions only.

The final probability is a weighted average of the parts' probabilities (the lemma and surface
linear parts and the encoder), in two steps:
- the linear parts' mix is chosen on their out-of-fold probabilities over every training row:
  the point of a simplex grid with the best macro-F1; among points within a small tie of the
  best, the most even mix wins, and a part more than 0.05 behind the best part gets no weight;
- the encoder's share of the final blend is chosen on the validation split it was not trained
  on, by the same rules: the best macro-F1, the most even final weights among ties, and no
  share when the encoder alone is more than 0.05 behind the linear blend.

Why the even mix on a tie: the encoder and the n-gram parts err in different places. When
validation cannot tell the mixes apart (both perfect on an easy account), the average is the
one that holds up best on calls unlike the training ones, such as new phrasings of a need.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from models.thresholds import calibrate

STEP = 0.1
TIE = 0.005
PRUNE = 0.05


def _macro_f1(predicted: np.ndarray, truth: np.ndarray) -> float:
    tp = (predicted & truth).sum(axis=0)
    denominator = predicted.sum(axis=0) + truth.sum(axis=0)
    f1 = np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)
    present = truth.sum(axis=0) > 0
    return float(f1[present].mean()) if present.any() else 0.0


def decide_single(proba: np.ndarray) -> np.ndarray:
    out = np.zeros(proba.shape, dtype=bool)
    out[np.arange(len(proba)), proba.argmax(axis=1)] = True
    return out


def val_score(proba: np.ndarray, truth: np.ndarray, single_label: bool) -> float:
    """Validation macro-F1: argmax for single-label, calibrated thresholds otherwise."""
    truth = truth.astype(bool)
    if single_label:
        return _macro_f1(decide_single(proba), truth)
    return _macro_f1(proba >= calibrate(proba, truth), truth)


def log_loss(proba: np.ndarray, truth: np.ndarray, single_label: bool) -> float:
    p = np.clip(proba, 1e-7, 1 - 1e-7)
    if single_label:
        return float(-np.log(p[truth.astype(bool)]).mean())
    return float(-(truth * np.log(p) + (1 - truth) * np.log(1 - p)).mean())


def simplex(n_parts: int, step: float = STEP) -> list[np.ndarray]:
    ticks = round(1 / step)
    points = []
    for combo in itertools.product(range(ticks + 1), repeat=n_parts):
        if sum(combo) == ticks:
            points.append(np.array(combo, dtype=np.float64) / ticks)
    return points


def combine(parts: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    total = np.zeros_like(parts[0], dtype=np.float64)
    for weight, proba in zip(weights, parts, strict=True):
        if weight:
            total += weight * proba
    return total.astype(np.float32)


def _evenness(weights: np.ndarray) -> float:
    used = weights[weights > 0]
    return float(-(used * np.log(used)).sum())


def choose_weights(
    parts: Sequence[np.ndarray],
    truth: np.ndarray,
    single_label: bool,
    step: float = STEP,
    tie: float = TIE,
) -> tuple[np.ndarray, float]:
    """The blend weights with the best validation macro-F1, and that F1.

    Blends within `tie` of the best are treated as equally good, and the most even of them wins
    (then the lower log loss): a validation split of a few hundred rows cannot tell such blends
    apart, and an even mix is the one whose test score varies least.
    """
    if len(parts) == 1:
        return np.ones(1), val_score(parts[0], truth, single_label)
    # a part far behind the best one alone only adds noise that calibration on a small
    # validation split mistakes for signal (an encoder trained on a few hundred calls)
    alone = [val_score(p, truth, single_label) for p in parts]
    kept = [i for i, f1 in enumerate(alone) if f1 >= max(alone) - PRUNE]
    scored = []
    for point in simplex(len(kept), step):
        weights = np.zeros(len(parts))
        weights[kept] = point
        blended = combine(parts, weights)
        scored.append((val_score(blended, truth, single_label), weights, blended))
    best = max(f1 for f1, _, _ in scored)
    close = [(f1, w, b) for f1, w, b in scored if f1 >= best - tie]
    f1, weights, _ = max(
        close,
        key=lambda item: (round(_evenness(item[1]), 6), -log_loss(item[2], truth, single_label)),
    )
    return weights, f1


def choose_share(
    base: np.ndarray,
    extra: np.ndarray,
    truth: np.ndarray,
    single_label: bool,
    base_weights: np.ndarray | None = None,
    step: float = STEP,
    tie: float = TIE,
) -> tuple[float, float]:
    """The share of `extra` in `(1 - share) * base + share * extra`, and that blend's macro-F1.

    `base` is itself a mix with `base_weights`. Among shares within `tie` of the best macro-F1
    the one whose final weights are the most even wins (then the smaller share); `extra` gets no
    share when alone it is more than `PRUNE` behind `base`.
    """
    base_f1 = val_score(base, truth, single_label)
    if val_score(extra, truth, single_label) < base_f1 - PRUNE:
        return 0.0, base_f1
    base_weights = np.ones(1) if base_weights is None else np.asarray(base_weights, dtype=float)
    ticks = round(1 / step)
    scored = []
    for tick in range(ticks + 1):
        share = tick / ticks
        blended = combine([base, extra], np.array([1 - share, share]))
        scored.append((val_score(blended, truth, single_label), share))
    best = max(f1 for f1, _ in scored)

    def evenness(share: float) -> float:
        return _evenness(np.append(base_weights * (1 - share), share))

    close = [(-round(evenness(s), 6), s, f1) for f1, s in scored if f1 >= best - tie]
    _, share, f1 = min(close)
    return share, f1

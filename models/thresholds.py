"""Per-tag decision thresholds calibrated on a validation split."""

from __future__ import annotations

import numpy as np

GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int(np.sum(truth & predicted))
    denominator = int(np.sum(truth)) + int(np.sum(predicted))
    return 2 * tp / denominator if denominator else 0.0


def calibrate(probabilities: np.ndarray, truth: np.ndarray, default: float = 0.5) -> np.ndarray:
    """For each tag, the threshold that maximises F1 on the validation rows.

    Among tied thresholds the middle one wins: when the rows are separable, that is the one
    farthest from both the lowest positive and the highest negative. A tag without positives
    keeps `default`.
    """
    thresholds = np.full(probabilities.shape[1], default, dtype=np.float32)
    for column in range(probabilities.shape[1]):
        positives = truth[:, column].astype(bool)
        if not positives.any():
            continue
        scores = [_f1(positives, probabilities[:, column] >= t) for t in GRID]
        best = max(scores)
        candidates = [t for t, s in zip(GRID, scores, strict=True) if s >= best - 1e-9]
        middle = (candidates[0] + candidates[-1]) / 2
        thresholds[column] = min(candidates, key=lambda t: (abs(t - middle), abs(t - default)))
    return thresholds

"""Per-tag precision, recall and F1 with macro and micro averages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support


def indicator(tag_lists: Sequence[Sequence[str]], classes: Sequence[str]) -> np.ndarray:
    index = {tag: i for i, tag in enumerate(classes)}
    matrix = np.zeros((len(tag_lists), len(classes)), dtype=np.int8)
    for row, tags in enumerate(tag_lists):
        for tag in tags:
            if tag in index:
                matrix[row, index[tag]] = 1
    return matrix


def is_single_label(tag_lists: Sequence[Sequence[str]]) -> bool:
    return len(tag_lists) > 0 and all(len(set(tags)) == 1 for tags in tag_lists)


def score(
    true_tags: Sequence[Sequence[str]],
    predicted_tags: Sequence[Sequence[str]],
    classes: Sequence[str],
) -> dict:
    """Scores tag lists over `classes`.

    On single-label data with one predicted tag per item the per-tag figures equal the usual
    multi-class ones, so `macro_f1` is the multi-class macro-F1 and `micro_f1` the accuracy.
    """
    classes = list(classes)
    if not classes:
        return {"macro_f1": 0.0, "micro_f1": 0.0, "per_tag": {}}
    y_true, y_pred = indicator(true_tags, classes), indicator(predicted_tags, classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0
    )
    _, _, micro, _ = precision_recall_fscore_support(
        y_true, y_pred, average="micro", zero_division=0
    )
    per_tag = {
        tag: {
            "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
        }
        for i, tag in enumerate(classes)
    }
    return {
        "macro_f1": round(float(np.mean(f1)), 4),
        "micro_f1": round(float(micro), 4),
        "per_tag": per_tag,
    }

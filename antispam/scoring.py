"""Verdicts: every scored caller with its score, its flag and, when flagged, its reasons."""

from __future__ import annotations

import json
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from antispam.window import FEATURES

VERDICT_TABLE = "spam_verdicts"
VERDICT_SCHEMA = pa.schema(
    [
        ("number", pa.string()),
        ("score", pa.float64()),
        ("is_spam", pa.bool_()),
        ("reasons", pa.string()),
        ("model_version", pa.string()),
        *[(name, pa.float64()) for name in FEATURES],
    ]
)


class Scorer(Protocol):
    threshold_: float

    def decision_function(self, X: pd.DataFrame) -> np.ndarray: ...
    def predict(self, X: pd.DataFrame) -> np.ndarray: ...
    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[str]]: ...


def score(features: pd.DataFrame, scorer: Scorer, model_version: str) -> pd.DataFrame:
    """One verdict per row of ``features``; reasons are computed for flagged numbers only."""
    scores = scorer.decision_function(features) if len(features) else np.empty(0)
    flagged = scorer.predict(features).astype(bool) if len(features) else np.empty(0, bool)
    reasons: list[list[str]] = [[] for _ in range(len(features))]
    index = np.flatnonzero(flagged)
    for i, why in zip(index, scorer.reasons(features.iloc[index]), strict=True):
        reasons[i] = why
    verdicts = pd.DataFrame(
        {
            "number": features["caller"].astype(np.int64).astype(str).to_numpy(),
            "score": scores.astype(np.float64),
            "is_spam": flagged,
            "reasons": [json.dumps(r, ensure_ascii=False) for r in reasons],
            "model_version": model_version,
        }
    )
    for name in FEATURES:
        verdicts[name] = features[name].to_numpy(dtype=np.float64)
    return verdicts


def verdict_table(verdicts: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(verdicts, schema=VERDICT_SCHEMA, preserve_index=False)

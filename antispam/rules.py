"""The criteria scorecard: the three criteria of the product description («как часто с номера
поступают звонки разным клиентам», «длительность звонков», «повышенная активность») plus the
clockwork pace of an auto-dialer, with fixed thresholds.

It needs no training, so the batch command can score a file on a machine that has no trained
model, and the benchmark measures the trained model against it. Its thresholds are set by hand
and carry no calibrated false-positive bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from antispam.model import describe


@dataclass(frozen=True)
class Criterion:
    name: str
    feature: str
    above: bool
    limit: float
    weight: float
    typical: float  # the value of an ordinary customer, for the reason text


CRITERIA = (
    Criterion("many_accounts", "distinct_accounts", True, 20.0, 0.4, 1.0),
    Criterion("short_calls", "short_share", True, 0.3, 0.25, 0.0),
    Criterion("bursts", "burst_hour_ratio", True, 3.0, 0.2, 1.0),
    Criterion("clockwork", "gap_cv", False, 0.3, 0.15, 1.0),
)


class CriteriaScorecard:
    """Score = sum of the weights of the criteria met; spam when the score is above
    ``threshold_`` and the number called many different accounts."""

    threshold_ = 0.5
    version = "criteria-scorecard-1"

    def _met(self, X: pd.DataFrame) -> np.ndarray:
        met = []
        for c in CRITERIA:
            values = X[c.feature].to_numpy(dtype=np.float64)
            met.append(values >= c.limit if c.above else values <= c.limit)
        return np.column_stack(met) if met else np.zeros((len(X), 0), dtype=bool)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        weights = np.array([c.weight for c in CRITERIA])
        return self._met(X).astype(float) @ weights

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        many = self._met(X)[:, 0]
        return ((self.decision_function(X) > self.threshold_) & many).astype(int)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[str]]:
        met = self._met(X)
        X = X.reset_index(drop=True)
        return [
            [
                describe(c.feature, X.at[row, c.feature], c.typical)
                for j, c in enumerate(CRITERIA)
                if met[row, j]
            ][:top]
            for row in range(len(X))
        ]

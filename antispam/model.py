"""The spam scoring model: gradient-boosted trees over the window features, with a threshold
calibrated so that at most ``max_legit_flag_rate`` of legitimate numbers are flagged.
A number is flagged only when its score is also at least ``min_score`` (the model finds spam
at least as likely as not), which keeps rare legitimate callers that the calibration sample
happens to miss from being flagged by a threshold pulled down by easy legitimate numbers.

Calibration is split-conformal: the model is fitted on one part of the labelled numbers and the
threshold is the ``ceil((1 - a)(n + 1))``-th smallest score of the ``n`` legitimate numbers held
back from fitting. For a new legitimate number from the same population the chance of scoring
above it is then at most ``a``. That needs ``n >= 1/a - 1`` (999 for 0.1 %); with fewer, the
threshold is the highest held-back legitimate score and ``calibration_["guaranteed"]`` is false.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from antispam.window import FEATURES

MODEL_NAME = "antispam"
# Only where the direction holds for every kind of spammer: auto-dialers are steady and bursty
# callers are not, so burst ratios and pace get no constraint.
_MONOTONIC = {"short_share": 1}


class SpamModel(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        max_legit_flag_rate: float = 0.001,
        calibration_share: float = 0.3,
        max_iter: int = 100,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 200,
        l2_regularization: float = 1.0,
        min_score: float = 0.5,
        unlabelled_weight: float = 0.05,
        random_state: int = 0,
    ):
        self.max_legit_flag_rate = max_legit_flag_rate
        self.calibration_share = calibration_share
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.min_score = min_score
        self.unlabelled_weight = unlabelled_weight
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> SpamModel:
        """``y``: 1 spam, 0 legitimate, -1 unlabelled (scikit-learn's semi-supervised mark).

        Unlabelled numbers are nearly all legitimate (spam is rare); they join the fitting as
        legitimate with ``unlabelled_weight``, so the trees see the whole population and not
        only the few numbers accounts judged. Calibration uses labelled numbers only.
        """
        X = _features(X)
        y = np.asarray(y, dtype=int)
        labelled = y >= 0
        if len(np.unique(y[labelled])) != 2:
            raise ValueError("training needs both spam (1) and legitimate (0) numbers")
        X_fit, X_cal, y_fit, y_cal = train_test_split(
            X[labelled],
            y[labelled],
            test_size=self.calibration_share,
            stratify=y[labelled],
            random_state=self.random_state,
        )
        weights = np.ones(len(y_fit))
        if (~labelled).any() and self.unlabelled_weight > 0:
            X_fit = pd.concat([X_fit, X[~labelled]], ignore_index=True)
            y_fit = np.concatenate([y_fit, np.zeros((~labelled).sum(), dtype=int)])
            weights = np.concatenate([weights, np.full((~labelled).sum(), self.unlabelled_weight)])
        # Large leaves smooth over which spammers happen to be labelled; a small history
        # cannot fill them, so the leaf is capped at 1 % of the fitting set.
        self.min_samples_leaf_ = min(self.min_samples_leaf, max(10, len(X_fit) // 100))
        with threadpool_limits(1 if len(X_fit) < 100_000 else None):
            self.booster_ = self._booster().fit(X_fit, y_fit, sample_weight=weights)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(FEATURES, dtype=object)
        self.n_features_in_ = len(FEATURES)
        legit_scores = np.sort(self._scores(X_cal[y_cal == 0]))
        conformal, self.calibration_ = _conformal_threshold(legit_scores, self.max_legit_flag_rate)
        # Never flag a number the model itself finds more likely legitimate than spam.
        self.threshold_ = max(conformal, self.min_score)
        self.calibration_["conformal_threshold"] = conformal
        self.legit_medians_ = X[y != 1].median().fillna(0.0).to_dict()
        return self

    def _booster(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf_,
            l2_regularization=self.l2_regularization,
            monotonic_cst=_MONOTONIC,
            early_stopping=False,
            random_state=self.random_state,
        )

    def _scores(self, X: pd.DataFrame) -> np.ndarray:
        if len(X) == 0:
            return np.empty(0)
        # Threads only pay off on large batches; on small ones they just wait for each other.
        with threadpool_limits(1 if len(X) < 100_000 else None):
            return self.booster_.predict_proba(X)[:, 1]

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """The spam score in [0, 1]; higher is more spam-like."""
        return self._scores(_features(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        scores = self.decision_function(X)
        return np.column_stack([1 - scores, scores])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > self.threshold_).astype(int)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[str]]:
        """For each row, the features that drove its score: the score falls most when that
        feature alone is set to its typical legitimate value."""
        X = _features(X).reset_index(drop=True)
        if X.empty:
            return []
        base = self._scores(X)
        probes = pd.concat([X] * len(FEATURES), ignore_index=True)
        for i, name in enumerate(FEATURES):
            probes.loc[i * len(X) : (i + 1) * len(X) - 1, name] = self.legit_medians_[name]
        drops = base[None, :] - self._scores(probes).reshape(len(FEATURES), len(X))
        out = []
        for row in range(len(X)):
            order = np.argsort(-drops[:, row])[:top]
            out.append(
                [
                    describe(FEATURES[i], X.at[row, FEATURES[i]], self.legit_medians_[FEATURES[i]])
                    for i in order
                    if drops[i, row] > 0
                ]
            )
        return out

    # -- persistence ------------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, directory / "model.joblib")
        meta = {
            "model": MODEL_NAME,
            "sklearn": sklearn.__version__,
            "features": FEATURES,
            "threshold": self.threshold_,
            "calibration": self.calibration_,
            "params": self.get_params(),
        }
        (directory / "model.json").write_text(json.dumps(meta, indent=2, default=float))
        return directory

    @classmethod
    def load(cls, directory: Path) -> SpamModel:
        directory = Path(directory)
        meta = json.loads((directory / "model.json").read_text())
        if meta["features"] != FEATURES:
            raise ValueError(
                f"{directory}: the model was trained on other features; retrain it "
                "(callscope antispam train)"
            )
        model = joblib.load(directory / "model.joblib")
        if not isinstance(model, cls):
            raise TypeError(f"{directory}/model.joblib is not a {cls.__name__}")
        return model


def _features(X: pd.DataFrame) -> pd.DataFrame:
    missing = [f for f in FEATURES if f not in X.columns]
    if missing:
        raise KeyError(f"missing features: {missing}")
    return X[FEATURES].astype(np.float64)


def _conformal_threshold(legit_sorted: np.ndarray, rate: float) -> tuple[float, dict]:
    n = len(legit_sorted)
    if n == 0:
        raise ValueError("no legitimate numbers were held back for calibration")
    k = math.ceil((1 - rate) * (n + 1))
    guaranteed = k <= n
    threshold = float(legit_sorted[min(k, n) - 1])
    return threshold, {
        "legit_held_back": n,
        "rank": min(k, n),
        "max_legit_flag_rate": rate,
        "guaranteed": guaranteed,
    }


def describe(feature: str, value: float, typical: float) -> str:
    def fmt(v: float) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "n/a"
        return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"

    return f"{feature}={fmt(value)} (typical legitimate {fmt(typical)})"

"""The baseline SmartTag is measured against: TF-IDF (word 1-2 + char 2-5) + logistic regression,
one-vs-rest, on the surface text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion

from models.metrics import indicator, is_single_label
from models.text import Document, normalize


def _text(item: Document | str) -> str:
    return normalize(item.surface_text() if isinstance(item, Document) else str(item))


class BaselineTagger(ClassifierMixin, BaseEstimator):
    def __init__(self, C: float = 4.0, class_weight: str | None = "balanced", max_iter: int = 2000):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter

    def fit(self, X: Sequence[Document | str], y: Sequence[Sequence[str]]) -> BaselineTagger:
        self.classes_ = np.array(sorted({tag for tags in y for tag in tags}))
        self.single_label_ = is_single_label(y)
        self.vectorizer_ = FeatureUnion(
            [
                ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                (
                    "char",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
            ]
        )
        features = self.vectorizer_.fit_transform([_text(x) for x in X])
        targets = indicator(y, list(self.classes_))
        self.model_ = OneVsRestClassifier(
            LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, solver="liblinear"
            )
        )
        # with one tag, scikit-learn sees a binary problem; fit its single column as such
        self.model_.fit(features, targets[:, 0] if targets.shape[1] == 1 else targets)
        return self

    def predict_proba(self, X: Sequence[Document | str]) -> np.ndarray:
        proba = self.model_.predict_proba(self.vectorizer_.transform([_text(x) for x in X]))
        return proba[:, 1:] if len(self.classes_) == 1 else proba

    def predict(self, X: Sequence[Document | str]) -> np.ndarray:
        proba = self.predict_proba(X)
        if self.single_label_:
            out = np.zeros_like(proba, dtype=np.int8)
            out[np.arange(len(proba)), proba.argmax(axis=1)] = 1
            return out
        return (proba >= 0.5).astype(np.int8)

    def predict_tags(self, X: Sequence[Document | str]) -> list[list[str]]:
        return [list(self.classes_[row.astype(bool)]) for row in self.predict(X)]

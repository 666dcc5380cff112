"""The linear parts of SmartTag: L2 logistic regression over hashed TF-IDF n-grams.

Two views of a call, each with its own model:
- `lemma`: lemma 1-2-grams, the same lemmas prefixed by who said them (`c:ипотека`,
  `e:ипотека`) and lemma character 2-5-grams, so any inflection and the speaker count;
- `surface`: surface word 1-2-grams and character 2-5-grams, which keep what lemmatisation
  throws away (the baseline's view).

Both views can also carry the pretrained word vectors of `models.word_vectors` (mean and maximum
over the call's words), which bring what a few thousand labelled calls cannot teach: words never
seen in training that mean the same as words that were. A part keeps them only when they raise
its validation macro-F1.

Hashing keeps the model directory free of pickles and vocabularies: only IDF weights, the vector
block's standardisation and coefficients are learned. The regularisation strength C is chosen on
the validation split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize as l2_normalize

from models.blend import val_score
from models.text import Document, normalize
from models.word_vectors import VECTORS_NAME, VectorBlock, load_vectors

VIEWS = ("lemma", "surface")
C_GRID = (1.0, 4.0, 16.0)


def _lemma_words(doc: Document) -> list[str]:
    features: list[str] = []
    for speaker, tokens in doc.lemma_turns():
        features.extend(tokens)
        features.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
        features.extend(f"{speaker[0]}:{t}" for t in tokens)
    return features


def _lemma_text(doc: Document) -> str:
    return " ".join(t for _, tokens in doc.lemma_turns() for t in tokens)


def _surface_text(doc: Document) -> str:
    return normalize(doc.surface_text())


def _hasher(n_features: int, **kwargs) -> HashingVectorizer:
    return HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None, **kwargs)


def _vectorizers(view: str, n_features: int) -> list[HashingVectorizer]:
    chars = {"analyzer": "char_wb", "ngram_range": (2, 5)}
    if view == "lemma":
        return [
            _hasher(n_features, analyzer=_lemma_words),
            _hasher(n_features, preprocessor=_lemma_text, **chars),
        ]
    if view == "surface":
        return [
            _hasher(n_features, preprocessor=_surface_text, ngram_range=(1, 2)),
            _hasher(n_features, preprocessor=_surface_text, **chars),
        ]
    raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")


class HashedTfidf:
    """Sublinear TF-IDF over hashed n-gram blocks, each block L2-normalised, then the optional
    word-vector block."""

    def __init__(self, view: str, n_features: int, word_vectors: bool = False):
        self.view = view
        self.n_features = n_features
        self.word_vectors = word_vectors
        self.idf_: np.ndarray | None = None
        self.vectors_: VectorBlock | None = None

    @property
    def n_columns(self) -> int:
        dense = 0 if self.vectors_ is None else len(self.vectors_.mean_)
        return len(self.idf_) + dense

    def _counts(self, docs: Sequence[Document]) -> sp.csr_matrix:
        blocks = [v.transform(docs) for v in _vectorizers(self.view, self.n_features)]
        return sp.hstack(blocks).tocsr().astype(np.float32)

    def fit(self, docs: Sequence[Document]) -> HashedTfidf:
        self.idf_ = TfidfTransformer(sublinear_tf=True).fit(self._counts(docs)).idf_
        self.idf_ = self.idf_.astype(np.float32)
        self.vectors_ = VectorBlock().fit(docs, load_vectors()) if self.word_vectors else None
        return self

    def transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        counts = self._counts(docs)
        counts.data = 1.0 + np.log(counts.data)
        weighted = (counts @ sp.diags(self.idf_)).tocsr()
        n = self.n_features
        blocks = [
            l2_normalize(weighted[:, i * n : (i + 1) * n]) for i in range(weighted.shape[1] // n)
        ]
        if self.vectors_ is not None:
            blocks.append(sp.csr_matrix(self.vectors_.transform(docs, load_vectors())))
        return sp.hstack(blocks, format="csr")


class LinearPart:
    """One-vs-rest L2 logistic regression over one view; probabilities like scikit-learn's OvR."""

    def __init__(
        self,
        view: str,
        n_features: int,
        *,
        single_label: bool,
        class_weight: str | None = "balanced",
        c_grid: Sequence[float] = C_GRID,
        word_vectors: bool = False,
    ):
        self.view = view
        self.single_label = single_label
        self.class_weight = class_weight
        self.c_grid = tuple(c_grid)
        self.features = HashedTfidf(view, n_features, word_vectors)
        self.C_: float | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None

    def tune(self, fit_docs, fit_y: np.ndarray, val_docs, val_y: np.ndarray) -> np.ndarray:
        """Chooses C, and whether the word vectors stay, on the validation rows.

        The best validation macro-F1 wins. The vectors stay only when they raise it: on a tie
        the part without them is kept (fewer inputs, faster inference); ties between values of C
        go to the first in the grid. Returns the validation probabilities of the choice.
        """
        self.features.fit(fit_docs)
        X_fit, X_val = self.features.transform(fit_docs), self.features.transform(val_docs)
        hashed = len(self.features.idf_)
        options = (False, True) if self.features.vectors_ is not None else (False,)
        best = None
        for vectors in options:
            columns = slice(None) if vectors else slice(0, hashed)
            for C in self.c_grid:
                self._fit_matrix(X_fit[:, columns], fit_y, C)
                proba = self._proba(X_val[:, columns])
                quality = val_score(proba, val_y, self.single_label)
                if best is None or quality > best[0] + 1e-9:
                    best = (quality, C, vectors, proba)
        _, self.C_, self.features.word_vectors, proba = best
        return proba

    def fit(self, docs, y: np.ndarray) -> LinearPart:
        """Fits on all given rows with the chosen C (the grid's middle when none was tuned)."""
        self.features.fit(docs)
        C = self.C_ if self.C_ is not None else self.c_grid[len(self.c_grid) // 2]
        self._fit_matrix(self.features.transform(docs), y, C)
        self.C_ = C
        return self

    def _fit_matrix(self, X: sp.csr_matrix, y: np.ndarray, C: float) -> None:
        n_labels = y.shape[1]
        self.coef_ = np.zeros((n_labels, X.shape[1]), dtype=np.float32)
        self.intercept_ = np.zeros(n_labels, dtype=np.float32)
        for column in range(n_labels):
            target = y[:, column].astype(int)
            positives = int(target.sum())
            if positives in (0, len(target)):  # a constant column: its prior, no weights
                share = (positives + 0.5) / (len(target) + 1.0)
                self.intercept_[column] = np.log(share / (1 - share))
                continue
            model = LogisticRegression(
                C=C, class_weight=self.class_weight, solver="liblinear", max_iter=2000
            ).fit(X, target)
            self.coef_[column] = model.coef_[0]
            self.intercept_[column] = model.intercept_[0]

    def _proba(self, X: sp.csr_matrix) -> np.ndarray:
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        proba = 1.0 / (1.0 + np.exp(-scores))
        if self.single_label:
            proba /= np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
        return proba.astype(np.float32)

    def predict_proba(self, docs: Sequence[Document]) -> np.ndarray:
        return self._proba(self.features.transform(docs))

    # --------------------------------------------------------------- storage
    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        """Only the hashed columns with any weight are stored, which keeps the file small."""
        used = np.flatnonzero(np.any(self.coef_ != 0, axis=0)).astype(np.int64)
        tensors = {
            f"{prefix}.idf": self.features.idf_,
            f"{prefix}.columns": used,
            f"{prefix}.coef": np.ascontiguousarray(self.coef_[:, used]),
            f"{prefix}.intercept": self.intercept_,
        }
        if self.features.vectors_ is not None:
            tensors[f"{prefix}.vectors_mean"] = self.features.vectors_.mean_
            tensors[f"{prefix}.vectors_scale"] = self.features.vectors_.scale_
        return tensors

    def state(self) -> dict:
        vectors = self.features.vectors_
        return {
            "view": self.view,
            "n_features": self.features.n_features,
            "C": self.C_,
            "word_vectors": None
            if vectors is None
            else {"name": VECTORS_NAME, "weight": vectors.weight},
        }

    @classmethod
    def restore(cls, state: dict, tensors: dict, prefix: str, single_label: bool) -> LinearPart:
        vectors = state.get("word_vectors")
        part = cls(
            state["view"],
            state["n_features"],
            single_label=single_label,
            word_vectors=bool(vectors),
        )
        part.C_ = state["C"]
        part.features.idf_ = np.asarray(tensors[f"{prefix}.idf"], dtype=np.float32)
        if vectors:
            block = part.features.vectors_ = VectorBlock(weight=vectors["weight"])
            block.mean_ = np.asarray(tensors[f"{prefix}.vectors_mean"], dtype=np.float32)
            block.scale_ = np.asarray(tensors[f"{prefix}.vectors_scale"], dtype=np.float32)
        intercept = np.asarray(tensors[f"{prefix}.intercept"], dtype=np.float32)
        part.coef_ = np.zeros((len(intercept), part.features.n_columns), dtype=np.float32)
        part.coef_[:, np.asarray(tensors[f"{prefix}.columns"])] = tensors[f"{prefix}.coef"]
        part.intercept_ = intercept
        return part

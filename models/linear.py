"""The linear parts of SmartTag: L2 logistic regression over hashed TF-IDF n-grams.

Two views of a call, each with its own model:
- `lemma`: lemma 1-2-grams, the same lemmas prefixed by who said them (`c:ипотека`,
  `e:ипотека`) and lemma character 2-5-grams, so any inflection and the speaker count;
- `surface`: surface word 1-2-grams and character 2-5-grams, which keep what lemmatisation
  throws away (the baseline's view).

Both views can also carry the pretrained word vectors of `models.word_vectors` (mean and maximum
over the call's words), which bring what a few thousand labelled calls cannot teach: words never
seen in training that mean the same as words that were. A part keeps them only when they raise
its cross-validated macro-F1.

Hashing keeps the model directory free of pickles and vocabularies: only IDF weights, the vector
block's standardisation and coefficients are learned. The regularisation strength C, and
whether the vectors stay, are chosen by cross-validation over the training rows.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize as l2_normalize

from models.blend import log_loss, val_score
from models.fitted import fitted
from models.text import Document, normalize
from models.word_vectors import VECTORS_NAME, VectorBlock, load_vectors

VIEWS = ("lemma", "surface")
C_GRID = (1.0, 4.0, 16.0)
Fold = tuple[np.ndarray, np.ndarray]


def _lemma_words(doc: Document) -> list[str]:
    features: list[str] = []
    for speaker, tokens in doc.lemma_turns():
        features.extend(tokens)
        features.extend(f"{a} {b}" for a, b in itertools.pairwise(tokens))
        features.extend(f"{speaker[0]}:{t}" for t in tokens)
    return features


def _lemma_text(doc: Document) -> str:
    return " ".join(t for _, tokens in doc.lemma_turns() for t in tokens)


def _surface_text(doc: Document) -> str:
    return normalize(doc.surface_text())


def _hasher(n_features: int, **kwargs) -> HashingVectorizer:
    return HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None, **kwargs)


class CharGramHasher:
    """Hashed counts of word-bounded character 2-5-grams, equal to scikit-learn's
    `HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5))` over `preprocessor(doc)`.

    A call repeats its words, and calls share most of theirs: each distinct word's hashed
    n-grams are computed once and kept, and a call's row is the sum of its words' rows. That
    makes inference several times faster than re-hashing every n-gram of every call.
    """

    def __init__(self, n_features: int, preprocessor: Callable[[Document], str]):
        self.n_features = n_features
        self.preprocessor = preprocessor

    def transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        indptr, columns, values = [0], [], []
        for doc in docs:
            words = Counter(_WHITE_SPACES.sub(" ", self.preprocessor(doc)).split())
            grams = [_word_char_grams(word, self.n_features) for word in words]
            if grams:
                lengths = [len(word_columns) for word_columns, _ in grams]
                counts = np.fromiter(words.values(), dtype=np.float64, count=len(words))
                columns.append(np.concatenate([word_columns for word_columns, _ in grams]))
                values.append(np.concatenate([c for _, c in grams]) * np.repeat(counts, lengths))
            indptr.append(indptr[-1] + (len(columns[-1]) if grams else 0))
        matrix = sp.csr_matrix(
            (
                np.concatenate(values) if values else np.zeros(0),
                np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32),
                np.asarray(indptr),
            ),
            shape=(len(docs), self.n_features),
        )
        matrix.sum_duplicates()
        return matrix


_WHITE_SPACES = re.compile(r"\s\s+")


@lru_cache(maxsize=400_000)
def _word_char_grams(word: str, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    hasher = _hasher(n_features, analyzer="char_wb", ngram_range=(2, 5), lowercase=False)
    row = hasher.transform([word])
    return row.indices.astype(np.int32), row.data


def _vectorizers(view: str, n_features: int) -> list:
    if view == "lemma":
        return [
            _hasher(n_features, analyzer=_lemma_words),
            CharGramHasher(n_features, _lemma_text),
        ]
    if view == "surface":
        return [
            _hasher(n_features, preprocessor=_surface_text, ngram_range=(1, 2)),
            CharGramHasher(n_features, _surface_text),
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
        return len(fitted(self.idf_, "HashedTfidf")) + dense

    def _counts(self, docs: Sequence[Document]) -> sp.csr_matrix:
        blocks = [v.transform(docs) for v in _vectorizers(self.view, self.n_features)]
        return sp.hstack(blocks).tocsr().astype(np.float32)

    def fit_transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        """Learns the IDF weights (and the vector block) and returns the rows' features,
        hashing the n-grams and reading the vectors once."""
        counts = self._counts(docs)
        self.idf_ = TfidfTransformer(sublinear_tf=True).fit(counts).idf_.astype(np.float32)
        raw = load_vectors().features(docs) if self.word_vectors else None
        self.vectors_ = VectorBlock().fit(raw) if raw is not None else None
        return self._weighted(counts, raw)

    def transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        raw = load_vectors().features(docs) if self.vectors_ is not None else None
        return self._weighted(self._counts(docs), raw)

    def _weighted(self, counts: sp.csr_matrix, raw: np.ndarray | None) -> sp.csr_matrix:
        counts.data = 1.0 + np.log(counts.data)
        weighted = (counts @ sp.diags(fitted(self.idf_, "HashedTfidf"))).tocsr()
        n = self.n_features
        blocks = [
            l2_normalize(weighted[:, i * n : (i + 1) * n]) for i in range(weighted.shape[1] // n)
        ]
        if raw is not None:
            vectors = fitted(self.vectors_, "HashedTfidf's vector block")
            blocks.append(sp.csr_matrix(vectors.transform(raw)))
        return sp.hstack(blocks, format="csr")


def one_vs_rest(
    X: sp.csr_matrix, y: np.ndarray, C: float, class_weight: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """An L2 logistic regression per label column; a constant column keeps only its prior.

    The dual liblinear solver reaches the same optimum as the primal one several times faster
    here, where the calls are far fewer than the hashed columns. It visits the rows in a random
    order drawn from one generator for the whole process, so it is seeded and never run on two
    threads at once: training stays reproducible.
    """
    n_labels = y.shape[1]
    coef = np.zeros((n_labels, X.shape[1]), dtype=np.float32)
    intercept = np.zeros(n_labels, dtype=np.float32)
    for column in range(n_labels):
        target = y[:, column].astype(int)
        positives = int(target.sum())
        if positives in (0, len(target)):
            share = (positives + 0.5) / (len(target) + 1.0)
            intercept[column] = np.log(share / (1 - share))
            continue
        model = LogisticRegression(
            C=C,
            class_weight=class_weight,
            solver="liblinear",
            dual=True,
            max_iter=2000,
            random_state=0,
        ).fit(X, target)
        coef[column] = model.coef_[0]
        intercept[column] = model.intercept_[0]
    return coef, intercept


def probabilities(
    X: sp.csr_matrix, coef: np.ndarray, intercept: np.ndarray, single_label: bool
) -> np.ndarray:
    """Per-label sigmoid probabilities; rows normalised to sum to 1 for single-label parts."""
    scores = np.asarray(X @ coef.T) + intercept
    proba = 1.0 / (1.0 + np.exp(-scores))
    if single_label:
        proba /= np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
    return proba.astype(np.float32)


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
        self.cv_macro_f1_: float | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None

    def tune_and_fit(self, docs, y: np.ndarray, folds: Sequence[Fold]) -> np.ndarray:
        """Chooses C, and whether the word vectors stay, by cross-validation; then fits all rows.

        The features (IDF weights, the vector block's standardisation) are learned once from all
        the rows, which is label-free. Each candidate is scored by the macro-F1 of its
        out-of-fold probabilities over every row (kept as `cv_macro_f1_`); the best wins. The
        vectors stay only when they raise it: on a tie the part without them is kept (fewer
        inputs, faster inference). Values of C that tie go by the lower out-of-fold log loss,
        the more confident correct model. Returns the out-of-fold probabilities of the choice,
        which the blend is chosen on.
        """
        X = self.features.fit_transform(docs)
        hashed = len(fitted(self.features.idf_, "HashedTfidf"))
        options = (False, True) if self.features.vectors_ is not None else (False,)
        scored = []
        for vectors in options:
            X_option = X if vectors else X[:, :hashed]
            # each fold's rows are cut out once and reused for every C
            split = [(X_option[fit], y[fit], X_option[held], held) for fit, held in folds]
            for C in self.c_grid:
                proba = self._out_of_fold(split, y.shape, C)
                quality = val_score(proba, y, self.single_label)
                scored.append((quality, vectors, log_loss(proba, y, self.single_label), C, proba))
        best = max(item[0] for item in scored)
        tied = [item for item in scored if item[0] >= best - 1e-9]
        plain = [item for item in tied if not item[1]]
        self.cv_macro_f1_, keep_vectors, _, self.C_, proba = min(
            plain or tied, key=lambda item: item[2]
        )
        if not keep_vectors:
            self.features.vectors_, self.features.word_vectors = None, False
            X = X[:, :hashed]
        self._fit_matrix(X, y, self.C_)
        return proba

    def _out_of_fold(self, split, shape: tuple[int, int], C: float) -> np.ndarray:
        proba = np.zeros(shape, dtype=np.float32)
        for X_fit, y_fit, X_held, held_rows in split:
            coef, intercept = one_vs_rest(X_fit, y_fit, C, self.class_weight)
            proba[held_rows] = probabilities(X_held, coef, intercept, self.single_label)
        return proba

    def fit(self, docs, y: np.ndarray) -> LinearPart:
        """Fits on all given rows with the chosen C (the grid's middle when none was tuned)."""
        C = self.C_ if self.C_ is not None else self.c_grid[len(self.c_grid) // 2]
        self._fit_matrix(self.features.fit_transform(docs), y, C)
        self.C_ = C
        return self

    def _fit_matrix(self, X: sp.csr_matrix, y: np.ndarray, C: float) -> None:
        self.coef_, self.intercept_ = one_vs_rest(X, y, C, self.class_weight)

    def _proba(self, X: sp.csr_matrix) -> np.ndarray:
        return probabilities(
            X,
            fitted(self.coef_, "LinearPart"),
            fitted(self.intercept_, "LinearPart"),
            self.single_label,
        )

    def predict_proba(self, docs: Sequence[Document]) -> np.ndarray:
        return self._proba(self.features.transform(docs))

    # --------------------------------------------------------------- storage
    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        """Only the hashed columns with any weight are stored, which keeps the file small."""
        coef = fitted(self.coef_, "LinearPart")
        used = np.flatnonzero(np.any(coef != 0, axis=0)).astype(np.int64)
        tensors = {
            f"{prefix}.idf": fitted(self.features.idf_, "HashedTfidf"),
            f"{prefix}.columns": used,
            f"{prefix}.coef": np.ascontiguousarray(coef[:, used]),
            f"{prefix}.intercept": fitted(self.intercept_, "LinearPart"),
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

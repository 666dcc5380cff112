"""Pretrained Russian word vectors for SmartTag: navec, as the natasha package ships it.

A few thousand labelled calls cannot teach a model that «ужасный» and «отвратительный» mean the
same thing; vectors trained on a billion words of Russian news can. Each call becomes the mean
and the element-wise maximum of its words' vectors (a word missing from the vocabulary is tried
again as its lemma), standardised on the training rows, and joins the linear parts' n-grams
(each part keeps the block only when it raises its cross-validated macro-F1; see
`models.linear`).

The vectors are read from local disk only: `CALLSCOPE_WORD_VECTORS_PATH`, or else the file that
`pip install natasha` puts in site-packages. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from data.errors import ModelMissingError
from models.text import Document, lemma, words

VECTORS_NAME = "navec_news_v1_1B_250K_300d_100q"
VECTORS_SETTING = "CALLSCOPE_WORD_VECTORS_PATH"
VECTORS_SOURCE = "the natasha package (pip install natasha) or https://github.com/natasha/navec"
# Weight of the standardised vector block beside the L2-normalised n-gram blocks; chosen by
# 4-fold cross-validation on the SentiRuEval-2016 training rows (0, 0.03, 0.05, 0.08 tried).
BLOCK_WEIGHT = 0.05


def shipped_path() -> Path | None:
    """The vectors file inside an installed natasha package, found without importing it."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = Path(root) / "data" / "emb" / f"{VECTORS_NAME}.tar"
        if candidate.is_file():
            return candidate
    return None


def vectors_path() -> Path:
    configured = os.environ.get(VECTORS_SETTING)
    path = Path(configured) if configured else shipped_path()
    if path is None or not path.is_file():
        raise ModelMissingError(VECTORS_NAME, VECTORS_SETTING, VECTORS_SOURCE, path=path)
    return path


class WordVectors:
    """A loaded vector table: word → row, and the product-quantised rows decoded on demand."""

    def __init__(self, path: Path):
        from navec import Navec

        self.path = path
        try:
            table = Navec.load(str(path))
        except Exception as error:  # a truncated or foreign file: say which one
            raise ModelMissingError(VECTORS_NAME, VECTORS_SETTING, VECTORS_SOURCE, path=path) from (
                error
            )
        self._ids = table.vocab.word_ids
        self._pq = table.pq
        self.dim = int(table.pq.dim)

    def _row(self, word: str) -> int | None:
        row = self._ids.get(word)
        if row is None:
            row = self._ids.get(lemma(word))
        return row

    def features(self, docs: Sequence[Document]) -> np.ndarray:
        """Mean and maximum of each document's word vectors; zeros for a document with none."""
        out = np.zeros((len(docs), 2 * self.dim), dtype=np.float32)
        for index, doc in enumerate(docs):
            rows = [r for r in (self._row(w) for w in words(doc.surface_text())) if r is not None]
            if not rows:
                continue
            codes = self._pq.indexes[np.asarray(rows)]
            vectors = self._pq.codes[self._pq.qdims, codes].reshape(len(rows), self.dim)
            out[index, : self.dim] = vectors.mean(axis=0)
            out[index, self.dim :] = vectors.max(axis=0)
        return out


@lru_cache(maxsize=2)
def _load(path: Path) -> WordVectors:
    return WordVectors(path)


def load_vectors(path: Path | None = None) -> WordVectors:
    """The vector table, loaded once per process."""
    return _load((path or vectors_path()).resolve())


class VectorBlock:
    """The standardised, weighted vector features of a linear part (learned: mean_, scale_).

    It takes the raw features of `WordVectors.features`, so a caller computes them once.
    """

    def __init__(self, weight: float = BLOCK_WEIGHT):
        self.weight = weight

    def fit(self, raw: np.ndarray) -> VectorBlock:
        spread = raw.std(axis=0)
        self.mean_ = raw.mean(axis=0)
        self.scale_ = np.where(spread > 1e-6, spread, 1.0).astype(np.float32)
        return self

    def transform(self, raw: np.ndarray) -> np.ndarray:
        return ((raw - self.mean_) / self.scale_ * self.weight).astype(np.float32)

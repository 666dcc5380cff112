"""Inputs of the SmartTag network: speaker-aware token ids, hashed lemma n-grams, intonation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize as l2_normalize

from models.text import SPEAKER_MARKERS, Document, normalize

SPEAKER_TYPE = {"client": 0, "employee": 1}


def token_words(doc: Document, use_lemmas: bool) -> list[str]:
    """The word sequence the encoder reads: a speaker marker before every change of speaker."""
    out: list[str] = []
    previous = None
    for speaker, tokens in doc.lemma_turns() if use_lemmas else doc.word_turns():
        if not tokens:
            continue
        if speaker != previous:
            out.append(SPEAKER_MARKERS[speaker])
            previous = speaker
        out.extend(tokens)
    return out


def encode_documents(
    tokenizer, docs: Sequence[Document], max_length: int, use_lemmas: bool, typed: bool
) -> dict[str, torch.Tensor]:
    """Tokenizes documents; token_type_ids say who spoke (0 client, 1 employee)."""
    word_lists = [token_words(d, use_lemmas) or ["[UNK]"] for d in docs]
    speakers = [_word_speakers(words) for words in word_lists]
    batch = tokenizer(
        word_lists,
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )
    encoded = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    if typed:
        types = torch.zeros_like(batch["input_ids"])
        for row, per_word in enumerate(speakers):
            for position, word_id in enumerate(batch.word_ids(row)):
                if word_id is not None:
                    types[row, position] = per_word[word_id]
        encoded["token_type_ids"] = types
    return encoded


def _word_speakers(words: list[str]) -> list[int]:
    marker_type = {marker: SPEAKER_TYPE[s] for s, marker in SPEAKER_MARKERS.items()}
    current, out = 0, []
    for word in words:
        current = marker_type.get(word, current)
        out.append(current)
    return out


def _lemma_features(doc: Document) -> list[str]:
    features: list[str] = []
    for speaker, tokens in doc.lemma_turns():
        features.extend(tokens)
        features.extend(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
        features.extend(f"{speaker[0]}:{t}" for t in tokens)
    return features


def _char_text(doc: Document) -> str:
    return normalize(doc.surface_text())


class WideFeatures:
    """Hashed TF-IDF over lemma 1-2 grams (also per speaker) and surface char 2-5 grams.

    Hashing keeps the model directory small and free of pickles: only the IDF weights are learned.
    """

    def __init__(self, n_features: int = 2**18):
        self.n_features = n_features
        self._lemma = HashingVectorizer(
            analyzer=_lemma_features, n_features=n_features, alternate_sign=False, norm=None
        )
        self._char = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            n_features=n_features,
            alternate_sign=False,
            norm=None,
            preprocessor=_char_text,
        )
        self.idf_: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return 2 * self.n_features

    def _counts(self, docs: Sequence[Document]) -> sp.csr_matrix:
        return sp.hstack([self._lemma.transform(docs), self._char.transform(docs)]).tocsr()

    def fit(self, docs: Sequence[Document]) -> WideFeatures:
        tfidf = TfidfTransformer(sublinear_tf=True).fit(self._counts(docs))
        self.idf_ = tfidf.idf_.astype(np.float32)
        return self

    def transform(self, docs: Sequence[Document]) -> sp.csr_matrix:
        counts = self._counts(docs).astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts @ sp.diags(self.idf_)
        n = self.n_features
        return sp.hstack(
            [l2_normalize(weighted[:, :n]), l2_normalize(weighted[:, n:])], format="csr"
        )


def bag_inputs(matrix: sp.csr_matrix) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CSR rows as EmbeddingBag inputs: column ids, row offsets, TF-IDF weights."""
    matrix = matrix.tocsr()
    return (
        torch.from_numpy(matrix.indices.astype(np.int64)),
        torch.from_numpy(matrix.indptr[:-1].astype(np.int64)),
        torch.from_numpy(matrix.data.astype(np.float32)),
    )


class ProsodyScaler:
    """Standardises intonation features by name; an absent feature reads as the mean."""

    def __init__(self):
        self.names_: list[str] = []
        self.mean_ = np.zeros(0, dtype=np.float32)
        self.scale_ = np.ones(0, dtype=np.float32)

    def fit(self, docs: Sequence[Document]) -> ProsodyScaler:
        self.names_ = sorted({name for d in docs for name in d.prosody})
        if self.names_:
            values = self._raw(docs)
            self.mean_ = np.nanmean(values, axis=0).astype(np.float32)
            self.mean_ = np.nan_to_num(self.mean_)
            std = np.nanstd(values, axis=0)
            self.scale_ = np.where(np.nan_to_num(std) > 0, std, 1.0).astype(np.float32)
        return self

    def _raw(self, docs: Sequence[Document]) -> np.ndarray:
        return np.array(
            [[d.prosody.get(name, np.nan) for name in self.names_] for d in docs], dtype=np.float32
        ).reshape(len(docs), len(self.names_))

    def transform(self, docs: Sequence[Document]) -> torch.Tensor:
        if not self.names_:
            return torch.zeros((len(docs), 0))
        values = (self._raw(docs) - self.mean_) / self.scale_
        return torch.from_numpy(np.nan_to_num(values, nan=0.0).astype(np.float32))

    def state(self) -> dict:
        return {"names": self.names_, "mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_state(cls, state: dict) -> ProsodyScaler:
        scaler = cls()
        scaler.names_ = list(state["names"])
        scaler.mean_ = np.asarray(state["mean"], dtype=np.float32)
        scaler.scale_ = np.asarray(state["scale"], dtype=np.float32)
        return scaler

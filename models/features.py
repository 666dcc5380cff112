"""Inputs of the SmartTag network: speaker-aware token ids and intonation features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from models.text import SPEAKER_MARKERS, Document

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
        types = np.zeros(tuple(batch["input_ids"].shape), dtype=np.int64)
        for row, per_word in enumerate(speakers):
            word_ids = np.array([-1 if w is None else w for w in batch.word_ids(row)])
            known = word_ids >= 0
            types[row, known] = np.asarray(per_word)[word_ids[known]]
        encoded["token_type_ids"] = torch.from_numpy(types)
    return encoded


def _word_speakers(words: list[str]) -> list[int]:
    marker_type = {marker: SPEAKER_TYPE[s] for s, marker in SPEAKER_MARKERS.items()}
    current, out = 0, []
    for word in words:
        current = marker_type.get(word, current)
        out.append(current)
    return out


class ProsodyScaler:
    """Standardises intonation features by name; an absent feature reads as the mean."""

    def __init__(self) -> None:
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

"""SmartTagger: the scikit-learn style estimator around the SmartTag network."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from transformers import AutoTokenizer, BertModel

from models.blend import choose_share, choose_weights, combine, val_score
from models.features import ProsodyScaler, encode_documents, token_words
from models.fitted import fitted
from models.linear import C_GRID, VIEWS, LinearPart
from models.metrics import indicator, is_single_label
from models.network import TaggerNetwork, compact_bert_config
from models.pretrain import pretrain_mlm
from models.text import Document
from models.thresholds import calibrate
from models.tokenizer import add_speaker_tokens, train_wordpiece

Progress = Callable[[str, float, str], None]


def as_document(item: Document | str | dict) -> Document:
    if isinstance(item, Document):
        return item
    if isinstance(item, dict):
        from models.text import document_from_turns

        if item.get("turns"):
            return document_from_turns(item["turns"], item.get("prosody"))
        return Document.from_text(str(item.get("text") or ""))
    return Document.from_text(str(item))


def snapshot_id(docs: Sequence[Document], y: Sequence[Sequence[str]]) -> str:
    """A stable fingerprint of the training data (texts, speakers and tags, in order)."""
    digest = hashlib.sha256()
    for doc, tags in zip(docs, y, strict=True):
        digest.update(json.dumps([doc.turns, sorted(tags)], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def default_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class SmartTagger(ClassifierMixin, BaseEstimator):
    """Multi-label (or single-label) call tagger: compact BERT blended with linear n-gram parts.

    `fit(X, y)` takes documents (Document, text, or {"turns"/"text"} dicts) and tag lists.
    When every training item has exactly one tag the model is single-label (softmax, argmax);
    otherwise multi-label (sigmoid, per-tag thresholds calibrated on the validation split).
    The parts (lemma n-grams, surface n-grams, encoder) are averaged with weights chosen on
    held-out predictions: the linear parts' C, vectors and mix by `cv_folds`-fold
    cross-validation over all training rows, the encoder's share on the validation split
    (`validation_share`) that also early-stops it.
    """

    def __init__(
        self,
        *,
        use_encoder: bool = True,
        use_wide: bool = True,
        use_word_vectors: bool = True,
        vocab_size: int = 8000,
        hidden_size: int = 128,
        num_layers: int = 2,
        num_heads: int = 2,
        max_length: int = 256,
        wide_features: int = 2**18,
        linear_c_grid: tuple[float, ...] = C_GRID,
        epochs: int = 12,
        batch_size: int = 32,
        learning_rate: float = 1e-3,
        prosody_learning_rate: float = 2e-2,
        weight_decay: float = 0.01,
        dropout: float = 0.1,
        validation_share: float = 0.15,
        cv_folds: int = 4,
        patience: int = 2,
        class_weight: str | None = "balanced",
        pretrain_epochs: int = 0,
        checkpoint_dir: str | None = None,
        random_state: int = 0,
        n_threads: int | None = None,
    ):
        self.use_encoder = use_encoder
        self.use_wide = use_wide
        self.use_word_vectors = use_word_vectors
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.max_length = max_length
        self.wide_features = wide_features
        self.linear_c_grid = linear_c_grid
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.prosody_learning_rate = prosody_learning_rate
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.validation_share = validation_share
        self.cv_folds = cv_folds
        self.patience = patience
        self.class_weight = class_weight
        self.pretrain_epochs = pretrain_epochs
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state
        self.n_threads = n_threads

    # ---------------------------------------------------------------- training
    def fit(
        self,
        X: Sequence,
        y: Sequence[Sequence[str]],
        *,
        unlabelled: Sequence | None = None,
        progress: Progress | None = None,
    ) -> SmartTagger:
        torch.set_num_threads(self.n_threads or default_threads())
        torch.manual_seed(self.random_state)
        docs = [as_document(x) for x in X]
        y = [list(dict.fromkeys(tags)) for tags in y]
        if not docs:
            raise ValueError("SmartTag needs at least one training example")
        self.classes_ = np.array(sorted({tag for tags in y for tag in tags}))
        if len(self.classes_) == 0:
            raise ValueError("SmartTag needs at least one tag among the training examples")
        self.single_label_ = is_single_label(y)
        self.data_snapshot_id_ = snapshot_id(docs, y)
        targets = indicator(y, list(self.classes_)).astype(np.float32)
        self.class_weights_ = None
        if self.class_weight == "balanced" and self.single_label_:
            counts = targets.sum(axis=0)
            self.class_weights_ = torch.from_numpy(
                (len(targets) / (len(counts) * np.maximum(counts, 1))).astype(np.float32)
            )
        fit_idx, val_idx = self._split(targets)
        extra = [as_document(x) for x in (unlabelled or [])]
        fit_docs, val_docs = [docs[i] for i in fit_idx], [docs[i] for i in val_idx]
        linear_oof = self._fit_linear(docs, targets, progress)

        self._build_network(fit_docs, extra)
        encoder_val = None
        if self.network_ is not None:
            if self.network_.encoder is not None and self.pretrain_epochs:
                pretrain_mlm(
                    self.network_.encoder,
                    self.tokenizer_,
                    fit_docs + extra,
                    epochs=self.pretrain_epochs,
                    max_length=self.max_length_,
                    use_lemmas=self.use_lemmas_,
                    seed=self.random_state,
                    progress=progress,
                )
            self._train(docs, targets, fit_idx, val_idx, progress)
            if len(val_idx):
                encoder_val = self._network_proba(val_docs)
        if not self.linear_ and self.network_ is None:
            raise ValueError("SmartTag needs the encoder or the linear parts (use_wide)")
        self._choose_blend(linear_oof, encoder_val, targets, val_idx)
        self.metrics_: dict = {}
        return self

    def _choose_blend(self, linear_oof, encoder_val, targets, val_idx) -> None:
        """The blend weights and the thresholds, from held-out predictions only (models.blend).

        The encoder's share is chosen on the validation split. The thresholds are calibrated on
        every row's out-of-fold probabilities when the blend is linear, and on the validation
        split when the encoder has a share.
        """
        n_linear = len(self.linear_)
        linear_weights = np.full(n_linear, 1.0 / max(n_linear, 1))
        linear_blend = None
        if linear_oof:
            linear_weights, _ = choose_weights(linear_oof, targets, self.single_label_)
            linear_blend = combine(linear_oof, linear_weights)
        share, held_out, truth = 0.0, linear_blend, targets
        self.selection_ = {
            part.view: {"C": part.C_, "word_vectors": part.features.word_vectors}
            for part in self.linear_
        }
        for part in self.linear_:
            if part.cv_macro_f1_ is not None:
                self.selection_[part.view]["cv_macro_f1"] = round(part.cv_macro_f1_, 4)
        if self.network_ is not None:
            if encoder_val is None:  # too few rows to validate on: an even mix
                share, held_out = 1.0 / (n_linear + 1), None
            elif linear_blend is None:
                share, held_out, truth = 1.0, encoder_val, targets[val_idx]
            else:
                linear_val, truth_val = linear_blend[val_idx], targets[val_idx]
                share, _ = choose_share(
                    linear_val, encoder_val, truth_val, self.single_label_, linear_weights
                )
                self.selection_["encoder"] = {
                    "validation_macro_f1": round(
                        val_score(encoder_val, truth_val, self.single_label_), 4
                    ),
                    "linear_validation_macro_f1": round(
                        val_score(linear_val, truth_val, self.single_label_), 4
                    ),
                    "validation_rows": len(val_idx),
                }
                if share:
                    mix = np.array([1 - share, share])
                    held_out, truth = combine([linear_val, encoder_val], mix), truth_val
        weights = linear_weights * (1 - share)
        self.weights_ = np.append(weights, [share]) if self.network_ is not None else weights
        names = [part.view for part in self.linear_] + ["encoder"] * (self.network_ is not None)
        for name, weight in zip(names, self.weights_, strict=True):
            self.selection_.setdefault(name, {})["weight"] = round(float(weight), 4)
        if self.single_label_ or held_out is None:
            self.thresholds_ = np.full(len(self.classes_), 0.5, dtype=np.float32)
        else:
            self.thresholds_ = calibrate(held_out, truth)

    def _fit_linear(self, docs, targets, progress) -> list[np.ndarray]:
        """Fits the linear parts on every training row, C chosen by cross-validation.

        Returns their out-of-fold probabilities for the blend (none when the rows are too few
        to cross-validate; the parts then use the middle of the C grid).
        """
        self.linear_: list[LinearPart] = []
        out_of_fold: list[np.ndarray] = []
        if not self.use_wide:
            return out_of_fold
        folds = self._folds(targets)
        for index, view in enumerate(VIEWS):
            if progress:
                progress(
                    "linear",
                    index / len(VIEWS),
                    f"{view} n-gram part: choosing C by {len(folds)}-fold cross-validation",
                )
            part = LinearPart(
                view,
                self.wide_features,
                single_label=self.single_label_,
                class_weight=self.class_weight,
                c_grid=self.linear_c_grid,
                word_vectors=self.use_word_vectors,
            )
            if folds:
                out_of_fold.append(part.tune_and_fit(docs, targets, folds))
            else:
                part.fit(docs, targets)
            self.linear_.append(part)
        return out_of_fold

    def _folds(self, targets: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        n_folds = min(self.cv_folds, len(targets))
        if n_folds < 2:
            return []
        labels = targets.argmax(axis=1)
        if self.single_label_ and np.bincount(labels).min() >= n_folds:
            splitter = StratifiedKFold(n_folds, shuffle=True, random_state=self.random_state)
        else:
            splitter = KFold(n_folds, shuffle=True, random_state=self.random_state)
        return list(splitter.split(np.zeros(len(targets)), labels))

    def _split(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        everything = np.arange(len(targets))
        n_val = round(len(targets) * self.validation_share)
        if n_val < 1 or len(targets) - n_val < 1:
            return everything, everything[:0]
        stratify = targets.argmax(axis=1) if self.single_label_ else None
        if stratify is not None and np.bincount(stratify).min() < 2:
            stratify = None
        fit_idx, val_idx = train_test_split(
            everything, test_size=n_val, random_state=self.random_state, stratify=stratify
        )
        return np.sort(fit_idx), np.sort(val_idx)

    def _build_network(self, fit_docs: list[Document], extra: list[Document]) -> None:
        self.prosody_ = ProsodyScaler().fit(fit_docs)
        encoder = None
        self.tokenizer_ = None
        self.use_lemmas_ = True
        self.typed_ = True
        self.max_length_ = self.max_length
        if self.use_encoder:
            if self.checkpoint_dir:
                encoder, self.tokenizer_, self.use_lemmas_ = _load_checkpoint(self.checkpoint_dir)
                self.typed_ = encoder.config.type_vocab_size >= 2
                self.max_length_ = min(self.max_length, encoder.config.max_position_embeddings)
            else:
                texts = (" ".join(token_words(d, True)) for d in fit_docs + extra)
                self.tokenizer_ = train_wordpiece(texts, self.vocab_size)
                config = compact_bert_config(
                    len(self.tokenizer_),
                    self.hidden_size,
                    self.num_layers,
                    self.num_heads,
                    self.max_length,
                )
                encoder = BertModel(config)
        self.encoder_config_ = encoder.config.to_dict() if encoder is not None else None
        self.network_ = None
        if encoder is not None or self.prosody_.names_:
            self.network_ = TaggerNetwork(
                encoder, len(self.prosody_.names_), len(self.classes_), self.dropout
            )

    def _loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.single_label_:
            weights = getattr(self, "class_weights_", None)
            return torch.nn.functional.cross_entropy(logits, targets.argmax(dim=1), weight=weights)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)

    def _train(self, docs, targets, fit_idx, val_idx, progress: Progress | None) -> None:
        network = fitted(self.network_, "SmartTagger's network")
        # the direct intonation path is a small linear layer; it learns at its own, higher rate
        direct = [p for n, p in network.named_parameters() if n.startswith("prosody_head.")]
        deep = [p for n, p in network.named_parameters() if not n.startswith("prosody_head.")]
        groups = [
            {"params": deep, "lr": self.learning_rate},
            {"params": direct, "lr": self.prosody_learning_rate},
        ]
        optimizer = torch.optim.AdamW(
            [g for g in groups if g["params"]], weight_decay=self.weight_decay
        )
        target_tensor = torch.from_numpy(targets)
        generator = torch.Generator().manual_seed(self.random_state)
        steps_per_epoch = math.ceil(len(fit_idx) / self.batch_size)
        best_loss, best_state, stale = math.inf, None, 0
        self.history_ = []
        for epoch in range(self.epochs):
            network.train()
            order = fit_idx[torch.randperm(len(fit_idx), generator=generator).numpy()]
            for step, start in enumerate(range(0, len(order), self.batch_size)):
                rows = order[start : start + self.batch_size]
                logits = network(**self._inputs([docs[i] for i in rows]))
                loss = self._loss(logits, target_tensor[rows])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if progress:
                    done = (epoch + (step + 1) / steps_per_epoch) / self.epochs
                    progress(
                        "train", done, f"epoch {epoch + 1}/{self.epochs} loss {loss.item():.4f}"
                    )
            if not len(val_idx):
                continue
            val_loss = self._evaluate_loss(docs, target_tensor, val_idx)
            self.history_.append({"epoch": epoch + 1, "val_loss": round(val_loss, 5)})
            if val_loss < best_loss - 1e-4:
                best_loss, best_state, stale = val_loss, copy.deepcopy(network.state_dict()), 0
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            network.load_state_dict(best_state)
        network.eval()

    @torch.no_grad()
    def _evaluate_loss(self, docs, target_tensor, rows) -> float:
        network = fitted(self.network_, "SmartTagger's network")
        network.eval()
        total = 0.0
        for start in range(0, len(rows), 64):
            chunk = rows[start : start + 64]
            logits = network(**self._inputs([docs[i] for i in chunk]))
            total += self._loss(logits, target_tensor[chunk]).item() * len(chunk)
        return total / len(rows)

    def _inputs(self, docs: list[Document]) -> dict:
        inputs: dict = {}
        if fitted(self.network_, "SmartTagger's network").encoder is not None:
            inputs.update(
                encode_documents(
                    self.tokenizer_, docs, self.max_length_, self.use_lemmas_, self.typed_
                )
            )
        if self.prosody_.names_:
            inputs["prosody"] = self.prosody_.transform(docs)
        return inputs

    # --------------------------------------------------------------- inference
    @torch.no_grad()
    def _network_proba(self, docs: list[Document], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(docs), len(self.classes_)), dtype=np.float32)
        # similar lengths in one batch keep padding small
        order = sorted(range(len(docs)), key=lambda i: sum(len(t) for _, t in docs[i].turns))
        network = fitted(self.network_, "SmartTagger's network")
        network.eval()
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            logits = network(**self._inputs([docs[i] for i in rows]))
            probs = torch.softmax(logits, 1) if self.single_label_ else torch.sigmoid(logits)
            out[rows] = probs.numpy()
        return out

    def predict_proba(self, X: Sequence, batch_size: int = 64) -> np.ndarray:
        """The blended probabilities; an empty transcript gets a row of zeros (no tags)."""
        docs = [as_document(x) for x in X]
        out = np.zeros((len(docs), len(self.classes_)), dtype=np.float32)
        present = [i for i, d in enumerate(docs) if not d.is_empty]
        if not present:
            return out
        kept = [docs[i] for i in present]
        models = [*self.linear_, *([self.network_] if self.network_ is not None else [])]
        total = np.zeros((len(kept), len(self.classes_)), dtype=np.float64)
        for model, weight in zip(models, self.weights_, strict=True):
            if not weight:  # a part the blend gave no weight costs nothing at inference
                continue
            if isinstance(model, LinearPart):
                total += weight * model.predict_proba(kept)
            else:
                total += weight * self._network_proba(kept, batch_size)
        out[present] = total
        return out

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Turns probabilities into a tag indicator matrix (rows of zeros stay untagged)."""
        if self.single_label_:
            out = np.zeros_like(proba, dtype=np.int8)
            has = proba.sum(axis=1) > 0
            out[np.flatnonzero(has), proba[has].argmax(axis=1)] = 1
            return out
        return (proba >= self.thresholds_).astype(np.int8)

    def predict(self, X: Sequence) -> np.ndarray:
        return self.decide(self.predict_proba(X))

    def predict_tags(self, X: Sequence) -> list[list[str]]:
        return [list(self.classes_[row.astype(bool)]) for row in self.predict(X)]

    # ----------------------------------------------------------------- storage
    def save(self, directory: str | Path) -> Path:
        from models.storage import save_tagger

        return save_tagger(self, Path(directory))

    @classmethod
    def load(cls, directory: str | Path) -> SmartTagger:
        from models.storage import load_tagger

        return load_tagger(cls, Path(directory))


INPUT_FILE = "callscope_input.json"


def _load_checkpoint(directory: str) -> tuple[BertModel, object, bool]:
    """A local pretrained encoder (e.g. a Russian tiny BERT); nothing is fetched from a hub."""
    from data.errors import ModelMissingError

    path = Path(directory)
    if not (path / "config.json").is_file():
        raise ModelMissingError(
            "SmartTag encoder checkpoint",
            "SmartTagger(checkpoint_dir=...) / callscope smarttag train --checkpoint",
            "a BERT-style checkpoint directory (config.json, weights, tokenizer files), e.g. "
            "a Russian tiny BERT saved with save_pretrained, or `callscope smarttag pretrain`",
            path,
        )
    encoder = BertModel.from_pretrained(path, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if add_speaker_tokens(tokenizer):
        encoder.resize_token_embeddings(len(tokenizer))
    # our own checkpoints read lemmas; a foreign one was pretrained on ordinary words
    marker = path / INPUT_FILE
    use_lemmas = (
        bool(json.loads(marker.read_text()).get("use_lemmas")) if marker.is_file() else False
    )
    return encoder, tokenizer, use_lemmas

"""Masked-language-model pre-training of the compact encoder on unlabelled transcripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from transformers import BertForMaskedLM, BertModel, DataCollatorForLanguageModeling

from models.features import encode_documents
from models.network import compact_bert_config
from models.text import Document
from models.tokenizer import train_wordpiece

Progress = Callable[[str, float, str], None]


def pretrain_mlm(
    encoder: BertModel,
    tokenizer,
    docs: Sequence[Document],
    *,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 5e-4,
    max_length: int = 256,
    use_lemmas: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
) -> BertModel:
    """Trains `encoder` in place with masked-token prediction and returns it."""
    docs = [d for d in docs if not d.is_empty]
    if not docs or epochs <= 0:
        return encoder
    generator = torch.Generator().manual_seed(seed)
    mlm = BertForMaskedLM(encoder.config)
    mlm.bert.load_state_dict(encoder.state_dict(), strict=False)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(mlm.parameters(), lr=learning_rate, weight_decay=0.01)
    mlm.train()
    steps = epochs * ((len(docs) + batch_size - 1) // batch_size)
    done = 0
    for _ in range(epochs):
        order = torch.randperm(len(docs), generator=generator).tolist()
        for start in range(0, len(docs), batch_size):
            batch_docs = [docs[i] for i in order[start : start + batch_size]]
            encoded = encode_documents(tokenizer, batch_docs, max_length, use_lemmas, typed=False)
            features = [{"input_ids": ids} for ids in encoded["input_ids"]]
            batch = collator(features)
            loss = mlm(
                input_ids=batch["input_ids"],
                labels=batch["labels"],
                attention_mask=(batch["input_ids"] != tokenizer.pad_token_id).long(),
            ).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += 1
            if progress:
                progress("pretrain", done / steps, f"mlm loss {loss.item():.3f}")
    encoder.load_state_dict(mlm.bert.state_dict(), strict=False)
    return encoder


def build_checkpoint(
    docs: Sequence[Document],
    out_dir: str | Path,
    *,
    vocab_size: int = 8000,
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 2,
    max_length: int = 256,
    epochs: int = 1,
    seed: int = 0,
    progress: Progress | None = None,
) -> Path:
    """Platform-wide pre-training: a tokenizer and an encoder from every unlabelled transcript,
    saved as a checkpoint directory that account models start from."""
    from models.features import token_words

    torch.manual_seed(seed)
    tokenizer = train_wordpiece((" ".join(token_words(d, True)) for d in docs), vocab_size)
    config = compact_bert_config(len(tokenizer), hidden_size, num_layers, num_heads, max_length)
    encoder = BertModel(config)
    pretrain_mlm(
        encoder, tokenizer, docs, epochs=epochs, max_length=max_length, seed=seed, progress=progress
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    encoder.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "callscope_input.json").write_text(json.dumps({"use_lemmas": True}))
    return out

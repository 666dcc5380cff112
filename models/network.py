"""The SmartTag network: a compact BERT encoder over speaker-marked lemmas.

When speech produced intonation features, they join the pooled representation and also have a
direct linear path. The linear n-gram parts live in `models.linear`; `SmartTagger` blends their
probabilities with this network's.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BertConfig, BertModel


def compact_bert_config(vocab_size: int, hidden: int, layers: int, heads: int, max_length: int):
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=hidden * 2,
        max_position_embeddings=max_length,
        type_vocab_size=2,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )


class TaggerNetwork(nn.Module):
    def __init__(
        self,
        encoder: BertModel | None,
        prosody_dim: int,
        n_labels: int,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.encoder = encoder
        if encoder is not None:
            hidden = encoder.config.hidden_size
            self.deep_dropout = nn.Dropout(dropout)
            self.deep_head = nn.Linear(hidden + prosody_dim, n_labels)
        self.prosody_dim = prosody_dim
        # a direct linear path as well, so intonation counts even when the encoder is small or off
        self.prosody_head = nn.Linear(prosody_dim, n_labels) if prosody_dim else None

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        prosody: torch.Tensor | None = None,
    ) -> torch.Tensor:
        logits: torch.Tensor | None = None
        if self.encoder is not None:
            if attention_mask is None:
                raise ValueError("the encoder needs the attention mask")
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            if self.prosody_dim:
                if prosody is None:
                    raise ValueError("this network reads prosody: pass the prosody features")
                pooled = torch.cat([pooled, prosody], dim=1)
            logits = self.deep_head(self.deep_dropout(pooled))
        if self.prosody_head is not None:
            direct = self.prosody_head(prosody)
            logits = direct if logits is None else logits + direct
        if logits is None:
            raise ValueError("the network has neither an encoder nor a prosody path")
        return logits


def masked_lm_from(encoder: BertModel):
    """A masked-LM head sharing the encoder's weights, for pre-training on unlabelled text."""
    from transformers import BertForMaskedLM

    mlm = BertForMaskedLM(encoder.config)
    mlm.bert.load_state_dict(encoder.state_dict(), strict=False)
    return mlm

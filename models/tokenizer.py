"""WordPiece tokenizer trained on the platform's own transcripts (lemmatised, speaker-marked)."""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from models.text import SPEAKER_MARKERS

BASE_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SPEAKER_TOKENS = list(SPEAKER_MARKERS.values())
MAX_WORD_CHARS = 50


def _new_tokenizer(vocab: dict[str, int] | None = None) -> Tokenizer:
    tokenizer = Tokenizer(
        models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=MAX_WORD_CHARS)
    )
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def _learn_vocab(texts: list[str], vocab_size: int, min_frequency: int) -> dict[str, int]:
    """The trained vocabulary, the same on every run.

    The trainer creates the word-continuation pieces («##а») in hash-map order, and their ids
    break ties between equally frequent merges, so the same texts could give another vocabulary
    on the next run (huggingface/tokenizers#1794). Declaring every continuation piece up front
    fixes their ids, and with them the merges.
    """
    continuations = sorted({char for text in texts for word in text.split() for char in word[1:]})
    tokenizer = _new_tokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=BASE_SPECIAL + SPEAKER_TOKENS + [f"##{c}" for c in continuations],
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer.get_vocab(with_added_tokens=False)


def train_wordpiece(
    texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2
) -> PreTrainedTokenizerFast:
    """Trains a WordPiece vocabulary on prepared texts (words separated by spaces)."""
    vocab = _learn_vocab(list(texts), vocab_size, min_frequency)
    # rebuilt from the vocabulary so that only the real special tokens are special
    tokenizer = _new_tokenizer(vocab)
    tokenizer.add_special_tokens(BASE_SPECIAL + SPEAKER_TOKENS)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        additional_special_tokens=SPEAKER_TOKENS,
    )


def add_speaker_tokens(tokenizer) -> int:
    """Makes sure a (pretrained) tokenizer knows the speaker markers; returns how many it added."""
    missing = [t for t in SPEAKER_TOKENS if t not in tokenizer.get_vocab()]
    if not missing:
        return 0
    return tokenizer.add_special_tokens({"additional_special_tokens": missing})

import torch
from transformers import BertConfig, BertModel

from models.features import token_words
from models.pretrain import build_checkpoint, pretrain_mlm
from models.tagger import SmartTagger
from tests.models.synthetic import TINY, calls


def _tiny_foreign_checkpoint(path, docs):
    """A BERT checkpoint as a user would have one: a plain BERT vocabulary, no speaker tokens."""
    from transformers import BertTokenizerFast

    words = sorted({w for d in docs for w in token_words(d, False) if not w.startswith("[")})
    path.mkdir()
    (path / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n", encoding="utf-8"
    )
    tokenizer = BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return len(tokenizer)


def test_starts_from_a_local_checkpoint(tmp_path):
    train = calls(120, seed=1)
    docs = [e.document for e in train]
    vocab = _tiny_foreign_checkpoint(tmp_path / "ckpt", docs)
    saved = BertModel.from_pretrained(tmp_path / "ckpt", local_files_only=True)
    model = SmartTagger(**{**TINY, "epochs": 2}, checkpoint_dir=str(tmp_path / "ckpt"))
    model.fit(docs, [e.tags for e in train])
    assert not model.use_lemmas_  # a foreign checkpoint reads ordinary words
    assert len(model.tokenizer_) == vocab + 2  # the speaker markers were added
    assert model.network_.encoder.config.vocab_size == vocab + 2
    assert model.network_.encoder.config.hidden_size == 32
    # the encoder began from the checkpoint's weights, then was fine-tuned
    start = saved.embeddings.position_embeddings.weight
    now = model.network_.encoder.embeddings.position_embeddings.weight
    assert now.shape == start.shape
    assert not torch.equal(now, start)
    model.save(tmp_path / "tuned")
    assert SmartTagger.load(tmp_path / "tuned").predict_proba(docs[:3]).shape == (3, 3)


def test_masked_lm_pretraining_changes_the_encoder_and_feeds_fine_tuning(tmp_path):
    docs = [e.document for e in calls(60, seed=4)]
    out = build_checkpoint(
        docs,
        tmp_path / "platform",
        vocab_size=300,
        hidden_size=32,
        num_layers=1,
        num_heads=2,
        max_length=64,
        epochs=1,
    )
    assert (out / "config.json").is_file()
    assert (out / "tokenizer.json").is_file()
    encoder = BertModel.from_pretrained(out, local_files_only=True)
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out, local_files_only=True)
    pretrain_mlm(encoder, tokenizer, docs, epochs=1, max_length=64)
    changed = [k for k, v in encoder.state_dict().items() if not torch.equal(v, before[k])]
    assert any("encoder.layer.0" in k for k in changed)
    train = calls(80, seed=1)
    model = SmartTagger(**{**TINY, "epochs": 2}, checkpoint_dir=str(out))
    model.fit([e.document for e in train], [e.tags for e in train])
    assert model.use_lemmas_  # our platform checkpoint reads lemmas

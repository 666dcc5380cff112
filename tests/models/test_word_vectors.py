"""Pretrained word vectors: local loading, clear errors, and the features a call gets."""

import numpy as np
import pytest
from navec import Navec
from navec.meta import Meta
from navec.pq import PQ
from navec.vocab import Vocab

from data.errors import ModelMissingError
from models.text import Document
from models.word_vectors import (
    VECTORS_SETTING,
    VectorBlock,
    WordVectors,
    load_vectors,
    shipped_path,
    vectors_path,
)

WORDS = ["ипотека", "ужасный", "связь"]


@pytest.fixture
def tiny_table(tmp_path):
    """A 3-word, 4-dimension table (2 sub-vectors of 2) whose rows are known exactly."""
    codes = np.array(
        [[[1, 0], [0, 1], [1, 1]], [[2, 0], [0, 2], [2, 2]]], dtype=np.float32
    )  # qdim x centroids x subdim
    indexes = np.array([[0, 0], [1, 1], [2, 2]], dtype=np.uint8)  # word → centroid per sub-vector
    pq = PQ(vectors=3, dim=4, qdim=2, centroids=3, indexes=indexes, codes=codes)
    path = tmp_path / "tiny.tar"
    Navec(Meta("tiny", protocol=1), Vocab(WORDS, [1, 1, 1]), pq).dump(str(path))
    return path


def test_features_are_mean_and_max_with_lemma_fallback(tiny_table):
    vectors = WordVectors(tiny_table)
    # «ипотеку» is not in the table; its lemma «ипотека» is. «ужасная» → «ужасный».
    docs = [Document.from_text("Ипотеку? Ужасная история"), Document.from_text("")]
    features = vectors.features(docs)
    ipoteka, uzhasny = np.array([1, 0, 2, 0]), np.array([0, 1, 0, 2])
    np.testing.assert_allclose(features[0, :4], (ipoteka + uzhasny) / 2)
    np.testing.assert_allclose(features[0, 4:], np.maximum(ipoteka, uzhasny))
    assert not features[1].any(), "a document without known words gets zeros"


def test_all_turns_count(tiny_table):
    vectors = WordVectors(tiny_table)
    doc = Document(turns=(("client", "связь"), ("employee", "ипотека")))
    np.testing.assert_allclose(vectors.features([doc])[0, :4], [1.0, 0.5, 2.0, 1.0])


def test_block_is_standardised_on_training_rows_and_weighted(tiny_table):
    vectors = WordVectors(tiny_table)
    docs = [Document.from_text(t) for t in ("ипотека", "связь", "ужасный связь")]
    raw = vectors.features(docs)
    out = VectorBlock(weight=0.5).fit(raw).transform(raw)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-6)
    varying = raw.std(axis=0) > 1e-6
    np.testing.assert_allclose(out[:, varying].std(axis=0), 0.5, rtol=1e-5)


def test_missing_file_names_the_model_and_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(VECTORS_SETTING, str(tmp_path / "nowhere.tar"))
    with pytest.raises(ModelMissingError) as error:
        vectors_path()
    message = str(error.value)
    assert "navec_news_v1" in message
    assert VECTORS_SETTING in message
    assert "natasha" in message


def test_corrupt_file_names_the_file(tmp_path):
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar file")
    with pytest.raises(ModelMissingError, match=r"broken\.tar"):
        WordVectors(broken)


def test_the_shipped_vectors_load_from_site_packages(monkeypatch):
    monkeypatch.delenv(VECTORS_SETTING, raising=False)
    assert shipped_path() is not None, "natasha ships the vectors; it is a project dependency"
    vectors = load_vectors()
    close, far = vectors.features(
        [Document.from_text(t) for t in ("ужасный", "отвратительный", "ипотека")]
    )[:, :300][[1, 2]]
    ugly = vectors.features([Document.from_text("ужасный")])[0, :300]

    def cosine(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert cosine(ugly, close) > cosine(ugly, far) + 0.2

"""The linear parts keep the pretrained word vectors only where validation says they help."""

import numpy as np
import pytest

from data.errors import ModelMissingError
from models.linear import LinearPart
from models.text import Document
from models.word_vectors import VECTORS_SETTING

NEGATIVE_FIT = ["ужасный", "плохой", "мерзкий", "гадкий", "скверный", "отстойный"]
POSITIVE_FIT = ["отличный", "хороший", "прекрасный", "чудесный", "классный", "шикарный"]
NEGATIVE_VAL = ["отвратительный", "кошмарный", "паршивый", "дрянной"]
POSITIVE_VAL = ["великолепный", "замечательный", "превосходный", "восхитительный"]


def _examples(negative, positive, nouns=("сервис", "оператор", "тариф")):
    docs, labels = [], []
    for words, label in ((negative, 0), (positive, 1)):
        for word in words:
            for noun in nouns:
                docs.append(Document.from_text(f"{noun} {word}"))
                labels.append(label)
    y = np.zeros((len(labels), 2), dtype=np.float32)
    y[np.arange(len(labels)), labels] = 1
    return docs, y


def _part() -> LinearPart:
    return LinearPart("surface", 2**12, single_label=True, word_vectors=True)


def test_vectors_stay_when_they_carry_unseen_words():
    fit_docs, fit_y = _examples(NEGATIVE_FIT, POSITIVE_FIT)
    val_docs, val_y = _examples(NEGATIVE_VAL, POSITIVE_VAL)
    part = _part()
    part.tune(fit_docs, fit_y, val_docs, val_y)
    assert part.features.word_vectors, "synonyms never seen in training need the vectors"
    part.fit(fit_docs + val_docs, np.vstack([fit_y, val_y]))
    assert part.features.vectors_ is not None


def test_vectors_go_when_the_ngrams_already_decide():
    fit_docs, fit_y = _examples(NEGATIVE_FIT, POSITIVE_FIT, nouns=("сервис", "оператор"))
    val_docs, val_y = _examples(NEGATIVE_FIT, POSITIVE_FIT, nouns=("тариф",))
    part = _part()
    part.tune(fit_docs, fit_y, val_docs, val_y)
    assert not part.features.word_vectors, "a tie keeps the part without the vectors"
    part.fit(fit_docs, fit_y)
    assert part.features.vectors_ is None


def test_a_restored_part_with_vectors_names_them_when_they_are_missing(monkeypatch, tmp_path):
    docs, y = _examples(NEGATIVE_FIT, POSITIVE_FIT)
    part = _part().fit(docs, y)
    restored = LinearPart.restore(part.state(), part.tensors("p"), "p", single_label=True)
    np.testing.assert_allclose(restored.predict_proba(docs), part.predict_proba(docs), atol=1e-6)
    monkeypatch.setenv(VECTORS_SETTING, str(tmp_path / "absent.tar"))
    with pytest.raises(ModelMissingError, match=VECTORS_SETTING):
        restored.predict_proba(docs)

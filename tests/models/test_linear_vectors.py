"""The linear parts keep the pretrained word vectors only where cross-validation says they help."""

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold

from data.errors import ModelMissingError
from models.linear import LinearPart
from models.text import Document
from models.word_vectors import VECTORS_SETTING

NEGATIVE_FIT = ["ужасный", "плохой", "мерзкий", "гадкий", "скверный", "отстойный"]
POSITIVE_FIT = ["отличный", "хороший", "прекрасный", "чудесный", "классный", "шикарный"]
NEGATIVE_VAL = ["отвратительный", "кошмарный", "паршивый", "дрянной"]
POSITIVE_VAL = ["великолепный", "замечательный", "превосходный", "восхитительный"]


def _examples(negative, positive, nouns=("сервис", "оператор", "тариф")):
    docs, labels, adjectives, used_nouns = [], [], [], []
    for words, label in ((negative, 0), (positive, 1)):
        for word in words:
            for noun in nouns:
                docs.append(Document.from_text(f"{noun} {word}"))
                labels.append(label)
                adjectives.append(word)
                used_nouns.append(noun)
    y = np.zeros((len(labels), 2), dtype=np.float32)
    y[np.arange(len(labels)), labels] = 1
    return docs, y, np.array(adjectives), np.array(used_nouns)


def _folds(groups: np.ndarray, n_folds: int = 4):
    return list(GroupKFold(n_folds).split(groups, groups=groups))


def _part() -> LinearPart:
    return LinearPart("surface", 2**12, single_label=True, word_vectors=True)


def test_vectors_stay_when_they_carry_unseen_words():
    # every fold holds out whole adjectives: only the vectors know what an unseen one means
    docs, y, adjectives, _ = _examples(NEGATIVE_FIT + NEGATIVE_VAL, POSITIVE_FIT + POSITIVE_VAL)
    part = _part()
    held_out = part.tune_and_fit(docs, y, _folds(adjectives))
    assert part.features.word_vectors, "synonyms never seen in training need the vectors"
    assert part.features.vectors_ is not None
    assert held_out.shape == y.shape
    assert (held_out.argmax(axis=1) == y.argmax(axis=1)).mean() >= 0.75
    # the part is refitted on every row: it now knows the held-out adjectives too
    assert (part.predict_proba(docs).argmax(axis=1) == y.argmax(axis=1)).all()


def test_vectors_go_when_the_ngrams_already_decide():
    # every fold holds out a noun; each adjective was seen with the other nouns
    docs, y, _, nouns = _examples(NEGATIVE_FIT, POSITIVE_FIT)
    part = _part()
    part.tune_and_fit(docs, y, _folds(nouns, 3))
    assert not part.features.word_vectors, "a tie keeps the part without the vectors"
    assert part.features.vectors_ is None
    assert part.coef_.shape[1] == part.features.n_columns


def test_a_restored_part_with_vectors_names_them_when_they_are_missing(monkeypatch, tmp_path):
    docs, y, _, _ = _examples(NEGATIVE_FIT, POSITIVE_FIT)
    part = _part().fit(docs, y)
    restored = LinearPart.restore(part.state(), part.tensors("p"), "p", single_label=True)
    np.testing.assert_allclose(restored.predict_proba(docs), part.predict_proba(docs), atol=1e-6)
    monkeypatch.setenv(VECTORS_SETTING, str(tmp_path / "absent.tar"))
    with pytest.raises(ModelMissingError, match=VECTORS_SETTING):
        restored.predict_proba(docs)

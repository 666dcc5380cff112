import json

import numpy as np
import pytest
from sklearn.base import clone

from data.errors import ModelMissingError
from models.errors import CorruptModelError
from models.metrics import score
from models.tagger import SmartTagger
from models.text import Document
from tests.models.synthetic import TINY, calls, intonation_calls


def test_sklearn_contract(tiny_model):
    assert list(tiny_model.classes_) == ["Доставка", "Жалоба", "Ипотека"]
    params = tiny_model.get_params()
    assert params["hidden_size"] == 32
    fresh = clone(tiny_model)
    assert not hasattr(fresh, "classes_")
    docs = [e.document for e in calls(5, seed=3)]
    proba = tiny_model.predict_proba(docs)
    assert proba.shape == (5, 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert tiny_model.predict(docs).shape == (5, 3)


def test_recognizes_unseen_inflections_and_who_spoke(tiny_model):
    test = calls(80, seed=2, held_out_forms=True)
    result = score(
        [e.tags for e in test],
        tiny_model.predict_tags([e.document for e in test]),
        tiny_model.classes_,
    )
    assert result["per_tag"]["Ипотека"]["f1"] >= 0.8
    assert result["per_tag"]["Жалоба"]["f1"] >= 0.8
    employee_complains = Document(turns=(("employee", "я очень недоволен вашей работой"),))
    client_complains = Document(turns=(("client", "я очень недоволен вашей работой"),))
    proba = tiny_model.predict_proba([employee_complains, client_complains])
    complaint = list(tiny_model.classes_).index("Жалоба")
    assert proba[1, complaint] > proba[0, complaint]


def test_empty_transcripts_get_no_tags(tiny_model):
    docs = [Document(turns=()), Document(turns=(("client", "   "),))]
    assert tiny_model.predict_tags(docs) == [[], []]
    assert not tiny_model.predict_proba(docs).any()


def test_intonation_features_join_the_representation():
    train, test = intonation_calls(120, seed=1), intonation_calls(40, seed=2)
    model = SmartTagger(**TINY).fit([e.document for e in train], [e.tags for e in train])
    assert model.single_label_
    assert model.prosody_.names_ == ["client.energy", "client.pitch_mean"]
    hidden = model.network_.encoder.config.hidden_size
    assert model.network_.deep_head.in_features == hidden + 2
    result = score(
        [e.tags for e in test], model.predict_tags([e.document for e in test]), model.classes_
    )
    assert result["macro_f1"] >= 0.9  # the words are identical: only intonation separates


def test_save_load_roundtrip(tiny_model, tmp_path):
    tiny_model.metrics_ = {"smarttag": {"macro_f1": 0.9}}
    tiny_model.save(tmp_path / "m")
    for name in (
        "heads.safetensors",
        "labels.json",
        "thresholds.json",
        "metrics.json",
        "snapshot.json",
        "versions.json",
        "encoder/tokenizer.json",
        "encoder/config.json",
    ):
        assert (tmp_path / "m" / name).is_file(), name
    assert json.loads((tmp_path / "m" / "versions.json").read_text())["torch"]
    assert json.loads((tmp_path / "m" / "snapshot.json").read_text())["data_snapshot_id"] == (
        tiny_model.data_snapshot_id_
    )
    loaded = SmartTagger.load(tmp_path / "m")
    docs = [e.document for e in calls(20, seed=9)]
    np.testing.assert_allclose(
        loaded.predict_proba(docs), tiny_model.predict_proba(docs), atol=1e-5
    )
    assert loaded.metrics_ == {"smarttag": {"macro_f1": 0.9}}
    assert [p.features.vectors_ is None for p in loaded.linear_] == [
        p.features.vectors_ is None for p in tiny_model.linear_
    ]


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda d: (d / "labels.json").unlink(), "labels.json"),
        (lambda d: (d / "heads.safetensors").write_bytes(b"not weights"), "heads.safetensors"),
        (lambda d: (d / "encoder" / "config.json").write_text("{"), "config.json"),
        (lambda d: (d / "manifest.json").write_text("[broken"), "manifest.json"),
    ],
)
def test_corrupt_model_directory_names_the_file(tiny_model, tmp_path, damage, named):
    tiny_model.save(tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(CorruptModelError) as error:
        SmartTagger.load(tmp_path / "m")
    assert named in str(error.value)


def test_missing_checkpoint_names_model_and_setting(tmp_path):
    model = SmartTagger(**TINY, checkpoint_dir=str(tmp_path / "nowhere"))
    train = calls(40, seed=1)
    with pytest.raises(ModelMissingError) as error:
        model.fit([e.document for e in train], [e.tags for e in train])
    assert "checkpoint" in str(error.value)
    assert "nowhere" in str(error.value)


def test_needs_a_tag():
    with pytest.raises(ValueError, match="at least one tag"):
        SmartTagger(**TINY).fit([Document.from_text("привет")], [[]])


def test_blend_is_chosen_on_validation_and_survives_saving(tmp_path):
    from models.blend import choose_weights

    train = calls(200, seed=4)
    model = SmartTagger(**{**TINY, "use_encoder": False}, linear_c_grid=(0.5, 8.0)).fit(
        [e.document for e in train], [e.tags for e in train]
    )
    assert model.network_ is None
    assert [p.view for p in model.linear_] == ["lemma", "surface"]
    assert all(p.C_ in (0.5, 8.0) for p in model.linear_)
    assert model.weights_.sum() == pytest.approx(1.0)
    assert (model.weights_ >= 0).all()
    docs = [e.document for e in calls(30, seed=5)]
    loaded = SmartTagger.load(model.save(tmp_path / "m"))
    assert np.allclose(loaded.predict_proba(docs), model.predict_proba(docs), atol=1e-6)
    assert json.loads((tmp_path / "m" / "model.json").read_text())["blend_weights"]

    # a part that is right on validation gets the weight; one that is wrong gets none
    truth = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    right, wrong = truth * 0.8 + 0.1, (1 - truth) * 0.8 + 0.1
    weights, f1 = choose_weights([wrong, right], truth, single_label=True)
    assert weights[1] > weights[0]
    assert f1 == 1.0
    # parts that are equally right on validation are mixed evenly
    weights, _ = choose_weights([right, right * 0.9 + 0.05], truth, single_label=True)
    assert list(weights) == [0.5, 0.5]


def test_training_twice_gives_the_same_model():
    train = calls(120, seed=6)
    docs, tags = [e.document for e in train], [e.tags for e in train]
    first, second = (SmartTagger(**{**TINY, "epochs": 2}).fit(docs, tags) for _ in range(2))
    assert first.tokenizer_.get_vocab() == second.tokenizer_.get_vocab()
    np.testing.assert_array_equal(first.weights_, second.weights_)
    test = [e.document for e in calls(20, seed=7)]
    np.testing.assert_array_equal(first.predict_proba(test), second.predict_proba(test))


def test_the_report_shows_how_the_parts_were_chosen(tmp_path):
    from models.training import fit_and_score, summary_lines

    train, test = calls(200, seed=8), calls(40, seed=9)
    result = fit_and_score(train, test, {**TINY, "epochs": 2})
    blend = result.report["blend"]
    assert set(blend) == {"lemma", "surface", "encoder"}
    assert sum(part["weight"] for part in blend.values()) == pytest.approx(1.0)
    for view in ("lemma", "surface"):
        assert 0.0 <= blend[view]["cv_macro_f1"] <= 1.0
        assert blend[view]["C"] in (1.0, 4.0, 16.0)
    assert blend["encoder"]["validation_rows"] == 30  # the 15% validation split
    line = next(x for x in summary_lines(result.report) if x.startswith("blend:"))
    assert "lemma" in line
    assert "cross-validated F1" in line
    assert "encoder" in line
    loaded = SmartTagger.load(result.model.save(tmp_path / "m"))
    assert loaded.selection_ == json.loads(json.dumps(result.model.selection_))

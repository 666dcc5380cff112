import datetime as dt

import pytest

from data.config.store import ConfigStore
from data.warehouse import Warehouse
from models import registry, requests
from models.errors import RegistryError
from models.inference import smarttag_day
from models.presets import apply_preset, build_preset, list_presets, preset_corpus, preset_dir
from models.tagger import SmartTagger
from models.workflow import TrainingOptions, run_request
from tests.models.synthetic import TINY
from tests.models.workflow_fixtures import start_smtp, tag_by_hand, write_calls

DAY = dt.date(2026, 5, 6)
SMALL = {k: v for k, v in TINY.items() if k != "n_threads"}


@pytest.fixture
def store(tmp_path):
    store = ConfigStore(f"sqlite:///{tmp_path / 'config.sqlite3'}")
    yield store
    store.dispose()


def test_preset_corpus_is_reproducible():
    first, second = preset_corpus("auto", 5, seed=3), preset_corpus("auto", 5, seed=3)
    assert [e.document for e in first] == [e.document for e in second]
    assert [e.tags for e in first] == [e.tags for e in second]


@pytest.mark.slow
def test_preset_tags_without_training_and_retrains_from_its_encoder(store, tmp_path, monkeypatch):
    report = build_preset("real_estate", n=200, seed=5, params={**SMALL, "epochs": 5})
    assert (preset_dir("real_estate") / "manifest.json").is_file()
    assert report["smarttag"]["macro_f1"] > 0.5
    [real_estate] = [p for p in list_presets() if p["name"] == "real_estate"]
    assert real_estate["built"]
    assert "Ипотека" in real_estate["tags"]
    with pytest.raises(RegistryError, match="not built"), store.session() as session:
        apply_preset(session, 9, "auto", "admin")

    warehouse = Warehouse(tmp_path / "warehouse")
    new_calls = preset_corpus("real_estate", 40, seed=99)
    ids = write_calls(warehouse, DAY, 9, new_calls, start_id=700)
    with store.session() as session:
        state = apply_preset(session, 9, "real_estate", "admin")
    assert state["enabled"]
    assert state["active"]["preset"] == "real_estate"
    frame, stats = smarttag_day(warehouse, store, DAY)
    assert stats.calls == 40
    assert len(frame) > 0
    assert set(frame["communication_id"]) <= set(ids)
    truth = {cid: set(e.tags) for cid, e in zip(ids, new_calls, strict=True)}
    hits = sum(t in truth[c] for c, t in zip(frame["communication_id"], frame["tag"], strict=True))
    assert hits / len(frame) >= 0.7

    # the account edits the preset's tags (keeps two, adds its own) and retrains from it
    controller, mailbox = start_smtp()
    monkeypatch.setenv("CALLSCOPE_SMTP_PORT", str(controller.port))
    from data.settings import get_settings

    get_settings.cache_clear()
    try:
        own = preset_corpus("real_estate", 160, seed=7)
        own_ids = write_calls(warehouse, DAY - dt.timedelta(days=1), 9, own, start_id=2000)
        tag_by_hand(store, own_ids, own, 9)
        with store.session() as session:
            request_id = requests.request_training(
                session,
                9,
                ["Ипотека", "Новостройка"],
                "a@example.org",
                "user:9",
                preset="real_estate",
            ).id
        options = TrainingOptions(
            params={**SMALL, "epochs": 2},
            gates=__import__("models.gates").gates.Gates(150, 200, 15),
        )
        run_request(store, warehouse, request_id, options)
    finally:
        controller.stop()
    with store.session() as session:
        versions = registry.list_versions(session, 9)
    assert [v["preset"] for v in versions] == ["real_estate", "real_estate"]
    assert set(versions[1]["tags"]) == {"Ипотека", "Новостройка"}
    retrained = SmartTagger.load(versions[1]["path"])
    preset = SmartTagger.load(preset_dir("real_estate"))
    assert retrained.tokenizer_.get_vocab() == preset.tokenizer_.get_vocab()
    assert len(mailbox.messages) == 1

import pytest

from data.config.store import ConfigStore
from models import registry, requests
from models.errors import RegistryError, TrainingAlreadyRunning


@pytest.fixture
def store(config_url):
    store = ConfigStore(config_url)
    yield store
    store.dispose()


def _report(macro):
    return {
        "tags": ["a"],
        "smarttag": {"macro_f1": macro, "micro_f1": macro, "per_tag": {}},
        "baseline": {"macro_f1": 0.5},
        "data_snapshot_id": f"snap{macro}",
    }


def _version(store, tiny_model, tmp_path, account, macro):
    tiny_model.save(tmp_path / f"m{macro}")
    with store.session() as session:
        row = registry.register_version(
            session, account, tmp_path / f"m{macro}", _report(macro), "ml"
        )
        return row.id, row.version


def test_second_request_while_one_is_open_is_refused(store):
    with store.session() as session:
        first = requests.request_training(session, 7, ["Ипотека"], "a@example.org", "user:1").id
    with store.session() as session, pytest.raises(TrainingAlreadyRunning) as error:
        requests.request_training(session, 7, ["Ипотека"], "a@example.org", "user:1")
    assert error.value.request_id == first
    with store.session() as session:  # another account is not blocked
        requests.request_training(session, 8, ["Ипотека"], "b@example.org", "user:2")
        requests.mark_running(session, first, "run-1")
    with store.session() as session, pytest.raises(TrainingAlreadyRunning):
        requests.request_training(session, 7, ["Ипотека"], "a@example.org", "user:1")
    with store.session() as session:
        requests.finish(session, first, succeeded=False, message="x", failure_reason="x")
    with store.session() as session:  # finished: a new one is accepted
        assert requests.request_training(session, 7, ["Ипотека"], "a@example.org", "u").id != first


def test_request_validation(store):
    with store.session() as session:
        with pytest.raises(ValueError, match="email"):
            requests.request_training(session, 1, ["a"], "not-an-address", "u")
        with pytest.raises(ValueError, match="tags"):
            requests.request_training(session, 1, [" "], "a@b.c", "u")
        with pytest.raises(ValueError, match="preset"):
            requests.request_training(session, 1, ["a"], "a@b.c", "u", preset="bakery")


def test_versions_switch_and_rollback(store, tiny_model, tmp_path):
    v1_id, v1 = _version(store, tiny_model, tmp_path, 5, 0.7)
    v2_id, v2 = _version(store, tiny_model, tmp_path, 5, 0.8)
    assert (v1, v2) == (1, 2)
    with store.session() as session, pytest.raises(RegistryError, match="no promoted"):
        registry.set_enabled(session, 5, True, "admin")
    with store.session() as session:
        from data.config.models.smarttag import SmartTagVersion

        registry.promote(session, session.get(SmartTagVersion, v1_id), "ml", "ok")
        registry.promote(session, session.get(SmartTagVersion, v2_id), "ml", "ok")
        state = registry.set_enabled(session, 5, True, "admin")
    assert state["enabled"]
    assert state["active_version"] == 2
    with store.session() as session:
        assert registry.enabled_models(session)[5][1] == "smarttag:5@v2"
        assert registry.activate(session, 5, 1, "admin")["active_version"] == 1
        versions = registry.list_versions(session, 5)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["macro_f1"] == 0.8
    assert versions[0]["data_snapshot_id"] == "snap0.7"
    assert (registry.account_dir(5) / "2" / "manifest.json").is_file()
    with store.session() as session:
        registry.set_enabled(session, 5, False, "admin")
        assert registry.enabled_models(session) == {}
        with pytest.raises(RegistryError):
            registry.activate(session, 5, 9, "admin")


def test_rejected_version_cannot_be_activated(store, tiny_model, tmp_path):
    v_id, v = _version(store, tiny_model, tmp_path, 6, 0.4)
    with store.session() as session:
        from data.config.models.smarttag import SmartTagVersion

        registry.reject(session, session.get(SmartTagVersion, v_id), "ml", "worse than baseline")
    with store.session() as session, pytest.raises(RegistryError, match="rejected"):
        registry.activate(session, 6, v, "admin")

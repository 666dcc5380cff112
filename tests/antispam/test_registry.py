"""Candidate models, the blocking held-out gate, promotion and audited rollback."""

import copy
import json

import pytest
from typer.testing import CliRunner

from antispam.training import (
    DEFAULT_VERSION,
    current_version,
    held_out_check,
    promote,
    promoted_versions,
    rollback,
    save_version,
)
from data.config import audit
from data.config.store import ConfigStore
from pipelines.cli.main import app


@pytest.fixture
def store(tmp_path):
    store = ConfigStore(f"sqlite:///{tmp_path / 'config.sqlite3'}")
    yield store
    store.dispose()


def _failing(report: dict) -> dict:
    bad = copy.deepcopy(report)
    bad["held_out"].update(legit_flagged=5, legit_flagged_share=5 / bad["held_out"]["legit"])
    return bad


def test_candidate_blocks_nothing_until_its_held_out_check_passes(trained, tmp_path, store):
    model, report = trained
    assert held_out_check(report)[0]
    good = save_version(model, report, tmp_path)
    bad = save_version(model, _failing(report), tmp_path)
    assert current_version(tmp_path) is None
    with store.session() as session, pytest.raises(ValueError, match="not promoted: failed"):
        promote(tmp_path, bad, session, "anna")
    assert current_version(tmp_path) is None
    with store.session() as session:
        promote(tmp_path, good, session, "anna")
    assert current_version(tmp_path) == good
    with store.session() as session:
        [entry] = audit.history(session, "antispam_model", good)
        assert (entry.action, entry.actor, entry.before) == ("promote", "anna", {"version": None})


def test_rollback_goes_back_one_promotion_then_to_the_default_scorer(trained, tmp_path, store):
    model, report = trained
    first = save_version(model, report, tmp_path)
    second = save_version(model, report, tmp_path)
    with store.session() as session:
        promote(tmp_path, first, session, "anna")
        promote(tmp_path, second, session, "anna")
    assert promoted_versions(tmp_path) == [first, second]
    with store.session() as session:
        assert rollback(tmp_path, session, "boris") == first
    assert current_version(tmp_path) == first
    with store.session() as session:
        assert rollback(tmp_path, session, "boris") == DEFAULT_VERSION
    assert current_version(tmp_path) is None
    with store.session() as session:
        with pytest.raises(LookupError, match="never promoted"):
            rollback(tmp_path, session, "boris", to="20990101T000000")
        entries = audit.history(session, "antispam_model")
        assert [(e.action, e.after["version"]) for e in entries][-2:] == [
            ("rollback", first),
            ("rollback", DEFAULT_VERSION),
        ]


def test_rollback_is_one_cli_command(trained, tmp_path, store, monkeypatch):
    from data.settings import get_settings

    model, report = trained
    home = tmp_path / "home"
    monkeypatch.setenv("CALLSCOPE_HOME", str(home))
    monkeypatch.setenv("CALLSCOPE_CONFIG_URL", store.url)
    get_settings.cache_clear()
    try:
        models_dir = get_settings().models_dir
        version = save_version(model, report, models_dir)
        with store.session() as session:
            promote(models_dir, version, session, "anna")
        result = CliRunner().invoke(app, ["antispam", "rollback", "--actor", "boris"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"antispam_model": DEFAULT_VERSION}
        assert current_version(models_dir) is None
        unknown = CliRunner().invoke(app, ["antispam", "rollback", "--to", "nope"])
        assert unknown.exit_code == 2
        assert "never promoted" in unknown.output
        assert len(unknown.output.splitlines()) == 1
    finally:
        get_settings.cache_clear()

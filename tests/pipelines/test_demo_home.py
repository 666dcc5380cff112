"""The demo never wipes or seeds what it did not create: an unmarked home or config database is
refused with the reason and left as it was; a new or marked one is claimed."""

import pytest
from sqlalchemy import create_engine, inspect, text

from data.config.store import ConfigStore
from data.demo.generator import DemoSpec
from pipelines.demo.home import (
    DATABASE_MARKER,
    HOME_MARKER,
    NotADemo,
    claim_database,
    claim_home,
    is_demo_database,
)
from pipelines.demo.seed import prepare_demo

TINY = DemoSpec(days=1, calls_per_day=4, accounts=1, spam_days=1, incoming_calls_per_day=20)


def test_a_new_directory_becomes_a_marked_demo_home_and_a_marked_one_is_wiped(tmp_path):
    home = claim_home(tmp_path / "demo", fresh=True)
    assert (home / HOME_MARKER).is_file()
    (home / "warehouse").mkdir()
    (home / "warehouse" / "part.parquet").write_text("old")

    claim_home(home, fresh=True)

    assert (home / HOME_MARKER).is_file()
    assert not (home / "warehouse").exists()


def test_a_home_with_only_the_dagster_instance_settings_counts_as_new(tmp_path):
    home = tmp_path / "fresh"
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    assert (claim_home(home, fresh=False) / HOME_MARKER).is_file()


def test_a_home_with_data_and_no_marker_is_refused_and_untouched(tmp_path):
    home = tmp_path / "production"
    (home / "warehouse").mkdir(parents=True)
    (home / "warehouse" / "part.parquet").write_text("real data")

    with pytest.raises(NotADemo, match=f"is not a demo home \\(no {HOME_MARKER} marker file\\)"):
        claim_home(home, fresh=True)

    assert (home / "warehouse" / "part.parquet").read_text() == "real data"
    assert not (home / HOME_MARKER).exists()


def test_a_config_database_with_tables_and_no_marker_is_refused_and_untouched(config_url, tmp_path):
    ConfigStore(config_url).dispose()  # a product database: migrated, not the demo's
    engine = create_engine(config_url)
    before = set(inspect(engine).get_table_names())

    with pytest.raises(NotADemo, match=f"is not a demo database \\(no {DATABASE_MARKER} table\\)"):
        claim_database(config_url, tmp_path, fresh=True)

    assert set(inspect(engine).get_table_names()) == before
    assert not is_demo_database(config_url)
    engine.dispose()


def test_an_empty_database_is_marked_and_a_marked_one_is_emptied_on_fresh(config_url, tmp_path):
    claim_database(config_url, tmp_path, fresh=True)
    assert is_demo_database(config_url)
    ConfigStore(config_url).dispose()
    engine = create_engine(config_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO accounts (id, name) VALUES (1, 'old demo')"))

    claim_database(config_url, tmp_path, fresh=True)

    assert set(inspect(engine).get_table_names()) == {DATABASE_MARKER}
    engine.dispose()


def test_prepare_refuses_an_unmarked_database_before_writing_anything(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'production.sqlite3'}"
    ConfigStore(url).dispose()
    home = tmp_path / "home"
    monkeypatch.setenv("CALLSCOPE_HOME", str(home))
    monkeypatch.setenv("CALLSCOPE_CONFIG_URL", url)
    from data.settings import get_settings

    get_settings.cache_clear()

    with pytest.raises(NotADemo, match="not a demo database"):
        prepare_demo(TINY, home, fresh=True)

    assert not (home / "landing").exists()


@pytest.mark.slow
def test_prepare_seeds_a_new_home_and_its_own_database(tmp_path):
    prepared = prepare_demo(TINY, tmp_path / "demo", fresh=True)

    assert (prepared.home / HOME_MARKER).is_file()
    assert prepared.database_url.endswith("demo/config.sqlite3")
    assert is_demo_database(prepared.database_url)
    assert prepared.counts
    assert (prepared.home / "admin-token").is_file()


def test_demo_run_refuses_a_home_that_is_not_a_demo_one_with_exit_2(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    home = tmp_path / "production"
    home.mkdir()
    (home / "config.sqlite3").write_text("real data")

    result = CliRunner().invoke(app, ["demo", "run", "--home", str(home)])

    assert result.exit_code == 2
    assert "is not a demo home" in result.output
    assert (home / "config.sqlite3").read_text() == "real data"

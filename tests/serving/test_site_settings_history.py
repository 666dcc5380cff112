"""A site's settings are versioned: a change through the API writes the new version and its
audit record in the change's own transaction, and the nightly re-run of communications
computes each one's facts from the version in force at its start."""

import datetime as dt
import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from data.communications import build_communications
from data.config import audit
from data.config.models.core import Site
from data.config.models.site_history import SINCE_EVER, SiteSettingsVersion
from data.config.queries import site_settings_history
from data.config.store import ConfigStore
from data.warehouse import Warehouse
from serving.main import create_app
from tests.rows import call_row
from tests.serving.conftest import auth
from tests.serving.world import build

TALK = 45  # seconds: target under a 30 s threshold, not under 60 s


def _call(id_, when: dt.datetime, talk=TALK, site=1, visitor=None):
    phone = f"7916123{id_:04d}"
    return call_row(id_, when, talk, visitor=visitor, site=site, campaign=11, phone=phone)


def _write(warehouse: Warehouse, calls: list[dict]) -> None:
    frame = pd.DataFrame(calls)
    for day, part in frame.groupby(frame["start_time"].dt.date):
        warehouse.write_partition("calls", day, part.reset_index(drop=True))


@pytest.fixture
def site_world(tmp_path):
    world = build(tmp_path / "world")
    with TestClient(create_app(world.settings)) as client:
        yield world, client, ConfigStore(world.settings.database_url)


def _facts(store: ConfigStore, warehouse: Warehouse, day: dt.date) -> pd.DataFrame:
    """The nightly re-run of one day's communications, with the settings history."""
    with store.session() as session:
        history = site_settings_history(session)
    table = build_communications(warehouse, day, history).to_pandas()
    return table.set_index("communication_id")


def test_changing_the_threshold_today_keeps_yesterdays_facts(site_world, tmp_path):
    world, client, store = site_world
    warehouse = Warehouse(tmp_path / "calls")
    yesterday = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=1)
    _write(warehouse, [_call(1, yesterday)])
    before = _facts(store, warehouse, yesterday.date())
    assert bool(before.loc["call:1", "is_target"])

    response = client.patch(
        "/api/v1/sites/1", json={"target_call_min_duration": 60}, headers=auth(world, "admin")
    )
    assert response.status_code == 200, response.text
    changed_at = dt.datetime.now()
    later = changed_at + dt.timedelta(minutes=2)
    _write(warehouse, [_call(1, yesterday), _call(2, later), _call(3, later, talk=61)])

    # yesterday re-run after the change: the same facts
    again = _facts(store, warehouse, yesterday.date())
    pd.testing.assert_frame_equal(again, before)
    # a call after the change is judged by 60 s: 45 s is not target, 61 s is
    after = _facts(store, warehouse, later.date())
    assert not bool(after.loc["call:2", "is_target"])
    assert bool(after.loc["call:3", "is_target"])


def test_a_change_is_one_version_with_its_audit_record(site_world):
    world, client, store = site_world
    admin = auth(world, "admin")
    with store.session() as session:
        versions = session.scalars(
            select(SiteSettingsVersion).where(SiteSettingsVersion.site_id == 2)
        ).all()
        assert [v.valid_from for v in versions] == [SINCE_EVER]  # created: holds since ever
    refused = client.patch("/api/v1/sites/2", json={"cookie_lifetime": -1}, headers=admin)
    assert refused.status_code == 422
    same = client.patch("/api/v1/sites/2", json={"cookie_lifetime": 90}, headers=admin)
    assert same.status_code == 200  # 90 already: no new version
    changed = client.patch(
        "/api/v1/sites/2", json={"second_communication_period": 3}, headers=admin
    )
    assert changed.status_code == 200
    with store.session() as session:
        versions = session.scalars(
            select(SiteSettingsVersion)
            .where(SiteSettingsVersion.site_id == 2)
            .order_by(SiteSettingsVersion.valid_from)
        ).all()
        assert [v.second_communication_period for v in versions] == [30, 3]
        assert versions[1].valid_from > SINCE_EVER
        (record,) = audit.history(session, "site_settings", 2)
        assert record.actor == "admin"
        assert record.before == {"second_communication_period": 30}
        assert record.after["second_communication_period"] == 3
    shown = client.get("/api/v1/sites/2/settings-history", headers=admin)
    assert [v["second_communication_period"] for v in shown.json()] == [30, 3]
    # another account's site: as if it did not exist
    other = client.get("/api/v1/sites/2/settings-history", headers=auth(world, "admin2"))
    assert other.status_code == 404


def test_a_rolled_back_change_leaves_no_version(site_world):
    _, _, store = site_world

    def change_then_fail() -> None:
        with store.session() as session:
            session.get(Site, 1).target_call_min_duration = 5
            session.flush()
            raise RuntimeError("the change fails after the flush")

    with pytest.raises(RuntimeError, match="fails after the flush"):
        change_then_fail()
    with store.session() as session:
        assert session.get(Site, 1).target_call_min_duration == 30
        kept = session.scalars(
            select(SiteSettingsVersion.target_call_min_duration).where(
                SiteSettingsVersion.site_id == 1
            )
        ).all()
        assert kept == [30]
        assert audit.history(session, "site_settings", 1) == []


def test_history_spans_each_version(site_world):
    _, _, store = site_world
    with store.session() as session:
        session.info["settings_valid_from"] = dt.datetime(2026, 5, 2)
        session.get(Site, 1).target_call_min_duration = 100
    with store.session() as session:
        history = site_settings_history(session)
    site = history[history["id"].eq(1)].reset_index(drop=True)
    assert site["target_call_min_duration"].tolist() == [30, 100]
    assert site.loc[0, "valid_till"] == site.loc[1, "valid_from"] == pd.Timestamp(2026, 5, 2)
    assert set(history["id"]) == {1, 2, 3}  # every site, of every account


def test_non_target_evidence_names_the_threshold_its_fact_was_computed_from(site_world, tmp_path):
    from tagging.system_tags import load_site_settings, system_tags

    world, client, store = site_world
    warehouse = Warehouse(tmp_path / "calls")
    yesterday = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=1)
    _write(warehouse, [_call(1, yesterday, talk=20)])
    client.patch(
        "/api/v1/sites/1", json={"target_call_min_duration": 10}, headers=auth(world, "admin")
    )
    later = dt.datetime.now() + dt.timedelta(minutes=2)
    _write(warehouse, [_call(1, yesterday, talk=20), _call(2, later, talk=5)])
    with store.session() as session:
        sites = load_site_settings(session)
    for day, expected in ((yesterday.date(), {"call:1": 30}), (later.date(), {"call:2": 10})):
        facts = _facts(store, warehouse, day).reset_index()
        tags = system_tags(facts, sites)
        shown = {
            row["communication_id"]: json.loads(row["evidence"])["target_call_min_duration"]
            for _, row in tags[tags["tag"].eq("Нецелевой")].iterrows()
        }
        assert {k: v for k, v in shown.items() if k in expected} == expected

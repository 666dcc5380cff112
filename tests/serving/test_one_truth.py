"""One definition per fact, end to end: the pipeline's own tagging over the communications'
attributes, antispam's own «спам» rows, and the API's filters and fields agree; a person's
change of «Нецелевой» wins in the API and in the reports; a switched-off site gets no tags."""

import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from antispam import policy
from data.config.store import ConfigStore
from data.warehouse import Warehouse
from serving.main import create_app
from tagging.daily import tag_partition
from tests.serving.world import DAYS, build

DAY = DAYS[0]


@pytest.fixture
def tagged(tmp_path):
    world = build(tmp_path)
    warehouse = Warehouse(world.settings.warehouse_dir)
    comms = warehouse.read("communications", DAY, DAY).drop(columns=["date"])
    calls = comms[(comms["communication_type"] == "call") & comms["campaign_id"].isin([11, 21])]
    short, repeat = calls["communication_id"].iloc[0], calls["communication_id"].iloc[1]
    # 120 s in total, 10 s of talk: not target by talk duration (the old tag read the total)
    comms["talk_duration"] = 120
    comms.loc[comms["communication_id"] == short, ["is_target", "talk_duration"]] = [False, 10]
    comms.loc[comms["communication_id"] == repeat, "is_repeat"] = True
    inactive = set(comms.loc[comms["site_id"] == 2, "communication_id"])
    comms["site_is_active"] = comms["site_id"] != 2
    warehouse.write_partition("communications", DAY, comms)
    spam_ids = [short, next(iter(sorted(inactive)))]
    decisions = pd.DataFrame(
        {
            "communication_id": spam_ids,
            "tagged": True,
            "blacklisted": [False, True],
            "model_version": "v1",
            "evidence": json.dumps({"score": 0.9}),
            "score": 0.9,
        }
    )
    # antispam's own writer, as the nightly run uses it
    warehouse.write_partition(policy.SPAM_TAGS_TABLE, DAY, policy.tag_rows(decisions).to_pandas())
    store = ConfigStore(world.settings.database_url)
    tag_partition(warehouse, store, DAY)
    store.dispose()
    with TestClient(create_app(world.settings)) as client:
        yield world, client, short, repeat, inactive


def _items(client, world, **params):
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    query = {"date_from": f"{DAY}T00:00:00", "date_till": f"{DAY}T23:59:59", "limit": 500}
    response = client.get("/api/v1/communications", params={**query, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_spam_written_by_antispam_is_found_by_is_spam(tagged):
    world, client, short, _, _inactive = tagged
    # the switched-off site's call is not tagged at all, spam included
    assert [i["communication_id"] for i in _items(client, world, is_spam=True)] == [short]
    assert short not in {i["communication_id"] for i in _items(client, world, is_spam=False)}
    # the SQL path (text search) reads the same tag the same way
    found = _items(client, world, is_spam=True, q="ипотека")
    assert [i["communication_id"] for i in found] == [short]
    assert "спам" in {t.lower() for i in found for t in i["tags"]}


def test_tags_agree_with_the_attributes(tagged):
    world, client, short, repeat, inactive = tagged
    items = _items(client, world)
    assert items
    for item in items:
        tags = set(item["tags"])
        if item["communication_id"] in inactive:
            assert tags == set(), item
            continue
        non_target = item["communication_type"] == "call" and not item["is_lost"]
        non_target = non_target and not item["is_target"]
        assert ("Нецелевой" in tags) == non_target, item
        assert ("Повторный" in tags) == bool(item["is_repeat"]), item
    by_id = {i["communication_id"]: i for i in items}
    assert by_id[short]["is_target"] is False
    assert "Нецелевой" in by_id[short]["tags"]
    assert by_id[repeat]["is_repeat"] is True
    assert "Повторный" in by_id[repeat]["tags"]


def test_removing_non_target_by_hand_wins_in_the_api_and_the_reports(tagged):
    from analytics.marts import Inputs, build_marts
    from tagging.system_tags import load_manual_target

    def target_count(decided=None) -> int:
        comms = warehouse.read("communications", DAY, DAY)
        empty = pd.DataFrame()
        inputs = Inputs(empty, comms[comms["site_id"].notna()], empty, empty)
        inputs.manual_target = decided
        return int(build_marts(inputs, day=DAY).end_to_end["target_communications"].sum())

    world, client, short, _, _ = tagged
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    warehouse = Warehouse(world.settings.warehouse_dir)
    before = target_count()
    removed = client.delete(f"/api/v1/communications/{short}/tags/Нецелевой", headers=headers)
    assert removed.status_code == 200, removed.text
    item = next(i for i in _items(client, world) if i["communication_id"] == short)
    assert item["is_target"] is True
    assert "Нецелевой" not in item["tags"]
    detail = client.get(f"/api/v1/communications/{short}", headers=headers).json()
    assert detail["is_target"] is True

    store = ConfigStore(world.settings.database_url, migrate_schema=False)
    with store.session() as session:
        decided = load_manual_target(session)
    store.dispose()
    assert decided[short][0] is True
    assert "admin" in decided[short][1]
    assert target_count(decided) == before + 1

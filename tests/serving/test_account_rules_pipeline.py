"""The pipeline applies an account's autotag rules to that account's communications only.

Both accounts have calls and chats that say «Добрый день, ёлки, где ваш офис». Account 1's
rule on «офис» and account 2's rule on «елки» (ё written as е) each tag their own account's
communications, and never the other's."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from data.config.store import ConfigStore
from data.warehouse import Warehouse
from serving.main import create_app
from tagging.daily import tag_partition
from tests.serving.conftest import auth
from tests.serving.world import DAYS, TEXTS, build, of_account

DAY = DAYS[0]


def _rule(rule_id: str, word: str) -> dict:
    return {"rules": [{"id": rule_id, "conditions": [{"op": "contains_any", "keywords": [word]}]}]}


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("account-rules"))
    with TestClient(create_app(world.settings)) as client:
        one = client.put(
            "/api/v1/autotag-rules/Целевой клиент",
            json=_rule("office", "офис"),
            headers=auth(world, "admin"),
        )
        two = client.put(
            "/api/v1/autotag-rules/Только второй",
            json=_rule("fir", "елки"),
            headers=auth(world, "admin2"),
        )
        assert one.is_success, one.text
        assert two.is_success, two.text
    warehouse = Warehouse(world.settings.warehouse_dir)
    store = ConfigStore(world.settings.database_url, migrate_schema=False)
    # a re-tag with the rules of now (the world's days are before the rules were saved)
    tag_partition(warehouse, store, DAY, rules_as_of=dt.datetime.now() + dt.timedelta(seconds=1))
    store.dispose()
    assignments = warehouse.read("tag_assignments", DAY, DAY)
    comms = warehouse.read("communications", DAY, DAY)
    return world, assignments, comms


def test_each_accounts_rule_tags_its_own_communications_only(tagged):
    world, assignments, comms = tagged
    assert "ёлки" in TEXTS[None]
    assert "офис" in TEXTS[None]
    by_tag = {
        tag: set(rows["communication_id"])
        for tag, rows in assignments[assignments["source"].eq("autotag")].groupby("tag")
    }
    day_ids = set(comms["communication_id"])
    first, second = of_account(world, 1) & day_ids, of_account(world, 2) & day_ids
    # positive: each rule tagged communications of its own account
    assert by_tag.get("Целевой клиент")
    assert by_tag.get("Только второй")
    assert by_tag["Целевой клиент"] <= first
    assert by_tag["Только второй"] <= second
    # negative: the same words in the other account's communications are left alone
    saying = set(
        comms.loc[
            comms["communication_type"].ne("call") & comms["turns"].str.contains("офис"),
            "communication_id",
        ]
    )
    assert saying & first
    assert saying & second
    assert not by_tag["Целевой клиент"] & second
    assert not by_tag["Только второй"] & first

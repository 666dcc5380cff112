"""A switched-off site's communications get no spam tag and no block, from the nightly run
and the live path alike; SmartTag skips them too. The same number on an active site of the
same account is tagged and blocked, so the rule is seen to act."""

import datetime as dt
import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from antispam import lists, policy
from antispam.nightly import apply_policy_day
from antispam.scoring import VERDICT_SCHEMA, VERDICT_TABLE
from data.config.store import ConfigStore
from data.warehouse import Warehouse
from models.inference import inactive_site_ids
from serving.main import create_app
from tests.serving.conftest import auth
from tests.serving.world import DAYS, build

DAY = DAYS[1]
SPAMMER = "79990000001"  # flagged by the nightly scoring
LISTED = "79990000002"  # on the account's black list


@pytest.fixture(scope="module")
def switched_off(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("deactivated"))
    warehouse = Warehouse(world.settings.warehouse_dir)
    comms = warehouse.read("communications", DAY, DAY).drop(columns=["date"])
    comms["site_is_active"] = comms["site_id"] != 2  # site 2 is switched off
    calls = comms[comms["communication_type"].eq("call") & comms["account_id"].eq(1)]
    on = calls[calls["site_id"].eq(1)]["communication_id"].tolist()[:2]
    off = calls[calls["site_id"].eq(2)]["communication_id"].tolist()[:2]
    numbers = dict(zip(on, [SPAMMER, LISTED], strict=True))
    numbers |= dict(zip(off, [SPAMMER, LISTED], strict=True))
    comms["contact_phone_number"] = (
        comms["communication_id"].map(numbers).fillna(comms["contact_phone_number"])
    )
    warehouse.write_partition("communications", DAY, comms)
    verdicts = pd.DataFrame([{name: 0.0 for name in VERDICT_SCHEMA.names}])
    verdicts = verdicts.assign(
        number=SPAMMER, score=0.97, is_spam=True, reasons=json.dumps(["x"]), model_version="v1"
    )
    warehouse.write_partition(VERDICT_TABLE, DAY - dt.timedelta(days=1), verdicts)
    store = ConfigStore(world.settings.database_url)
    with store.session() as session:
        lists.set_switches(session, 1, "admin", tag=True, block=True)
        lists.add_to_list(session, 1, "black", LISTED, "admin", at=dt.datetime(2026, 1, 1))
        policies = policy.load_policies(session)
    store.dispose()
    return world, warehouse, policies, comms, on, off


def test_the_nightly_run_leaves_a_switched_off_sites_calls_alone(switched_off):
    world, warehouse, policies, _, on, off = switched_off
    apply_policy_day(warehouse, policies, DAY)
    blocked = warehouse.read(policy.BLOCKED_TABLE, DAY, DAY)
    assert dict(zip(blocked["communication_id"], blocked["reason"], strict=True)) == {
        on[0]: policy.REASON_ANTISPAM,
        on[1]: policy.REASON_BLACKLIST,
    }
    tags = warehouse.read(policy.SPAM_TAGS_TABLE, DAY, DAY)
    assert set(tags["communication_id"]) == set(on)
    with TestClient(create_app(world.settings)) as client:
        response = client.get(
            "/api/v1/antispam/blocked-calls",
            params={"date_from": DAY.isoformat(), "date_till": DAY.isoformat()},
            headers=auth(world, "admin"),
        )
    assert response.status_code == 200, response.text
    shown = {row["communication_id"] for row in response.json()["rows"]}
    assert shown == set(on)
    assert not shown & set(off)


def test_the_live_decision_leaves_them_alone_too(switched_off):
    _, warehouse, policies, comms, on, off = switched_off
    columns = ["communication_id", "account_id", "contact_phone_number", "date_time"]
    calls = comms[comms["communication_id"].isin(on + off)]
    flagged = policy.verdicts_in_effect(warehouse, DAY)
    decided = policy.decide(
        calls[[*columns, "site_is_active"]].reset_index(drop=True), flagged, policies
    ).set_index("communication_id")
    assert decided.loc[on, "blocked"].all()
    assert decided.loc[on, "tagged"].all()
    assert not decided.loc[off, "blocked"].any()
    assert not decided.loc[off, "tagged"].any()
    # without the column (older rows) nothing changes: the site counts as active
    unknown = policy.decide(calls[columns].reset_index(drop=True), flagged, policies)
    assert unknown["blocked"].all()


def test_smarttag_skips_exactly_the_switched_off_sites_communications(switched_off):
    _, warehouse, _, comms, on, off = switched_off
    skipped = inactive_site_ids(warehouse, DAY)
    assert skipped == set(comms.loc[comms["site_id"].eq(2), "communication_id"])
    assert set(off) <= skipped
    assert not set(on) & skipped

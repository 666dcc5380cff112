import datetime as dt
import json

import dagster as dg
import pandas as pd

from data.config.models.core import Account, Site
from data.config.store import ConfigStore
from data.warehouse import Warehouse
from pipelines.defs.ingest import assets, checks
from pipelines.resources import (
    ConfigStoreResource,
    LandingResource,
    QuarantineLimitResource,
    WarehouseResource,
)

DAY = "2026-05-01"


def _landing(home):
    folder = home / "landing" / "calls" / DAY
    folder.mkdir(parents=True)
    rows = [
        {
            "id": 1,
            "start_time": f"{DAY} 10:00:00",
            "is_lost": False,
            "site_id": 1,
            "visitor_id": 5,
            "talk_duration": 90,
            "total_duration": 100,
            "call_records": ["rec-1"],
        },
        {
            "id": 2,
            "start_time": f"{DAY} 11:00:00",
            "is_lost": True,
            "site_id": 1,
            "talk_duration": 0,
            "total_duration": 9,
        },
        {
            "id": 3,
            "start_time": f"{DAY} 12:00:00",
            "is_lost": False,
            "site_id": 404,
            "talk_duration": 5,
            "total_duration": 9,
        },
    ]
    (folder / "calls.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")


def _materialize(home, selection, quarantine_limit=0.9):
    store = ConfigStore(f"sqlite:///{home / 'config.sqlite3'}")
    with store.session() as session:
        if session.get(Account, 1) is None:
            session.add(Account(id=1, name="Агентство"))
            session.add(
                Site(id=1, account_id=1, domain_name="example.ru", target_call_min_duration=60)
            )
    return dg.materialize(
        [
            *assets.raw_assets,
            assets.communications,
            checks.communications_have_accounts,
            checks.communications_unique,
        ],
        selection=selection,
        partition_key=DAY,
        resources={
            "warehouse": WarehouseResource(root=str(home / "warehouse")),
            "config_store": ConfigStoreResource(url=store.url),
            "landing": LandingResource(home=str(home)),
            "quarantine_limit": QuarantineLimitResource(),
        },
        raise_on_error=False,
    )


def test_ingest_and_communications_materialize_with_checks(callscope_home, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_QUARANTINE_MAX_SHARE", "0.9")
    _landing(callscope_home)
    result = _materialize(callscope_home, ["calls", "chats", "offline_messages", "communications"])
    assert result.success
    meta = result.asset_materializations_for_node("calls")[0].metadata
    assert (meta["rows_in"].value, meta["accepted"].value, meta["quarantined"].value) == (4, 2, 2)
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        "rows_reconcile": True,
        "quarantine_share": True,
        "communications_have_accounts": True,
        "communications_unique": True,
    }
    comms = (
        Warehouse(callscope_home / "warehouse").read("communications").set_index("communication_id")
    )
    assert comms.loc["call:1", ["is_target", "is_primary"]].tolist() == [True, True]
    assert comms.loc["call:2", "is_lost"]


def test_quarantine_share_check_fails_past_the_limit(callscope_home, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_QUARANTINE_MAX_SHARE", "0.1")
    _landing(callscope_home)
    result = _materialize(callscope_home, ["calls"])
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["quarantine_share"].passed
    assert evaluations["quarantine_share"].metadata["quarantined_share"].value == 0.5


def test_rematerializing_a_partition_gives_identical_tables(callscope_home):
    _landing(callscope_home)
    _materialize(callscope_home, ["calls", "chats", "offline_messages", "communications"])
    wh = Warehouse(callscope_home / "warehouse")
    before = {t: wh.read(t) for t in ("calls", "quarantine_calls", "communications")}
    _materialize(callscope_home, ["calls", "chats", "offline_messages", "communications"])
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, wh.read(table))
    assert wh.partitions("communications") == [dt.date(2026, 5, 1)]

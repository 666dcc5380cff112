"""Antispam switches, lists, flagged numbers and blocked calls; the reports listing."""

import datetime as dt
import json

import pandas as pd
import pytest

from data.warehouse import Warehouse
from tests.serving.conftest import auth


@pytest.fixture(scope="module")
def spam_tables(mutable_world):
    warehouse = Warehouse(mutable_world.settings.warehouse_dir)
    verdicts = pd.DataFrame(
        [
            {
                "number": "79990000001",
                "score": 0.97,
                "is_spam": True,
                "reasons": json.dumps(["calls 40 accounts a day"]),
            },
            {"number": "79990000002", "score": 0.10, "is_spam": False, "reasons": "[]"},
        ]
    )
    warehouse.write_partition("spam_verdicts", dt.date(2026, 5, 3), verdicts)
    blocked = pd.DataFrame(
        [
            {
                "start_time": dt.datetime(2026, 5, 3, 9),
                "contact_phone_number": "79990000001",
                "site_id": 1,
                "campaign_id": 11,
                "reason": "antispam",
            },
            {
                "start_time": dt.datetime(2026, 5, 3, 10),
                "contact_phone_number": "79990000001",
                "site_id": 1,
                "campaign_id": 21,
                "reason": "black_list",
            },
            {  # the second account's: nobody of account 1 may see it
                "start_time": dt.datetime(2026, 5, 3, 11),
                "contact_phone_number": "79990000001",
                "site_id": 3,
                "campaign_id": 31,
                "reason": "antispam",
            },
        ]
    )
    blocked["account_id"] = [1, 1, 2]
    warehouse.write_partition("blocked_calls", dt.date(2026, 5, 3), blocked)
    return warehouse


def _grant_antispam(client, world, login):
    admin = auth(world, "admin")
    user_id = world.user_ids[login]
    rights = client.get(f"/api/v1/users/{user_id}/rights", headers=admin).json()
    rights["interfaces"]["antispam"] = {"view": True, "edit": True, "create": True, "delete": True}
    assert (
        client.put(f"/api/v1/users/{user_id}/rights", json=rights, headers=admin).status_code == 200
    )


def test_switches_work_independently(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    assert (
        mutable_client.get("/api/v1/antispam/settings", headers=admin).json()["tag_enabled"]
        is False
    )
    changed = mutable_client.put(
        "/api/v1/antispam/settings",
        json={"tag_enabled": True, "block_enabled": False},
        headers=admin,
    ).json()
    assert changed["tag_enabled"]
    assert not changed["block_enabled"]
    assert changed["updated_by"] == "admin"
    assert (
        mutable_client.get(
            "/api/v1/antispam/settings", headers=auth(mutable_world, "agency_b")
        ).status_code
        == 403
    )


def test_black_and_white_lists_with_comments(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    added = mutable_client.post(
        "/api/v1/antispam/lists/black",
        json={"number": "8 (916) 555-44-33", "comment": "робот-обзвон"},
        headers=admin,
    )
    assert added.status_code == 201
    entry = added.json()
    assert entry["number"] == "79165554433"
    assert entry["added_by"] == "admin"
    # a number sits on one list at a time: adding it to the white list moves it there
    moved = mutable_client.post(
        "/api/v1/antispam/lists/white", json={"number": "+79165554433"}, headers=admin
    )
    assert moved.status_code == 201
    assert moved.json()["list_kind"] == "white"
    assert mutable_client.get("/api/v1/antispam/lists/black", headers=admin).json() == []
    entry = mutable_client.post(
        "/api/v1/antispam/lists/black",
        json={"number": "8 (916) 555-44-33", "comment": "робот-обзвон"},
        headers=admin,
    ).json()
    assert (
        mutable_client.post(
            "/api/v1/antispam/lists/white", json={"number": "not a phone"}, headers=admin
        ).status_code
        == 422
    )
    commented = mutable_client.patch(
        f"/api/v1/antispam/lists/black/{entry['id']}",
        json={"comment": "жалоба клиента"},
        headers=admin,
    )
    assert commented.json()["comment"] == "жалоба клиента"
    # wrong list kind: no such entry there
    assert (
        mutable_client.delete(
            f"/api/v1/antispam/lists/white/{entry['id']}", headers=admin
        ).status_code
        == 404
    )
    assert (
        mutable_client.delete(
            f"/api/v1/antispam/lists/black/{entry['id']}", headers=admin
        ).status_code
        == 204
    )
    assert mutable_client.get("/api/v1/antispam/lists/black", headers=admin).json() == []


def test_list_numbers_are_masked_without_contact_rights(mutable_client, mutable_world):
    _grant_antispam(mutable_client, mutable_world, "agency_b")
    b = auth(mutable_world, "agency_b")
    added = mutable_client.post(
        "/api/v1/antispam/lists/white", json={"number": "79161112233"}, headers=b
    )
    assert added.status_code == 201
    assert added.json()["number"] == "7916*****33"


def test_flagged_numbers_with_reasons(spam_tables, mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    page = mutable_client.get("/api/v1/antispam/flagged", headers=admin).json()
    assert [r["number"] for r in page["rows"]] == ["79990000001"]
    assert "40 accounts" in page["rows"][0]["reasons"]
    everything = mutable_client.get(
        "/api/v1/antispam/flagged", params={"is_spam": "false"}, headers=admin
    ).json()
    assert [r["number"] for r in everything["rows"]] == ["79990000002"]


def test_blocked_calls_follow_campaign_rights(spam_tables, mutable_client, mutable_world):
    _grant_antispam(mutable_client, mutable_world, "agency_a")
    page = mutable_client.get(
        "/api/v1/antispam/blocked-calls", headers=auth(mutable_world, "agency_a")
    ).json()
    assert [(r["campaign_id"], r["reason"]) for r in page["rows"]] == [(11, "antispam")]
    admin_page = mutable_client.get(
        "/api/v1/antispam/blocked-calls", headers=auth(mutable_world, "admin")
    ).json()
    assert admin_page["total"] == 2
    other = mutable_client.get(
        "/api/v1/antispam/blocked-calls", headers=auth(mutable_world, "admin2")
    ).json()
    assert [(r["campaign_id"], r["account_id"]) for r in other["rows"]] == [(31, 2)]


def test_reports_listing_and_unknown_report(client, world):
    admin = auth(world, "admin")
    names = [r["name"] for r in client.get("/api/v1/reports", headers=admin).json()]
    assert names[:2] == ["end-to-end", "attribution"]
    assert client.get("/api/v1/reports/nothing_here", headers=admin).status_code == 404
    assert client.get("/api/v1/reports/communications", headers=admin).status_code == 404
    ranged = client.get(
        "/api/v1/reports/end-to-end",
        params={"date_from": "2026-05-02", "date_till": "2026-05-02"},
        headers=admin,
    ).json()
    assert ranged["total"] == 6
    assert {r["date"] for r in ranged["rows"]} == {"2026-05-02"}
    # attribution by channel is computed over the whole platform: an account's admin is
    # refused, a platform operator reads it
    refused = client.get("/api/v1/reports/attribution", params={"model": "last"}, headers=admin)
    assert refused.status_code == 403
    by_model = client.get(
        "/api/v1/reports/attribution", params={"model": "last"}, headers=auth(world, "operator")
    ).json()
    assert by_model["total"] == 3

"""Accounts as tenants: a full-access user of one account is refused every id of another, names
of another account's objects are 422, platform operators act across accounts explicitly, and
each escalation path answers 403."""

import pytest

from data.config.models.access import User
from data.config.models.core import Account
from data.config.store import ConfigStore
from tests.serving.conftest import auth
from tests.serving.world import OTHER_ACCOUNT, of_account

FULL = {"view": True, "edit": True, "create": True, "delete": True}


def _all_ids(client, headers, **params):
    items, cursor = [], None
    while True:
        query = {**params, "limit": 50, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/communications", params=query, headers=headers).json()
        items += [i["communication_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return items


@pytest.mark.parametrize(("login", "account"), [("admin", 1), ("admin2", OTHER_ACCOUNT)])
def test_each_admin_sees_exactly_their_account(client, world, login, account):
    headers = auth(world, login)
    assert set(_all_ids(client, headers)) == of_account(world, account)
    tagged = set(_all_ids(client, headers, tag=["Ипотека"]))
    assert tagged
    assert tagged <= of_account(world, account)
    sites = {s["id"] for s in client.get("/api/v1/sites", headers=headers).json()}
    assert sites == ({1, 2} if account == 1 else {3})
    campaigns = {c["id"] for c in client.get("/api/v1/campaigns", headers=headers).json()}
    assert campaigns == ({11, 12, 13, 21, 22, 23} if account == 1 else {31})
    tags = {t["name"] for t in client.get("/api/v1/tags", headers=headers).json()}
    assert ("Только второй" in tags) == (account == OTHER_ACCOUNT)
    users = {u["login"] for u in client.get("/api/v1/users", headers=headers).json()}
    assert users == ({"admin", "agency_a", "agency_b"} if account == 1 else {"admin2"})
    report = client.get("/api/v1/reports/end-to-end", headers=headers).json()
    assert ({r["campaign_id"] for r in report["rows"]} == {31}) == (account == OTHER_ACCOUNT)
    deals = client.get("/api/v1/reports/deals", headers=headers).json()
    assert {r["communication_id"] for r in deals["rows"]} <= of_account(world, account)


def test_every_id_of_another_account_is_refused(client, world):
    """A full-access user of account 1 enumerates account 2's ids: all 404."""
    headers = auth(world, "admin")
    for communication_id in world.communications["other"]:
        base = f"/api/v1/communications/{communication_id}"
        assert client.get(base, headers=headers).status_code == 404
        assert client.get(f"{base}/recording", headers=headers).status_code == 404
        tagged = client.post(f"{base}/tags", json={"tag": "Ипотека"}, headers=headers)
        assert tagged.status_code == 404
        assert client.delete(f"{base}/tags/Ипотека", headers=headers).status_code == 404
    assert client.get("/api/v1/sites/3", headers=headers).status_code == 404
    assert client.patch("/api/v1/sites/3", json={}, headers=headers).status_code == 404
    assert client.get("/api/v1/campaigns/31", headers=headers).status_code == 404
    assert client.delete("/api/v1/campaigns/31", headers=headers).status_code == 404
    assert client.patch("/api/v1/tags/901", json={"name": "X"}, headers=headers).status_code == 404
    assert client.delete("/api/v1/tags/902", headers=headers).status_code == 404
    other_admin = world.user_ids["admin2"]
    for path in (f"/users/{other_admin}", f"/users/{other_admin}/rights"):
        assert client.get(f"/api/v1{path}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/users/{other_admin}/tokens", json={}, headers=headers).status_code
        == 404
    )
    filtered = _all_ids(client, headers, campaign_id=[31], site_id=[3])
    assert filtered == []
    report = client.get(
        "/api/v1/reports/end-to-end", params={"campaign_id": 31}, headers=headers
    ).json()
    assert report["rows"] == []


def test_naming_another_accounts_objects_is_422_naming_the_field(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    campaign = mutable_client.post(
        "/api/v1/campaigns", json={"site_id": 3, "name": "x", "channel": "advert"}, headers=admin
    )
    assert campaign.status_code == 422
    assert "site_id" in campaign.json()["detail"]
    user_id = mutable_world.user_ids["agency_b"]
    rights = {"campaigns": [{"campaign_id": 31, "view": True}]}
    put = mutable_client.put(f"/api/v1/users/{user_id}/rights", json=rights, headers=admin)
    assert put.status_code == 422
    assert "campaigns[0].campaign_id" in put.json()["detail"]
    call = next(c for c in mutable_world.communications["a"] if c.startswith("call:"))
    tag = mutable_client.post(
        f"/api/v1/communications/{call}/tags", json={"tag": "Только второй"}, headers=admin
    )
    assert tag.status_code == 422
    assert "tag" in tag.json()["detail"]
    notification = mutable_client.post(
        "/api/v1/notifications",
        json={
            "name": "n",
            "event": "incoming_call",
            "site_ids": [3],
            "email": {"recipients": ["a@b.ru"]},
        },
        headers=admin,
    )
    assert notification.status_code == 422
    assert "site_ids" in notification.text


def test_rules_of_one_account_are_its_own(mutable_client, mutable_world):
    one, two = auth(mutable_world, "admin"), auth(mutable_world, "admin2")
    rule = {
        "rules": [{"id": "r-acc", "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}]}]
    }
    path_one, path_two = "/api/v1/autotag-rules/Целевой клиент", "/api/v1/autotag-rules/Ипотека"
    assert mutable_client.put(path_one, json=rule, headers=one).is_success
    assert mutable_client.get("/api/v1/autotag-rules", headers=two).json() == []
    # the same rule id in the other account is another rule, with a history of its own
    assert mutable_client.put(path_two, json=rule, headers=two).is_success
    history = mutable_client.get(f"{path_two}/history", headers=two).json()
    assert [(v["rule_key"], v["version"]) for v in history] == [("r-acc", 1)]
    assert mutable_client.put(
        "/api/v1/transcription-rules/t-acc", json={"enabled": True}, headers=one
    ).is_success
    assert mutable_client.get("/api/v1/transcription-rules/t-acc", headers=two).status_code == 404
    assert (
        mutable_client.patch(
            "/api/v1/transcription-rules/t-acc", json={"enabled": False}, headers=two
        ).status_code
        == 404
    )
    switched = mutable_client.patch(
        "/api/v1/transcription-rules/t-acc", json={"enabled": False}, headers=one
    )
    assert switched.status_code == 200

    from data.config import rules as versioned

    store = ConfigStore(mutable_world.settings.database_url, migrate_schema=False)
    try:
        with store.session() as session:
            owners = {
                (v.account_id, versioned.plain_id(v))
                for v in versioned.current_rules(session, "autotag")
            }
            # a switch keeps the rule the account's (it selects that account's calls only)
            (current,) = [
                v
                for v in versioned.current_rules(session, "transcription")
                if v.rule_key == "1:t-acc"
            ]
            assert current.account_id == 1
            assert current.payload["enabled"] is False
    finally:
        store.dispose()
    assert {(1, "r-acc"), (OTHER_ACCOUNT, "r-acc")} <= owners
    # leave the shared world as it was
    assert mutable_client.delete(path_one, headers=one).status_code == 204
    assert mutable_client.delete(path_two, headers=two).status_code == 204
    assert (
        mutable_client.delete("/api/v1/transcription-rules/t-acc", headers=one).status_code == 204
    )


def test_operators_act_across_accounts_only_explicitly(client, world):
    operator = auth(world, "operator")
    everything = set(_all_ids(client, operator))
    assert everything == of_account(world, 1) | of_account(world, OTHER_ACCOUNT)
    assert client.get("/api/v1/sites", headers=operator).status_code == 422
    named = client.get("/api/v1/sites", headers={**operator, "X-Callscope-Account": "2"})
    assert {s["id"] for s in named.json()} == {3}
    # full access inside an account is never a way across accounts
    admin = {**auth(world, "admin"), "X-Callscope-Account": "2"}
    assert {s["id"] for s in client.get("/api/v1/sites", headers=admin).json()} == {1, 2}


# -- escalation paths ------------------------------------------------------------------------


def _user(client, headers, login, rights=None):
    body = {"login": login, **({"rights": rights} if rights else {})}
    created = client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code == 201, created.text
    user = created.json()
    return user["id"], {"Authorization": f"Bearer {user['token']}"}


def test_nobody_grants_rights_they_do_not_hold(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    manager_id, manager = _user(mutable_client, admin, "manager1", {"interfaces": {"users": FULL}})
    own = f"/api/v1/users/{manager_id}/rights"
    for spec in (
        {"full_access": True, "interfaces": {"users": FULL}},
        {"interfaces": {"users": FULL, "antispam": FULL}},
        {"interfaces": {"users": FULL}, "campaigns": [{"campaign_id": 11, "view": True}]},
        {"interfaces": {"users": FULL}, "contact_data": {"view": True}},
    ):
        refused = mutable_client.put(own, json=spec, headers=manager)
        assert refused.status_code == 403, spec
    created = mutable_client.post(
        "/api/v1/users",
        json={"login": "made_admin", "rights": {"full_access": True}},
        headers=manager,
    )
    assert created.status_code == 403
    source = mutable_world.user_ids["agency_a"]
    copied = mutable_client.post(
        f"/api/v1/users/{manager_id}/rights/copy", json={"from_user_id": source}, headers=manager
    )
    assert copied.status_code == 403
    role = mutable_client.post(
        "/api/v1/roles", json={"name": "Все права", "rights": {"full_access": True}}, headers=admin
    ).json()
    joined = mutable_client.put(
        f"/api/v1/users/{manager_id}/roles", json={"role_ids": [role["id"]]}, headers=manager
    )
    assert joined.status_code == 403
    members = mutable_client.put(
        f"/api/v1/roles/{role['id']}/members", json={"user_ids": [manager_id]}, headers=manager
    )
    assert members.status_code == 403
    me = mutable_client.get("/api/v1/me", headers=manager).json()
    assert me["rights"]["full_access"] is False
    assert "antispam" not in me["rights"]["interfaces"]


def test_a_token_is_only_for_its_own_user(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    manager_id, manager = _user(mutable_client, admin, "manager2", {"interfaces": {"users": FULL}})
    admin_id = mutable_world.user_ids["admin"]
    minted = mutable_client.post(f"/api/v1/users/{admin_id}/tokens", json={}, headers=manager)
    assert minted.status_code == 403
    for_manager = mutable_client.post(f"/api/v1/users/{manager_id}/tokens", json={}, headers=admin)
    assert for_manager.status_code == 403
    own = mutable_client.post(f"/api/v1/users/{manager_id}/tokens", json={}, headers=manager)
    assert own.status_code == 201


def test_the_last_full_access_user_stays(mutable_client, mutable_world):
    admin2 = auth(mutable_world, "admin2")
    admin2_id = mutable_world.user_ids["admin2"]
    _, manager = _user(mutable_client, admin2, "manager3", {"interfaces": {"users": FULL}})
    path = f"/api/v1/users/{admin2_id}"
    assert mutable_client.delete(path, headers=manager).status_code == 403
    blocked = mutable_client.patch(path, json={"is_active": False}, headers=manager)
    assert blocked.status_code == 403
    demoted = mutable_client.put(
        f"{path}/rights", json={"interfaces": {"users": FULL}}, headers=admin2
    )
    assert demoted.status_code == 403
    assert mutable_client.get("/api/v1/me", headers=admin2).json()["rights"]["full_access"]
    # with a second full-access user, the first may step down
    second_id, second = _user(mutable_client, admin2, "second_admin", {"full_access": True})
    stepped = mutable_client.put(
        f"{path}/rights", json={"interfaces": {"users": FULL}}, headers=second
    )
    assert stepped.status_code == 200
    assert mutable_client.delete(f"/api/v1/users/{second_id}", headers=admin2).status_code == 403
    restored = mutable_client.put(f"{path}/rights", json={"full_access": True}, headers=second)
    assert restored.status_code == 200


def test_tokens_die_with_deletion_a_move_or_a_switched_off_account(mutable_client, mutable_world):
    admin2 = auth(mutable_world, "admin2")
    mover_id, mover = _user(mutable_client, admin2, "mover", {"full_access": True})
    keeper_id, keeper = _user(mutable_client, admin2, "keeper", {"full_access": True})
    assert mutable_client.get("/api/v1/me", headers=mover).status_code == 200
    # changes through another store (worker, host or command) count after cache_check_seconds;
    # 0 here stands for that time having passed
    access = mutable_client.app.state.rights_cache.access
    access.check_seconds = 0.0
    store = ConfigStore(mutable_world.settings.database_url, migrate_schema=False)
    try:
        with store.session() as session:
            session.get(User, mover_id).account_id = 1
        assert mutable_client.get("/api/v1/me", headers=mover).status_code == 401
        assert mutable_client.get("/api/v1/me", headers=keeper).status_code == 200
        with store.session() as session:
            session.get(Account, OTHER_ACCOUNT).is_active = False
        assert mutable_client.get("/api/v1/me", headers=keeper).status_code == 401
        assert mutable_client.get("/api/v1/me", headers=admin2).status_code == 401
        with store.session() as session:
            session.get(Account, OTHER_ACCOUNT).is_active = True
        assert mutable_client.get("/api/v1/me", headers=keeper).status_code == 200
    finally:
        store.dispose()
        access.check_seconds = 1.0
    assert mutable_client.delete(f"/api/v1/users/{keeper_id}", headers=admin2).status_code == 204
    assert mutable_client.get("/api/v1/me", headers=keeper).status_code == 401


def test_no_get_writes_an_account(tmp_path):
    """A fresh store answers reads without creating an account row."""
    from fastapi.testclient import TestClient

    from data.config.models.core import Account as AccountRow
    from data.settings import Settings
    from serving.access import accounts
    from serving.main import create_app

    settings = Settings(home=tmp_path, config_url=f"sqlite:///{tmp_path / 'c.sqlite3'}")
    store = ConfigStore(settings.database_url)
    with store.session() as session:
        operator = accounts.create_user(session, "ops", "t", account_id=None, operator=True)
        token = accounts.issue_token(session, operator)
    headers = {"Authorization": f"Bearer {token}", "X-Callscope-Account": "1"}
    with TestClient(create_app(settings)) as client:
        for path in ("/sites", "/tags", "/campaigns", "/smarttag", "/antispam/settings"):
            assert client.get(f"/api/v1{path}", headers=headers).status_code < 500
    with store.session() as session:
        assert session.query(AccountRow).count() == 0
    store.dispose()

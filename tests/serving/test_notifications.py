"""Notification rules: CRUD behind the notifications interface right, the rights on the sites
and campaigns a rule names, versions and audit."""

import pytest

from data.config import audit
from data.config.store import ConfigStore
from serving.access import accounts
from serving.schemas.rights import RightsSpec
from tests.serving.conftest import auth

FULL = {"view": True, "edit": True, "create": True, "delete": True}
VIEW = {"view": True}


def _rule(**overrides):
    rule = {
        "name": "Потерянные звонки агентства",
        "event": "lost_call",
        "campaign_ids": [12],  # integrated: other tests cannot delete it
        "email": {"recipients": ["manager@agency.ru"]},
        "http": {
            "url": "https://crm.agency.ru/hook",
            "method": "POST",
            "template": '{"id": {{communication_id}}, "phone": "{{contact_phone_number}}"}',
        },
    }
    return {**rule, **overrides}


@pytest.fixture(scope="module")
def users(mutable_world):
    """notifier_a: agency A with the full notifications interface; viewer_a: A, view only;
    notifier_b: agency B with the full interface; plain_a: A without the interface."""
    store = ConfigStore(mutable_world.settings.database_url, migrate_schema=False)
    a_objects = {
        "sites": [{"site_id": 1, **VIEW}],
        "campaigns": [{"campaign_id": 11, **VIEW}, {"campaign_id": 12, **VIEW}],
    }
    b_objects = {
        "sites": [{"site_id": 1, **VIEW}, {"site_id": 2, **VIEW}],
        "campaigns": [{"campaign_id": c, **VIEW} for c in (21, 22, 23)],
    }
    specs = {
        "notifier_a": RightsSpec(**a_objects, interfaces={"notifications": FULL}),
        "viewer_a": RightsSpec(**a_objects, interfaces={"notifications": VIEW}),
        "notifier_b": RightsSpec(**b_objects, interfaces={"notifications": FULL}),
        "plain_a": RightsSpec(**a_objects),
    }
    with store.session() as session:
        for login, spec in specs.items():
            user = accounts.create_user(session, login, "test", account_id=1)
            accounts.save_rights(session, user.rights_set, spec, "test")
            mutable_world.tokens[login] = accounts.issue_token(session, user)
    store.dispose()
    return mutable_world


def test_create_read_version_and_delete(mutable_client, users):
    a = auth(users, "notifier_a")
    created = mutable_client.post("/api/v1/notifications", json=_rule(), headers=a)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["version"] == 1
    assert rule["created_by"] == "notifier_a"
    assert rule["campaign_ids"] == [12]
    assert rule["enabled"] is True
    path = f"/api/v1/notifications/{rule['id']}"
    assert mutable_client.get(path, headers=a).json()["name"] == rule["name"]

    off = mutable_client.patch(path, json={"enabled": False}, headers=a)
    assert off.status_code == 200
    assert off.json()["enabled"] is False
    assert off.json()["version"] == 2
    replaced = mutable_client.put(
        path,
        json=_rule(event="recorded_call", email={"recipients": ["a@b.ru"]}, http=None),
        headers=a,
    )
    assert replaced.json()["version"] == 3
    assert replaced.json()["event"] == "recorded_call"
    history = mutable_client.get(f"{path}/history", headers=a).json()
    assert [v["version"] for v in history] == [1, 2, 3]
    assert history[0]["valid_to"] is not None
    assert history[-1]["valid_to"] is None
    assert [v["rule"]["enabled"] for v in history] == [True, False, True]

    assert mutable_client.delete(path, headers=a).status_code == 204
    assert mutable_client.get(path, headers=a).status_code == 404
    ids = [n["id"] for n in mutable_client.get("/api/v1/notifications", headers=a).json()]
    assert rule["id"] not in ids

    store = ConfigStore(users.settings.database_url, migrate_schema=False)
    with store.session() as session:
        actions = [r.action for r in audit.history(session, "notification", rule["id"])]
    store.dispose()
    assert actions == ["create", "update", "update", "delete"]


def test_the_interface_right_guards_every_action(mutable_client, users):
    a, viewer, plain = (auth(users, u) for u in ("notifier_a", "viewer_a", "plain_a"))
    rule = mutable_client.post("/api/v1/notifications", json=_rule(), headers=a).json()
    path = f"/api/v1/notifications/{rule['id']}"
    assert mutable_client.get("/api/v1/notifications", headers=plain).status_code == 403
    assert mutable_client.get(path, headers=viewer).status_code == 200
    assert (
        mutable_client.post("/api/v1/notifications", json=_rule(), headers=viewer).status_code
        == 403
    )
    assert mutable_client.patch(path, json={"enabled": False}, headers=viewer).status_code == 403
    assert mutable_client.delete(path, headers=viewer).status_code == 403


def test_another_agency_neither_sees_nor_names_the_campaigns(mutable_client, users):
    a, b = auth(users, "notifier_a"), auth(users, "notifier_b")
    rule = mutable_client.post("/api/v1/notifications", json=_rule(), headers=a).json()
    path = f"/api/v1/notifications/{rule['id']}"
    listed = [n["id"] for n in mutable_client.get("/api/v1/notifications", headers=b).json()]
    assert rule["id"] not in listed
    for method, body in (("get", None), ("put", _rule(campaign_ids=[21])), ("delete", None)):
        response = mutable_client.request(method, path, json=body, headers=b)
        assert response.status_code == 404, (method, response.text)
    assert mutable_client.get(f"{path}/history", headers=b).status_code == 404
    # naming a campaign one cannot see is refused like an unknown campaign
    named = mutable_client.post("/api/v1/notifications", json=_rule(campaign_ids=[12]), headers=b)
    unknown = mutable_client.post(
        "/api/v1/notifications", json=_rule(campaign_ids=[999]), headers=b
    )
    assert named.status_code == unknown.status_code == 422
    assert "does not exist" in named.json()["detail"]
    # a rule over the whole account would include the other agency's campaigns
    whole = mutable_client.post("/api/v1/notifications", json=_rule(campaign_ids=[]), headers=a)
    assert whole.status_code == 403
    admin = auth(users, "admin")
    account_wide = mutable_client.post(
        "/api/v1/notifications", json=_rule(campaign_ids=[]), headers=admin
    ).json()
    assert (
        mutable_client.get(f"/api/v1/notifications/{account_wide['id']}", headers=a).status_code
        == 404
    )


def test_tags_match_regardless_of_case_and_yo(mutable_client, users):
    a = auth(users, "notifier_a")
    body = _rule(event="tag_set", tags=["ЦЕЛЕВОЙ клиент", "ипотека"])
    created = mutable_client.post("/api/v1/notifications", json=body, headers=a)
    assert created.status_code == 201, created.text
    assert created.json()["tags"] == ["Целевой клиент", "Ипотека"]
    unknown = mutable_client.post(
        "/api/v1/notifications", json=_rule(event="tag_set", tags=["Нет такого"]), headers=a
    )
    assert unknown.status_code == 422
    untagged = mutable_client.post("/api/v1/notifications", json=_rule(event="tag_set"), headers=a)
    assert untagged.status_code == 422


@pytest.mark.parametrize(
    "change",
    [
        {"email": None, "http": None},
        {"sms": {"recipients": ["89161234567"]}},
        {"sms": {"recipients": [f"7916123456{i}" for i in range(6)]}},
        {"email": {"recipients": [f"m{i}@agency.ru" for i in range(6)]}},
        {"email": {"recipients": ["not an address"]}},
        {"http": {"url": "ftp://crm.agency.ru", "method": "POST"}},
        {"http": {"url": "https://crm.agency.ru", "method": "POST", "template": "id={{id}}"}},
        {"http": {"url": "https://crm.agency.ru", "method": "GET", "template": '{"id": '}},
        {"event": "no_such_event"},
    ],
)
def test_invalid_rules_are_refused_with_a_reason(mutable_client, users, change):
    response = mutable_client.post(
        "/api/v1/notifications", json=_rule(**change), headers=auth(users, "notifier_a")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_sms_alone_is_a_channel(mutable_client, users):
    body = _rule(email=None, http=None, sms={"recipients": ["79161234567", "79031234567"]})
    response = mutable_client.post(
        "/api/v1/notifications", json=body, headers=auth(users, "notifier_a")
    )
    assert response.status_code == 201, response.text
    assert response.json()["sms"]["recipients"] == ["79161234567", "79031234567"]


def test_a_get_webhook_may_use_a_query_string(mutable_client, users):
    body = _rule(
        http={
            "url": "https://crm.agency.ru/in",
            "method": "GET",
            "template": "id={{communication_id}}&n=%contact_phone_number%",
        }
    )
    response = mutable_client.post(
        "/api/v1/notifications", json=body, headers=auth(users, "notifier_a")
    )
    assert response.status_code == 201, response.text

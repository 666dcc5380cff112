"""Users, tokens, rights, copying rights, roles and the CSV export; the `users` CLI."""

import csv
import io
import json

from typer.testing import CliRunner

from tests.serving.conftest import auth


def _create(client, world, login, **extra):
    response = client.post(
        "/api/v1/users",
        json={"login": login, "email": f"{login}@x.ru", **extra},
        headers=auth(world, "admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_create_user_returns_a_working_token_once(mutable_client, mutable_world):
    created = _create(mutable_client, mutable_world, "new_manager")
    token = created["token"]
    me = mutable_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["user"]["login"] == "new_manager"
    shown = mutable_client.get(
        f"/api/v1/users/{created['id']}", headers=auth(mutable_world, "admin")
    )
    assert "token" not in shown.json()
    assert "token_hash" not in shown.text
    # a fresh user sees only communications tied to nothing
    page = mutable_client.get(
        "/api/v1/communications", headers={"Authorization": f"Bearer {token}"}
    )
    assert {i["site_id"] for i in page.json()["items"]} == {None}


def test_duplicate_login_is_409_and_bad_login_422(mutable_client, mutable_world):
    _create(mutable_client, mutable_world, "twice")
    again = mutable_client.post(
        "/api/v1/users", json={"login": "twice"}, headers=auth(mutable_world, "admin")
    )
    assert again.status_code == 409
    bad = mutable_client.post(
        "/api/v1/users", json={"login": "with space"}, headers=auth(mutable_world, "admin")
    )
    assert bad.status_code == 422


def test_blocked_user_and_revoked_token_get_401(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = _create(mutable_client, mutable_world, "leaver")
    headers = {"Authorization": f"Bearer {created['token']}"}
    mutable_client.patch(f"/api/v1/users/{created['id']}", json={"is_active": False}, headers=admin)
    assert mutable_client.get("/api/v1/me", headers=headers).status_code == 401
    # unblocking brings back none of the tokens revoked by the block
    mutable_client.patch(f"/api/v1/users/{created['id']}", json={"is_active": True}, headers=admin)
    assert mutable_client.get("/api/v1/me", headers=headers).status_code == 401
    # a new token comes from a platform operator (the admin may not act as the user)
    operator = {**auth(mutable_world, "operator"), "X-Callscope-Account": "1"}
    fresh = mutable_client.post(f"/api/v1/users/{created['id']}/tokens", json={}, headers=operator)
    assert fresh.status_code == 201, fresh.text
    fresh_headers = {"Authorization": f"Bearer {fresh.json()['token']}"}
    assert mutable_client.get("/api/v1/me", headers=fresh_headers).status_code == 200
    assert (
        mutable_client.delete(f"/api/v1/users/{created['id']}/tokens", headers=admin).status_code
        == 204
    )
    assert mutable_client.get("/api/v1/me", headers=fresh_headers).status_code == 401


def test_copy_rights_gives_the_same_rights(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = _create(mutable_client, mutable_world, "copy_of_a")
    source = mutable_world.user_ids["agency_a"]
    copied = mutable_client.post(
        f"/api/v1/users/{created['id']}/rights/copy", json={"from_user_id": source}, headers=admin
    )
    assert copied.status_code == 200, copied.text
    original = mutable_client.get(f"/api/v1/users/{source}/rights", headers=admin).json()
    # rows of campaigns deleted since (other tests delete some) are not copied
    existing = {c["id"] for c in mutable_client.get("/api/v1/campaigns", headers=admin).json()}
    original["campaigns"] = [r for r in original["campaigns"] if r["campaign_id"] in existing]
    assert copied.json() == original
    headers = {"Authorization": f"Bearer {created['token']}"}
    campaigns = {c["id"] for c in mutable_client.get("/api/v1/campaigns", headers=headers).json()}
    as_source = mutable_client.get("/api/v1/campaigns", headers=auth(mutable_world, "agency_a"))
    assert campaigns == {c["id"] for c in as_source.json()}
    assert campaigns <= {11, 12}
    assert 12 in campaigns


def test_role_rights_apply_to_members_and_follow_changes(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    member = _create(mutable_client, mutable_world, "role_member")
    headers = {"Authorization": f"Bearer {member['token']}"}
    role = mutable_client.post(
        "/api/v1/roles",
        json={
            "name": "Подрядчики",
            "member_ids": [member["id"]],
            "rights": {"campaigns": [{"campaign_id": 21, "view": True}]},
        },
        headers=admin,
    ).json()
    assert {c["id"] for c in mutable_client.get("/api/v1/campaigns", headers=headers).json()} == {
        21
    }
    # changing the role changes every member
    changed = mutable_client.put(
        f"/api/v1/roles/{role['id']}/rights",
        json={
            "campaigns": [{"campaign_id": 22, "view": True}],
            "interfaces": {"autotag": {"view": True}},
        },
        headers=admin,
    )
    assert changed.status_code == 200
    assert {c["id"] for c in mutable_client.get("/api/v1/campaigns", headers=headers).json()} == {
        22
    }
    assert mutable_client.get("/api/v1/autotag-rules", headers=headers).status_code == 200
    me = mutable_client.get("/api/v1/me", headers=headers).json()
    assert me["user"]["roles"] == [{"id": role["id"], "name": "Подрядчики"}]
    # leaving the role takes its rights away
    mutable_client.put(f"/api/v1/roles/{role['id']}/members", json={"user_ids": []}, headers=admin)
    assert mutable_client.get("/api/v1/campaigns", headers=headers).json() == []
    duplicate = mutable_client.post("/api/v1/roles", json={"name": "Подрядчики"}, headers=admin)
    assert duplicate.status_code == 409


def test_new_campaign_rows_apply_to_campaigns_created_later(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    user = _create(
        mutable_client,
        mutable_world,
        "newcomer",
        rights={
            "new_campaigns": {"view": True, "edit": True},
            "sites": [{"site_id": 1, "view": True}],
        },
    )
    headers = {"Authorization": f"Bearer {user['token']}"}
    assert mutable_client.get("/api/v1/campaigns", headers=headers).json() == []  # existing: no
    created = mutable_client.post(
        "/api/v1/campaigns",
        json={"site_id": 1, "name": "Осень", "channel": "advert"},
        headers=admin,
    ).json()
    visible = mutable_client.get("/api/v1/campaigns", headers=headers).json()
    assert [c["id"] for c in visible] == [created["id"]]
    renamed = mutable_client.patch(
        f"/api/v1/campaigns/{created['id']}", json={"name": "Зима"}, headers=headers
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Зима"


def test_export_lists_users_and_rights_rows(mutable_client, mutable_world):
    response = mutable_client.get("/api/v1/users/export.csv", headers=auth(mutable_world, "admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    a_rows = [r for r in rows if r["login"] == "agency_a" and r["scope"] == "campaign"]
    assert {r["object"]: r["view"] for r in a_rows}["11"] == "True"
    assert {r["object"]: r["view"] for r in a_rows}["21"] == "False"
    assert any(r["login"] == "admin" and r["full_access"] == "True" for r in rows)


def test_cli_creates_a_user_and_prints_the_token_once(tmp_path, monkeypatch):
    from data.config.models.core import Account
    from data.config.store import ConfigStore
    from data.settings import get_settings
    from pipelines.cli.main import app

    monkeypatch.setenv("CALLSCOPE_HOME", str(tmp_path))
    monkeypatch.delenv("CALLSCOPE_CONFIG_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        no_account = runner.invoke(app, ["users", "create", "boss", "--admin"])
        assert no_account.exit_code == 2
        assert "--account" in no_account.stderr
        unknown = runner.invoke(app, ["users", "create", "boss", "--account", "7"])
        assert unknown.exit_code == 2
        assert "account 7 does not exist" in unknown.stderr
        store = ConfigStore.from_settings()
        with store.session() as session:
            session.add(Account(id=7, name="Семь"))
        store.dispose()
        result = runner.invoke(app, ["users", "create", "boss", "--account", "7", "--admin"])
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)
        assert printed["full_access"] is True
        assert len(printed["token"]) > 30
        assert printed["account_id"] == 7
        assert printed["operator"] is False
        operator = runner.invoke(app, ["users", "create", "ops", "--operator"])
        assert operator.exit_code == 0
        assert json.loads(operator.stdout)["operator"] is True
        listed = runner.invoke(app, ["users", "list"])
        assert "boss" in listed.stdout
        assert printed["token"] not in listed.stdout
        again = runner.invoke(app, ["users", "create", "boss", "--account", "7"])
        assert again.exit_code == 2
        assert "already exists" in again.stderr
        export = runner.invoke(app, ["users", "export", "--output", str(tmp_path / "u.csv")])
        assert export.exit_code == 0
        assert "boss" in (tmp_path / "u.csv").read_text()
    finally:
        get_settings.cache_clear()


def test_delete_user_and_role(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = _create(mutable_client, mutable_world, "short_lived")
    role = mutable_client.post(
        "/api/v1/roles", json={"name": "Временная", "member_ids": [created["id"]]}, headers=admin
    ).json()
    assert mutable_client.delete(f"/api/v1/users/{created['id']}", headers=admin).status_code == 204
    assert mutable_client.get(f"/api/v1/users/{created['id']}", headers=admin).status_code == 404
    gone = {"Authorization": f"Bearer {created['token']}"}
    assert mutable_client.get("/api/v1/me", headers=gone).status_code == 401
    assert mutable_client.get(f"/api/v1/roles/{role['id']}", headers=admin).json()["members"] == []
    assert mutable_client.delete(f"/api/v1/roles/{role['id']}", headers=admin).status_code == 204
    me = mutable_world.user_ids["admin"]
    assert mutable_client.delete(f"/api/v1/users/{me}", headers=admin).status_code == 409

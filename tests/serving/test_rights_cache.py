"""Cached effective rights: reused while nothing changed, dropped by every access change, in
this process and in others sharing the config store."""

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import event

from tests.serving.conftest import auth

ROOT = Path(__file__).resolve().parents[2]


def _create(client, world, login, **extra):
    response = client.post(
        "/api/v1/users", json={"login": login, **extra}, headers=auth(world, "admin")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _campaigns(client, headers) -> dict[int, bool]:
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    return {row["campaign_id"]: row["view"] for row in me.json()["rights"]["campaigns"]}


def _a_campaign(client, admin) -> int:
    listed = client.get("/api/v1/campaigns", headers=admin)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    items = body["items"] if isinstance(body, dict) else body
    return items[0]["id"]


def _statements(client):
    seen: list[str] = []
    engine = client.app.state.store.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


def test_a_cached_caller_costs_no_store_query(mutable_client, mutable_world, monkeypatch):
    created = _create(mutable_client, mutable_world, "cache_reader")
    headers = {"Authorization": f"Bearer {created['token']}"}
    access = mutable_client.app.state.rights_cache.access
    monkeypatch.setattr(access, "check_seconds", 3600.0)
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 200
    seen, stop = _statements(mutable_client)
    try:
        assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 200
    finally:
        stop()
    assert seen == []
    # once the check is due, the access version row is the one thing read
    monkeypatch.setattr(access, "check_seconds", 0.0)
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 200
    seen, stop = _statements(mutable_client)
    try:
        assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 200
    finally:
        stop()
    assert len(seen) == 1
    assert "cache_versions" in seen[0]


def test_own_rights_change_takes_effect_on_the_next_request(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = _create(mutable_client, mutable_world, "cache_rights")
    headers = {"Authorization": f"Bearer {created['token']}"}
    campaign_id = _a_campaign(mutable_client, admin)
    assert not _campaigns(mutable_client, headers).get(campaign_id)
    spec = {"campaigns": [{"campaign_id": campaign_id, "view": True}]}
    put = mutable_client.put(f"/api/v1/users/{created['id']}/rights", json=spec, headers=admin)
    assert put.status_code == 200, put.text
    assert _campaigns(mutable_client, headers)[campaign_id] is True
    put = mutable_client.put(f"/api/v1/users/{created['id']}/rights", json={}, headers=admin)
    assert put.status_code == 200, put.text
    assert not _campaigns(mutable_client, headers).get(campaign_id)


def test_role_rights_and_membership_take_effect_on_the_next_request(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = _create(mutable_client, mutable_world, "cache_member")
    headers = {"Authorization": f"Bearer {created['token']}"}
    campaign_id = _a_campaign(mutable_client, admin)
    role = mutable_client.post(
        "/api/v1/roles",
        json={"name": "cache role", "member_ids": [created["id"]]},
        headers=admin,
    )
    assert role.status_code == 201, role.text
    role_id = role.json()["id"]
    assert not _campaigns(mutable_client, headers).get(campaign_id)
    spec = {"campaigns": [{"campaign_id": campaign_id, "view": True}]}
    put = mutable_client.put(f"/api/v1/roles/{role_id}/rights", json=spec, headers=admin)
    assert put.status_code == 200, put.text
    assert _campaigns(mutable_client, headers)[campaign_id] is True
    members = mutable_client.put(
        f"/api/v1/roles/{role_id}/members", json={"user_ids": []}, headers=admin
    )
    assert members.status_code == 200, members.text
    assert not _campaigns(mutable_client, headers).get(campaign_id)


def test_block_and_revoke_take_effect_on_the_next_request(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    created = _create(mutable_client, mutable_world, "cache_leaver")
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 200
    blocked = mutable_client.patch(
        f"/api/v1/users/{created['id']}", json={"is_active": False}, headers=admin
    )
    assert blocked.status_code == 200
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 401
    mutable_client.patch(f"/api/v1/users/{created['id']}", json={"is_active": True}, headers=admin)
    # the block revoked the token: unblocking does not bring it back
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 401
    second = _create(mutable_client, mutable_world, "cache_revoked")
    second_headers = {"Authorization": f"Bearer {second['token']}"}
    assert mutable_client.get("/api/v1/reports", headers=second_headers).status_code == 200
    revoked = mutable_client.delete(f"/api/v1/users/{second['id']}/tokens", headers=admin)
    assert revoked.status_code == 204
    assert mutable_client.get("/api/v1/reports", headers=second_headers).status_code == 401


def test_a_change_made_by_another_process_takes_effect_on_the_next_request(
    mutable_client, mutable_world
):
    created = _create(mutable_client, mutable_world, "cache_elsewhere")
    headers = {"Authorization": f"Bearer {created['token']}"}
    # as after check_seconds: the worker reads the store's access version before trusting it
    mutable_client.app.state.rights_cache.access.check_seconds = 0.0
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 200
    script = textwrap.dedent(
        f"""
        from data.config.store import ConfigStore
        from serving.access import accounts
        store = ConfigStore({mutable_world.settings.database_url!r})
        with store.session() as session:
            accounts.get_user(session, {created["id"]}).is_active = False
        store.dispose()
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)
    assert mutable_client.get("/api/v1/reports", headers=headers).status_code == 401
    mutable_client.app.state.rights_cache.access.check_seconds = 1.0


def test_the_access_version_is_bumped_in_the_changing_transaction_only(tmp_path):
    from data.config import cache_versions
    from data.config.models.core import Account
    from data.config.store import ConfigStore
    from serving.access import accounts

    url = f"sqlite:///{tmp_path / 'config.sqlite3'}"
    store, other_host = ConfigStore(url), ConfigStore(url)
    with store.session() as session:
        session.add(Account(id=1, name="versioned"))
    before = other_host.version(cache_versions.ACCESS)
    assert before == 1
    with store.session() as session:
        user = accounts.create_user(session, "versioned", "test", account_id=1)
        user_id = user.id
    after = other_host.version(cache_versions.ACCESS)
    assert after > before
    assert store.versions.local(cache_versions.ACCESS) == 2
    assert other_host.versions.local(cache_versions.ACCESS) == 0
    try:
        with store.session() as session:
            accounts.get_user(session, user_id).is_active = False
            session.flush()
            raise RuntimeError("cut off")
    except RuntimeError:
        pass
    assert other_host.version(cache_versions.ACCESS) == after
    assert store.versions.local(cache_versions.ACCESS) == 2
    assert store.version(cache_versions.TAG_EVENTS) == 0  # tag events are their own kind
    store.dispose()
    other_host.dispose()


def test_no_listener_is_registered_on_every_session_by_an_import():
    from sqlalchemy.orm import Session

    import serving.main  # noqa: F401  (everything the API imports)

    plain = Session()
    for name in ("before_flush", "after_flush", "after_commit", "after_rollback"):
        assert len(getattr(plain.dispatch, name)) == 0, name

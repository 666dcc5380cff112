"""SmartTag through the API: training requests (409 while one is open), status, the switch,
versions and rollback. Model files are not needed for any of these."""

from data.config.store import ConfigStore
from models import registry
from models import requests as training
from tests.serving.conftest import auth


def _register(world, version_status: str, actor="ml") -> int:
    store = ConfigStore(world.settings.database_url, migrate_schema=False)
    try:
        with store.session() as session:
            number = registry.next_version(session, 1)
            row = registry.SmartTagVersion(
                account_id=1,
                version=number,
                path=f"/models/{number}",
                tags=["Ипотека"],
                metrics={"smarttag": {"macro_f1": 0.8}, "baseline": {"macro_f1": 0.6}},
                status=version_status,
                created_by=actor,
            )
            session.add(row)
            session.flush()
            if version_status == "promoted":
                registry.promote(session, row, actor, "beat the baseline")
            return number
    finally:
        store.dispose()


def test_training_request_then_409_while_it_is_open(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    body = {"tags": ["Ипотека", "Целевой клиент"], "email": "analyst@agency.ru"}
    first = mutable_client.post("/api/v1/smarttag/training-requests", json=body, headers=admin)
    assert first.status_code == 201
    assert first.json()["status"] == "pending"
    second = mutable_client.post("/api/v1/smarttag/training-requests", json=body, headers=admin)
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    request_id = first.json()["id"]
    shown = mutable_client.get(
        f"/api/v1/smarttag/training-requests/{request_id}", headers=admin
    ).json()
    assert shown["tags"] == ["Ипотека", "Целевой клиент"]
    store = ConfigStore(mutable_world.settings.database_url, migrate_schema=False)
    with store.session() as session:
        training.finish(session, request_id, succeeded=False, message="not enough calls")
    store.dispose()
    assert (
        mutable_client.get(
            f"/api/v1/smarttag/training-requests/{request_id}", headers=admin
        ).json()["status"]
        == "failed"
    )
    third = mutable_client.post("/api/v1/smarttag/training-requests", json=body, headers=admin)
    assert third.status_code == 201
    assert (
        mutable_client.get("/api/v1/smarttag/training-requests/999", headers=admin).status_code
        == 404
    )


def test_switch_versions_and_rollback(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    state = mutable_client.get("/api/v1/smarttag", headers=admin).json()
    if state["active_version"] is None:
        refused = mutable_client.put(
            "/api/v1/smarttag/switch", json={"enabled": True}, headers=admin
        )
        assert refused.status_code == 409
    first = _register(mutable_world, "promoted")
    second = _register(mutable_world, "promoted")
    rejected = _register(mutable_world, "rejected")
    on = mutable_client.put("/api/v1/smarttag/switch", json={"enabled": True}, headers=admin).json()
    assert on["enabled"]
    assert on["active_version"] == second
    back = mutable_client.post(f"/api/v1/smarttag/models/{first}/activate", headers=admin)
    assert back.status_code == 200
    assert back.json()["active_version"] == first
    assert (
        mutable_client.post(
            f"/api/v1/smarttag/models/{rejected}/activate", headers=admin
        ).status_code
        == 409
    )
    assert (
        mutable_client.post("/api/v1/smarttag/models/999/activate", headers=admin).status_code
        == 404
    )
    models = mutable_client.get("/api/v1/smarttag/models", headers=admin).json()
    assert [m["status"] for m in models][-3:] == ["promoted", "promoted", "rejected"]
    assert models[-1]["baseline_macro_f1"] == 0.6


def test_smarttag_needs_its_interface_right(mutable_client, mutable_world):
    headers = auth(mutable_world, "agency_b")
    assert mutable_client.get("/api/v1/smarttag", headers=headers).status_code == 403
    body = {"tags": ["Ипотека"], "email": "b@agency.ru"}
    assert (
        mutable_client.post(
            "/api/v1/smarttag/training-requests", json=body, headers=headers
        ).status_code
        == 403
    )
    presets = mutable_client.get(
        "/api/v1/smarttag/presets", headers=auth(mutable_world, "admin")
    ).json()
    assert {p["name"] for p in presets} == {"real_estate", "auto"}

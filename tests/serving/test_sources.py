"""Data API sources over the API: the integration right, and a token never answered back."""

from tests.serving.conftest import auth

TOKEN = "live-token-0123456789-secret"


def test_sources_need_the_integration_right_and_mask_the_token(mutable_client, mutable_world):
    body = {"token": TOKEN, "url": "http://127.0.0.1:9/v2.0"}
    denied = mutable_client.post(
        "/api/v1/sources", json=body, headers=auth(mutable_world, "agency_a")
    )
    assert denied.status_code == 403
    created = mutable_client.post(
        "/api/v1/sources", json=body, headers=auth(mutable_world, "admin")
    )
    assert created.status_code == 201, created.text
    assert TOKEN not in created.text
    assert created.json()["token"] == "****cret"
    assert created.json()["status"] == "active"
    listed = mutable_client.get("/api/v1/sources", headers=auth(mutable_world, "admin"))
    assert listed.status_code == 200
    assert TOKEN not in listed.text
    assert [s["url"] for s in listed.json()] == [body["url"]]
    bad = mutable_client.post(
        "/api/v1/sources",
        json={"token": "", "url": "ftp://x"},
        headers=auth(mutable_world, "admin"),
    )
    assert bad.status_code == 422

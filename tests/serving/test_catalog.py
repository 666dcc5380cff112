"""Sites with their settings, campaigns and tags, each behind its rights rows."""

from tests.serving.conftest import auth


def test_site_settings_can_be_read_and_changed_with_edit(mutable_client, mutable_world):
    b = auth(mutable_world, "agency_b")
    changed = mutable_client.patch(
        "/api/v1/sites/2", json={"target_call_min_duration": 45, "sales_enabled": False}, headers=b
    )
    assert changed.status_code == 200
    assert changed.json()["target_call_min_duration"] == 45
    assert not changed.json()["sales_enabled"]
    # view without edit
    assert (
        mutable_client.patch("/api/v1/sites/1", json={"cookie_lifetime": 5}, headers=b).status_code
        == 403
    )
    # no view at all: the site does not exist for the caller
    a = auth(mutable_world, "agency_a")
    assert mutable_client.get("/api/v1/sites/2", headers=a).status_code == 404
    assert [s["id"] for s in mutable_client.get("/api/v1/sites", headers=a).json()] == [1]
    bad = mutable_client.patch("/api/v1/sites/2", json={"cookie_lifetime": -1}, headers=b)
    assert bad.status_code == 422


def test_site_creation_needs_the_new_sites_right(mutable_client, mutable_world):
    body = {"domain_name": "новый-сайт.рф"}
    assert (
        mutable_client.post(
            "/api/v1/sites", json=body, headers=auth(mutable_world, "agency_a")
        ).status_code
        == 403
    )
    created = mutable_client.post("/api/v1/sites", json=body, headers=auth(mutable_world, "admin"))
    assert created.status_code == 201
    assert created.json()["domain_name"] == "новый-сайт.рф"
    # a site with campaigns cannot be deleted; an empty one can
    assert (
        mutable_client.delete("/api/v1/sites/1", headers=auth(mutable_world, "admin")).status_code
        == 409
    )
    site_id = created.json()["id"]
    assert (
        mutable_client.delete(
            f"/api/v1/sites/{site_id}", headers=auth(mutable_world, "admin")
        ).status_code
        == 204
    )


def test_campaign_lifecycle_follows_the_site_and_campaign_rows(mutable_client, mutable_world):
    a = auth(mutable_world, "agency_a")
    # agency A may create campaigns on site 1, not on site 2
    refused = mutable_client.post(
        "/api/v1/campaigns", json={"site_id": 2, "name": "x", "channel": "advert"}, headers=a
    )
    assert refused.status_code == 404
    campaign = mutable_client.post(
        "/api/v1/campaigns", json={"site_id": 1, "name": "Весна", "channel": "advert"}, headers=a
    )
    assert campaign.status_code == 201
    listed = mutable_client.get("/api/v1/campaigns", params={"site_id": 1}, headers=a).json()
    assert {c["id"] for c in listed} >= {11, 12}
    deletable = {c["id"]: c["deletable"] for c in listed}
    assert deletable[11] is True
    assert deletable[12] is False
    assert mutable_client.delete("/api/v1/campaigns/11", headers=a).status_code == 204
    assert (
        mutable_client.get("/api/v1/campaigns/11", headers=auth(mutable_world, "admin")).status_code
        == 404
    )


def test_tags_need_the_tags_row(mutable_client, mutable_world):
    admin, b = auth(mutable_world, "admin"), auth(mutable_world, "agency_b")
    names = [t["name"] for t in mutable_client.get("/api/v1/tags", headers=b).json()]
    assert "Ипотека" in names
    assert (
        mutable_client.post("/api/v1/tags", json={"name": "Жалоба"}, headers=b).status_code == 403
    )
    created = mutable_client.post("/api/v1/tags", json={"name": "Жалоба"}, headers=admin)
    assert created.status_code == 201
    assert (
        mutable_client.post("/api/v1/tags", json={"name": "жалоба"}, headers=admin).status_code
        == 409
    )
    assert (
        mutable_client.post("/api/v1/tags", json={"name": "   "}, headers=admin).status_code == 422
    )
    tag_id = created.json()["id"]
    renamed = mutable_client.patch(
        f"/api/v1/tags/{tag_id}", json={"name": "Претензия"}, headers=admin
    )
    assert renamed.json()["name"] == "Претензия"
    system = next(
        t for t in mutable_client.get("/api/v1/tags", headers=admin).json() if t["is_system"]
    )
    assert mutable_client.delete(f"/api/v1/tags/{system['id']}", headers=admin).status_code == 409
    assert mutable_client.delete(f"/api/v1/tags/{tag_id}", headers=admin).status_code == 204

"""The communications list (filters, text search, cursor pagination, CSV), the detail view and
manual tags with provenance."""

import csv
import io

from tests.serving.conftest import auth
from tests.serving.world import of_account


def _ids(client, world, login="admin", **params):
    response = client.get(
        "/api/v1/communications", params={"limit": 500, **params}, headers=auth(world, login)
    )
    assert response.status_code == 200, response.text
    return [i["communication_id"] for i in response.json()["items"]]


def test_cursor_pagination_walks_every_row_once_newest_first(client, world):
    headers = auth(world, "admin")
    seen, times, cursor = [], [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/communications", params=params, headers=headers).json()
        seen += [i["communication_id"] for i in page["items"]]
        times += [i["date_time"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # the admin of account 1 walks exactly account 1's communications
    assert sorted(seen) == sorted(of_account(world, 1))
    assert len(seen) == len(set(seen))
    assert times == sorted(times, reverse=True)


def test_bad_cursor_is_422(client, world):
    response = client.get(
        "/api/v1/communications", params={"cursor": "not-a-cursor"}, headers=auth(world, "admin")
    )
    assert response.status_code == 422


def test_filters_by_date_type_site_campaign(client, world):
    day = _ids(client, world, date_from="2026-05-02T00:00:00", date_till="2026-05-02T23:59:59")
    assert len(day) == 14
    chats = _ids(client, world, communication_type=["chat"])
    assert chats
    assert all(c.startswith("chat:") for c in chats)
    campaign = _ids(client, world, campaign_id=[21, 23])
    assert len(campaign) == 12
    site = _ids(client, world, site_id=[2])
    assert len(site) == 9  # campaign 23 (6) and site 2 without campaign (3)
    both = _ids(client, world, site_id=[2], communication_type=["call"])
    assert len(both) == 6
    # a time zone offset is read as that moment in local time
    aware = _ids(
        client, world, date_from="2026-05-02T00:00:00+03:00", date_till="2026-05-02T23:59:59+03:00"
    )
    assert aware == day
    inverted = client.get(
        "/api/v1/communications",
        params={"date_from": "2026-05-03T00:00:00", "date_till": "2026-05-01T00:00:00"},
        headers=auth(world, "admin"),
    )
    assert inverted.status_code == 422


def test_text_search_handles_inflection_case_and_yo(client, world):
    # "ипотекой" matches "ипотека" and "ипотеку" in chats and call transcripts
    found = set(_ids(client, world, q="Ипотекой"))
    assert found == set(world.communications["a"]) | set(world.communications["b"])
    # «ёлки» is written with ё in the text; «елка» finds it in another form
    unrelated = {"none", "site_only", "no_campaign"}
    expected = {c for owner in unrelated for c in world.communications[owner]}
    assert set(_ids(client, world, q="ЕЛКА")) == expected
    both = set(_ids(client, world, q="ипотека взнос"))
    assert both == set(world.communications["b"])
    assert _ids(client, world, q="несуществующееслово") == []


def test_tag_and_spam_filters(client, world):
    tagged = set(_ids(client, world, tag=["Ипотека"]))
    assert tagged
    assert all(c in world.communications["a"] + world.communications["b"] for c in tagged)
    assert set(_ids(client, world, is_spam=False)) == of_account(world, 1)
    assert _ids(client, world, is_spam=True) == []


def test_detail_has_transcript_prosody_and_tag_provenance(client, world):
    call = next(c for c in world.communications["a"] if c.startswith("call:"))
    detail = client.get(f"/api/v1/communications/{call}", headers=auth(world, "admin")).json()
    assert detail["campaign_id"] == 11  # the first of agency A's calls
    assert detail["transcript"]["status"] == "ok"
    assert "ипотека" in detail["transcript"]["turns"][0]["text"]
    assert detail["transcript"]["prosody"] == {"client": {"pitch_mean": 180.0}}
    assert detail["has_recording"] is True
    tags = {t["tag"]: t for t in detail["tag_provenance"]}
    assert tags["Ипотека"]["source"] == "autotag"
    assert tags["Ипотека"]["source_ref"] == "r1@1"
    assert tags["Ипотека"]["evidence"] == [{"word": "ипотека"}]
    assert detail["date_time"].endswith("+03:00")
    lead = world.communications["none"][0]
    lead_detail = client.get(f"/api/v1/communications/{lead}", headers=auth(world, "admin")).json()
    assert lead_detail["contact"]["visitor_name"] == "Иван"
    assert "ёлки" in lead_detail["turns"][0]["text"]
    assert (
        client.get("/api/v1/communications/call:999999", headers=auth(world, "admin")).status_code
        == 404
    )
    assert (
        client.get("/api/v1/communications/bogus", headers=auth(world, "admin")).status_code == 422
    )


def test_manual_tags_are_recorded_with_provenance(mutable_client, mutable_world):
    a = auth(mutable_world, "agency_a")
    call = next(c for c in mutable_world.communications["a"] if c.startswith("call:"))
    added = mutable_client.post(
        f"/api/v1/communications/{call}/tags", json={"tag": "Целевой клиент"}, headers=a
    )
    assert added.status_code == 201
    manual = next(t for t in added.json() if t["tag"] == "Целевой клиент")
    assert manual["source"] == "manual"
    assert manual["set_by"] == "agency_a"
    listed = mutable_client.get(
        "/api/v1/communications", params={"tag": "Целевой клиент"}, headers=a
    ).json()
    assert [i["communication_id"] for i in listed["items"]] == [call]
    assert "Целевой клиент" in listed["items"][0]["tags"]
    # a tag that is not the account's is refused; removing records the event too
    assert (
        mutable_client.post(
            f"/api/v1/communications/{call}/tags", json={"tag": "Выдумка"}, headers=a
        ).status_code
        == 422
    )
    removed = mutable_client.delete(f"/api/v1/communications/{call}/tags/Целевой клиент", headers=a)
    assert removed.status_code == 200
    assert all(t["tag"] != "Целевой клиент" for t in removed.json())
    detail = mutable_client.get(f"/api/v1/communications/{call}", headers=a).json()
    assert [(e["tag"], e["action"], e["actor"]) for e in detail["tag_history"]] == [
        ("Целевой клиент", "set", "agency_a"),
        ("Целевой клиент", "remove", "agency_a"),
    ]
    assert (
        mutable_client.delete(
            f"/api/v1/communications/{call}/tags/Целевой клиент", headers=a
        ).status_code
        == 404
    )


def test_removing_an_automatic_tag_hides_it_from_the_tag_filter(mutable_client, mutable_world):
    admin = auth(mutable_world, "admin")
    before = mutable_client.get(
        "/api/v1/communications", params={"tag": "Ипотека", "limit": 500}, headers=admin
    ).json()
    victim = before["items"][0]["communication_id"]
    mutable_client.delete(f"/api/v1/communications/{victim}/tags/Ипотека", headers=admin)
    after = mutable_client.get(
        "/api/v1/communications", params={"tag": "Ипотека", "limit": 500}, headers=admin
    ).json()
    assert victim not in {i["communication_id"] for i in after["items"]}
    assert len(after["items"]) == len(before["items"]) - 1


def test_manual_tags_need_the_tags_right(mutable_client, mutable_world):
    call = next(c for c in mutable_world.communications["b"] if c.startswith("call:"))
    response = mutable_client.post(
        f"/api/v1/communications/{call}/tags",
        json={"tag": "Ипотека"},
        headers=auth(mutable_world, "agency_b"),
    )
    assert response.status_code == 403


def test_csv_export_has_every_filtered_row(client, world):
    response = client.get(
        "/api/v1/communications/export.csv",
        params={"campaign_id": [21]},
        headers=auth(world, "admin"),
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    assert {r["campaign_id"] for r in rows} == {"21"}
    assert response.headers["content-disposition"].startswith("attachment")

"""The rights matrix: two agencies with disjoint campaigns in one account, and a second account.

Every id of the other agency's communications, campaigns, recordings and report rows is tried,
and every request must be refused or filtered. Contact data is masked without its right, and
delete without edit is impossible."""

import csv
import io

import pytest

from tests.serving.conftest import auth
from tests.serving.world import CAMPAIGNS, of_account

AGENCY_CAMPAIGNS = {
    "agency_a": {c for c, (_, agency, _) in CAMPAIGNS.items() if agency == "a"},
    "agency_b": {c for c, (_, agency, _) in CAMPAIGNS.items() if agency == "b"},
}
OTHER = {"agency_a": "agency_b", "agency_b": "agency_a"}
OWN_KEY = {"agency_a": "a", "agency_b": "b"}


def _all_pages(client, headers, **params):
    items, cursor = [], None
    while True:
        query = {**params, "limit": 7, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/communications", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _visible_ids(world, login):
    ids = set(world.communications[OWN_KEY[login]]) | set(world.communications["none"])
    if login == "agency_b":  # B may view site 2, whose communications without a campaign show
        ids |= set(world.communications["site_only"])
    return ids


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_list_shows_exactly_what_the_campaigns_allow(client, world, login):
    items = _all_pages(client, auth(world, login))
    assert {i["communication_id"] for i in items} == _visible_ids(world, login)
    assert len(items) == len({i["communication_id"] for i in items})
    assert not {i["campaign_id"] for i in items} & AGENCY_CAMPAIGNS[OTHER[login]]


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_filters_cannot_widen_the_scope(client, world, login):
    other = sorted(AGENCY_CAMPAIGNS[OTHER[login]])
    items = _all_pages(client, auth(world, login), campaign_id=other)
    assert items == []
    items = _all_pages(client, auth(world, login), site_id=[1, 2], tag=["Ипотека"])
    assert not {i["campaign_id"] for i in items} & set(other)


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_csv_export_is_filtered_too(client, world, login):
    response = client.get("/api/v1/communications/export.csv", headers=auth(world, login))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["communication_id"] for r in rows} == _visible_ids(world, login)


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_every_other_agency_communication_is_refused(client, world, login):
    headers = auth(world, login)
    for communication_id in world.communications[OWN_KEY[OTHER[login]]]:
        base = f"/api/v1/communications/{communication_id}"
        assert client.get(base, headers=headers).status_code == 404
        assert client.get(f"{base}/recording", headers=headers).status_code == 404
        tagged = client.post(f"{base}/tags", json={"tag": "Ипотека"}, headers=headers)
        assert tagged.status_code == 404
        assert client.delete(f"{base}/tags/Ипотека", headers=headers).status_code == 404


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_every_other_agency_campaign_is_refused(client, world, login):
    headers = auth(world, login)
    listed = {c["id"] for c in client.get("/api/v1/campaigns", headers=headers).json()}
    assert listed == AGENCY_CAMPAIGNS[login]
    for campaign_id in AGENCY_CAMPAIGNS[OTHER[login]] | {13}:
        url = f"/api/v1/campaigns/{campaign_id}"
        assert client.get(url, headers=headers).status_code == 404
        assert client.patch(url, json={"name": "x"}, headers=headers).status_code == 404
        assert client.delete(url, headers=headers).status_code == 404


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_report_rows_are_filtered_by_campaign(client, world, login):
    headers = auth(world, login)
    page = client.get("/api/v1/reports/end-to-end", headers=headers).json()
    assert {row["campaign_id"] for row in page["rows"]} == AGENCY_CAMPAIGNS[login]
    for campaign_id in AGENCY_CAMPAIGNS[OTHER[login]]:
        response = client.get(
            "/api/v1/reports/end-to-end", params={"campaign_id": campaign_id}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["rows"] == []
    # an account-wide report would show the other agency's results: refused
    assert client.get("/api/v1/reports/attribution", headers=headers).status_code == 403


@pytest.mark.parametrize("login", ["agency_a", "agency_b"])
def test_deals_follow_the_campaign_of_their_communication(client, world, login):
    page = client.get("/api/v1/reports/deals", headers=auth(world, login)).json()
    shown = {row["communication_id"] for row in page["rows"]}
    assert shown
    assert shown <= set(world.communications[OWN_KEY[login]])
    assert not shown & set(world.communications[OWN_KEY[OTHER[login]]])


def test_admin_sees_everything_of_their_account(client, world):
    items = _all_pages(client, auth(world, "admin"))
    assert {i["communication_id"] for i in items} == of_account(world, 1)
    assert len(items) == len(of_account(world, 1))
    page = client.get("/api/v1/reports/end-to-end", headers=auth(world, "admin")).json()
    assert {row["campaign_id"] for row in page["rows"]} == set(CAMPAIGNS)


def test_contact_data_is_masked_without_its_right(client, world):
    shared = world.communications["none"][0]  # a lead both agencies see
    with_right = client.get(f"/api/v1/communications/{shared}", headers=auth(world, "agency_a"))
    without = client.get(f"/api/v1/communications/{shared}", headers=auth(world, "agency_b"))
    assert with_right.json()["contact"]["email"] == "ivan@example.ru"
    assert with_right.json()["contact_phone_number"].isdigit()
    masked = without.json()
    assert "*" in masked["contact_phone_number"]
    assert "*" in masked["contact"]["phone_number"]
    assert masked["contact"]["email"] == "i***@example.ru"
    listed = _all_pages(client, auth(world, "agency_b"))
    assert all("*" in i["contact_phone_number"] for i in listed if i["contact_phone_number"])
    exported = client.get("/api/v1/communications/export.csv", headers=auth(world, "agency_b"))
    assert "7916" in exported.text
    assert all(
        "*" in row["contact_phone_number"] for row in csv.DictReader(io.StringIO(exported.text))
    )


def test_recordings_need_their_right(client, world):
    own_call_b = next(c for c in world.communications["b"] if c.startswith("call:"))
    assert (
        client.get(
            f"/api/v1/communications/{own_call_b}/recording", headers=auth(world, "agency_b")
        ).status_code
        == 403
    )
    own_call_a = next(c for c in world.communications["a"] if c.startswith("call:"))
    response = client.get(
        f"/api/v1/communications/{own_call_a}/recording", headers=auth(world, "agency_a")
    )
    assert response.status_code == 200
    assert response.content.startswith(b"RIFF")


def test_delete_without_edit_cannot_be_granted(client, world):
    admin = auth(world, "admin")
    user_id = world.user_ids["agency_b"]
    rights = client.get(f"/api/v1/users/{user_id}/rights", headers=admin).json()
    rights["campaigns"][0].update(edit=False, delete=True)
    response = client.put(f"/api/v1/users/{user_id}/rights", json=rights, headers=admin)
    assert response.status_code == 422
    assert "delete requires edit" in response.text


def test_delete_is_refused_without_the_delete_right(client, world):
    # agency B may edit campaign 21 but not delete it
    response = client.delete("/api/v1/campaigns/21", headers=auth(world, "agency_b"))
    assert response.status_code == 403


def test_integrated_and_no_campaign_campaigns_cannot_be_deleted(client, world):
    admin = auth(world, "admin")
    assert client.delete("/api/v1/campaigns/12", headers=admin).status_code == 409
    assert client.delete("/api/v1/campaigns/13", headers=admin).status_code == 409
    user_id = world.user_ids["agency_a"]
    rights = client.get(f"/api/v1/users/{user_id}/rights", headers=admin).json()
    for row in rights["campaigns"]:
        if row["campaign_id"] == 12:
            row.update(edit=True, delete=True)
    response = client.put(f"/api/v1/users/{user_id}/rights", json=rights, headers=admin)
    assert response.status_code == 422
    assert "cannot be granted" in response.text


def test_agency_cannot_manage_users_or_read_others_rights(client, world):
    headers = auth(world, "agency_a")
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    other = world.user_ids["agency_b"]
    assert client.get(f"/api/v1/users/{other}/rights", headers=headers).status_code == 403
    assert client.get("/api/v1/users/export.csv", headers=headers).status_code == 403
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["user"]["login"] == "agency_a"


def test_every_id_of_account_one_is_refused_to_account_twos_admin(client, world):
    """The second account's full-access user enumerates every id of the first account."""
    headers = auth(world, "admin2")
    for owner, ids in world.communications.items():
        if owner == "other":
            continue
        for communication_id in ids:
            base = f"/api/v1/communications/{communication_id}"
            assert client.get(base, headers=headers).status_code == 404
            assert client.get(f"{base}/recording", headers=headers).status_code == 404
            tagged = client.post(f"{base}/tags", json={"tag": "Ипотека"}, headers=headers)
            assert tagged.status_code == 404
    for site_id in (1, 2):
        assert client.get(f"/api/v1/sites/{site_id}", headers=headers).status_code == 404
    for campaign_id in CAMPAIGNS:
        assert client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).status_code == 404
        report = client.get(
            "/api/v1/reports/end-to-end", params={"campaign_id": campaign_id}, headers=headers
        )
        assert report.status_code == 200
        assert report.json()["rows"] == []
    for login in ("admin", "agency_a", "agency_b"):
        user_id = world.user_ids[login]
        assert client.get(f"/api/v1/users/{user_id}", headers=headers).status_code == 404
    tags = client.get("/api/v1/tags", headers=auth(world, "admin")).json()
    for tag in tags:
        renamed = client.patch(f"/api/v1/tags/{tag['id']}", json={"name": "x"}, headers=headers)
        assert renamed.status_code == 404
    listed = {i["communication_id"] for i in _all_pages(client, headers)}
    assert listed == of_account(world, 2)


@pytest.mark.parametrize(("login", "shown"), [("agency_a", {11.0}), ("agency_b", {21.0})])
def test_report_deals_with_float_campaign_ids(client, world, login, shown):
    """``report_deals`` keeps campaign_id as a float; rights still apply, no 500."""
    response = client.get("/api/v1/reports/report_deals", headers=auth(world, login))
    assert response.status_code == 200, response.text
    campaigns = {row["campaign_id"] for row in response.json()["rows"]}
    assert campaigns - {None} == shown
    admin2 = client.get("/api/v1/reports/report_deals", headers=auth(world, "admin2")).json()
    assert {row["campaign_id"] for row in admin2["rows"]} == {31.0}


@pytest.mark.parametrize(
    ("login", "campaigns"), [("agency_a", {11, 12}), ("admin", set(CAMPAIGNS)), ("admin2", {31})]
)
def test_report_totals_over_a_period_are_the_callers_rows_summed(client, world, login, campaigns):
    headers = auth(world, login)
    path = "/api/v1/reports/end-to-end/totals"
    period = {"date_from": "2026-05-01", "date_till": "2026-05-03"}
    total = client.get(path, params=period, headers=headers)
    assert total.status_code == 200, total.text
    (row,) = total.json()["rows"]
    # the world's report: 10 visits, 300 cost and 1000 revenue per campaign and day
    assert row["visits"] == 10 * 3 * len(campaigns)
    assert row["cost"] == 300 * 3 * len(campaigns)
    assert row["roi"] == pytest.approx((1000 - 300) / 300)
    grouped = client.get(path, params={**period, "group_by": "campaign_id"}, headers=headers)
    by_campaign = {r["campaign_id"]: r["visits"] for r in grouped.json()["rows"]}
    assert by_campaign == dict.fromkeys(campaigns, 30)
    one_day = client.get(
        path, params={"date_from": "2026-05-02", "date_till": "2026-05-02"}, headers=headers
    )
    assert one_day.json()["rows"][0]["visits"] == 10 * len(campaigns)

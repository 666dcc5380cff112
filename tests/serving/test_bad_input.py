"""Bad requests answer a 4xx that says why, never a 500 or a cut stream."""

from data.config.models.core import VirtualNumber
from data.config.store import ConfigStore
from tests.serving.conftest import auth

API = "/api/v1"


def test_deleting_a_campaign_others_refer_to_is_409_naming_them(mutable_client, mutable_world):
    headers = auth(mutable_world, "admin")
    made = [
        mutable_client.post(
            f"{API}/campaigns",
            headers=headers,
            json={"site_id": 1, "name": f"bad-input {n}", "channel": "seo"},
        ).json()["id"]
        for n in range(2)
    ]
    store = ConfigStore(mutable_world.settings.database_url)
    with store.session() as session:
        session.add(VirtualNumber(number="74957770001", account_id=1, campaign_id=made[0]))
    store.dispose()
    refused = mutable_client.delete(f"{API}/campaigns/{made[0]}", headers=headers)
    assert refused.status_code == 409, refused.text
    assert "virtual_numbers (74957770001) by campaign_id" in refused.json()["detail"]
    assert mutable_client.get(f"{API}/campaigns/{made[0]}", headers=headers).status_code == 200
    # the positive case: nothing refers to the other one (and, once freed, to the first)
    assert mutable_client.delete(f"{API}/campaigns/{made[1]}", headers=headers).status_code == 204
    store = ConfigStore(mutable_world.settings.database_url)
    with store.session() as session:
        session.delete(session.get(VirtualNumber, "74957770001"))
    store.dispose()
    assert mutable_client.delete(f"{API}/campaigns/{made[0]}", headers=headers).status_code == 204


def test_a_site_naming_an_account_is_422(mutable_client, mutable_world):
    """A site belongs to the caller's account: naming one in the body is refused by name."""
    headers = auth(mutable_world, "admin")
    site = {"domain_name": "bad-input.example.ru"}
    refused = mutable_client.post(f"{API}/sites", headers=headers, json={**site, "account_id": 999})
    assert refused.status_code == 422, refused.text
    assert "account_id" in refused.json()["detail"]
    made = mutable_client.post(f"{API}/sites", headers=headers, json=site)
    assert made.status_code == 201, made.text
    gone = mutable_client.delete(f"{API}/sites/{made.json()['id']}", headers=headers)
    assert gone.status_code == 204, gone.text


def test_dates_near_the_ends_of_the_calendar_are_422(client, world):
    headers = auth(world, "admin")
    for value in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1899-12-31T00:00:00"):
        answer = client.get(f"{API}/communications", headers=headers, params={"date_from": value})
        assert answer.status_code == 422, (value, answer.text)
        assert "must be between 1900-01-01 and 2999-12-31" in answer.json()["detail"]
    for report_date in ("0001-01-01", "9999-12-31"):
        answer = client.get(
            f"{API}/reports/end-to-end", headers=headers, params={"date_till": report_date}
        )
        assert answer.status_code == 422, answer.text
    ok = client.get(
        f"{API}/communications", headers=headers, params={"date_from": "2026-05-01T00:00:00+03:00"}
    )
    assert ok.status_code == 200
    assert ok.json()["items"]


def test_a_csv_export_refuses_a_bad_query_before_the_stream_starts(client, world):
    headers = auth(world, "admin")
    refused = client.get(f"{API}/communications/export.csv", headers=headers, params={"q": "*"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == "text: the search text has no words"
    ok = client.get(f"{API}/communications/export.csv", headers=headers, params={"q": "ипотека"})
    assert ok.status_code == 200
    assert len(ok.text.strip().splitlines()) > 1  # a header and the matching rows


def test_405_names_the_allowed_methods(client, world):
    headers = auth(world, "admin")
    answer = client.put(f"{API}/campaigns/11", headers=headers)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, GET, HEAD, PATCH"
    assert client.get(f"{API}/campaigns/11", headers=headers).status_code == 200
    assert client.post(f"{API}/sites/1", headers=headers).headers["allow"] == (
        "DELETE, GET, HEAD, PATCH"
    )

"""Reports per account: each report opens with its own right, and attribution is computed
from each account's own paths.

The two accounts' marts come from analytics' own code over the world's communications and
deals: account 1 has six campaigns with a won deal each per day, account 2 one. Whoever reads
the attribution sees their account's credits alone."""

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from analytics.marts import build_account_marts, paths_by_account, read_inputs
from data.config.queries import campaigns_frame, sites_frame
from data.config.store import ConfigStore
from data.warehouse import Warehouse
from serving.access import accounts
from serving.main import create_app
from serving.schemas.rights import RightsSpec
from tests.serving.conftest import auth
from tests.serving.world import CAMPAIGNS, DAYS, build

SEE_ALL = {"view": True, "edit": False, "create": False, "delete": False}
# every site and campaign of account 1 in sight, and the ones created later
SIGHT = {
    "sites": [{"site_id": s, **SEE_ALL} for s in (1, 2)],
    "campaigns": [{"campaign_id": c, **SEE_ALL} for c in CAMPAIGNS],
    "new_sites": SEE_ALL,
    "new_campaigns": SEE_ALL,
}
# won deals per day: one per call of a campaign (account 1: six campaigns, account 2: one)
REVENUE = {1: 6 * 1000.0, 2: 1 * 1000.0}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("report-rights"))
    store = ConfigStore(world.settings.database_url)
    warehouse = Warehouse(world.settings.warehouse_dir)
    with store.session() as session:
        sites, campaigns = sites_frame(session), campaigns_frame(session)
        # account 1's user who sees every campaign but holds only the attribution report
        analyst = accounts.create_user(session, "analyst", "test", account_id=1)
        spec = RightsSpec(**SIGHT, interfaces={"report_attribution": SEE_ALL})
        accounts.save_rights(session, analyst.rights_set, spec, "test", account_id=1)
        world.tokens["analyst"] = accounts.issue_token(session, analyst)
        # the same sight without any report right
        viewer = accounts.create_user(session, "viewer", "test", account_id=1)
        spec = RightsSpec(**SIGHT)
        accounts.save_rights(session, viewer.rights_set, spec, "test", account_id=1)
        world.tokens["viewer"] = accounts.issue_token(session, viewer)
    store.dispose()
    for day in DAYS:
        marts = build_account_marts(read_inputs(warehouse, day, sites, campaigns), day=day)
        warehouse.write_partition("attribution_by_model", day, marts.attribution)
        warehouse.write_partition("attribution_paths", day, paths_by_account(marts.paths))
        warehouse.write_partition("report_associated_conversions", day, marts.associated)
    with TestClient(create_app(world.settings)) as client:
        yield client, world


def _rows(client, world, login, report, **params):
    response = client.get(f"/api/v1/reports/{report}", params=params, headers=auth(world, login))
    assert response.status_code == 200, response.text
    return response.json()["rows"]


@pytest.mark.parametrize(("login", "account"), [("admin", 1), ("admin2", 2), ("analyst", 1)])
def test_attribution_is_the_callers_accounts_own(reports, login, account):
    client, world = reports
    rows = _rows(client, world, login, "attribution", model="last", limit=10_000)
    assert rows
    assert {row["account_id"] for row in rows} == {account}
    by_day = pd.DataFrame(rows).groupby("date")["total_conversion_value"].sum()
    # every day's credits are exactly the account's own revenue, never the other's added
    assert by_day.to_dict() == {day.isoformat(): REVENUE[account] for day in DAYS}


def test_each_accounts_paths_hold_its_own_conversions_only(reports):
    client, world = reports
    for login, account in (("admin", 1), ("admin2", 2)):
        rows = _rows(client, world, login, "attribution_paths", limit=10_000)
        assert {row["account_id"] for row in rows} == {account}
        converted = sum(row["total_conversion_value"] for row in rows)
        assert converted == REVENUE[account] * len(DAYS)


@pytest.mark.parametrize(("login", "account"), [("admin", 1), ("admin2", 2)])
def test_attribution_totals_over_a_period(reports, login, account):
    client, world = reports
    period = {"date_from": DAYS[0].isoformat(), "date_till": DAYS[-1].isoformat()}
    response = client.get(
        "/api/v1/reports/attribution/totals",
        params={**period, "group_by": "model"},
        headers=auth(world, login),
    )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert len(rows) == 8  # every model, each crediting the period's revenue once
    for row in rows:
        assert row["total_conversion_value"] == pytest.approx(REVENUE[account] * len(DAYS))
        assert row["total_conversions"] == pytest.approx(REVENUE[account] / 1000 * len(DAYS))
    one_day = client.get(
        "/api/v1/reports/attribution/totals",
        params={"date_from": DAYS[1].isoformat(), "date_till": DAYS[1].isoformat()},
        headers=auth(world, login),
    ).json()["rows"]
    assert one_day[0]["total_conversion_value"] == pytest.approx(8 * REVENUE[account])


def test_an_operator_sees_each_accounts_attribution_apart(reports):
    client, world = reports
    response = client.get(
        "/api/v1/reports/attribution/totals",
        params={"group_by": "account_id", "model": "markov"},
        headers=auth(world, "operator"),
    )
    assert response.status_code == 200, response.text
    by_account = {r["account_id"]: r["total_conversion_value"] for r in response.json()["rows"]}
    assert by_account == pytest.approx({a: REVENUE[a] * len(DAYS) for a in (1, 2)})


def test_associated_conversions_totals_recompute_the_ratio(reports):
    client, world = reports
    response = client.get(
        "/api/v1/reports/associated-conversions/totals",
        params={"group_by": "channel"},
        headers=auth(world, "admin2"),
    )
    assert response.status_code == 200, response.text
    (row,) = response.json()["rows"]
    assert row["channel"] == "advert"
    assert row["last_touch_value"] == REVENUE[2] * len(DAYS)
    assert row["assisted_to_last_touch"] == 0.0


def test_a_report_needs_its_own_right(reports):
    client, world = reports
    viewer, analyst = auth(world, "viewer"), auth(world, "analyst")
    # sees every campaign, holds no report right: every report is closed
    for report in ("attribution", "end-to-end", "deals", "associated-conversions"):
        response = client.get(f"/api/v1/reports/{report}", headers=viewer)
        assert response.status_code == 403, report
        assert "no right to view the report" in response.json()["detail"]
    assert client.get("/api/v1/reports/attribution/totals", headers=viewer).status_code == 403
    assert client.get("/api/v1/reports", headers=viewer).json() == []
    # the attribution right opens attribution (and its paths), nothing else
    assert client.get("/api/v1/reports/attribution", headers=analyst).status_code == 200
    assert client.get("/api/v1/reports/end-to-end", headers=analyst).status_code == 403
    assert client.get("/api/v1/reports/end-to-end/totals", headers=analyst).status_code == 403
    listed = {r["name"] for r in client.get("/api/v1/reports", headers=analyst).json()}
    assert listed == {"attribution", "attribution_paths"}


def test_the_attribution_right_does_not_open_another_agencys_results(reports):
    """An agency that sees part of the account's campaigns gets no account-wide report, even
    with the report's right."""
    client, world = reports
    admin = auth(world, "admin")
    user_id = world.user_ids["agency_a"]
    rights = client.get(f"/api/v1/users/{user_id}/rights", headers=admin).json()
    rights["interfaces"]["report_attribution"] = SEE_ALL
    saved = client.put(f"/api/v1/users/{user_id}/rights", json=rights, headers=admin)
    assert saved.status_code == 200, saved.text
    response = client.get("/api/v1/reports/attribution", headers=auth(world, "agency_a"))
    assert response.status_code == 403
    assert "account-wide" in response.json()["detail"]


def test_nobody_grants_a_report_right_they_do_not_hold(reports):
    client, world = reports
    admin = auth(world, "admin")
    manager_id = world.user_ids["agency_b"]
    rights = client.get(f"/api/v1/users/{manager_id}/rights", headers=admin).json()
    rights["interfaces"]["users"] = {"view": True, "edit": True, "create": True, "delete": False}
    saved = client.put(f"/api/v1/users/{manager_id}/rights", json=rights, headers=admin)
    assert saved.status_code == 200, saved.text
    manager = auth(world, "agency_b")

    def create(login, report):
        body = {"login": login, "rights": {"interfaces": {report: SEE_ALL}}}
        return client.post("/api/v1/users", json=body, headers=manager)

    refused = create("contractor1", "report_associated_conversions")
    assert refused.status_code == 403, refused.text
    assert "report_associated_conversions" in refused.json()["detail"]
    assert create("contractor2", "report_end_to_end").status_code == 201  # one B holds


def test_an_unknown_group_and_an_unknown_report_are_refused(reports):
    client, world = reports
    admin = auth(world, "admin")
    bad = client.get("/api/v1/reports/attribution/totals?group_by=site_id", headers=admin)
    assert bad.status_code == 422
    assert "group_by" in bad.json()["detail"]
    assert client.get("/api/v1/reports/no_such_report", headers=admin).status_code == 404
    assert client.get("/api/v1/reports/report_nothing/totals", headers=admin).status_code == 404


def test_every_declared_report_right_can_be_granted():
    from typing import get_args

    from serving.access.rights import ALL_INTERFACES, REPORT_RIGHTS
    from serving.schemas.rights import InterfaceName

    assert set(REPORT_RIGHTS) <= set(get_args(InterfaceName)) <= set(ALL_INTERFACES)

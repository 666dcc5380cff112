"""The analytics marts as Dagster assets: partitions, metadata plots and asset checks."""

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from data.config.models.core import Account, Campaign, Site
from data.config.store import ConfigStore
from data.warehouse import Warehouse
from pipelines.defs.analytics.assets import analytics_marts
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tests.analytics.scenario import BLOCKED, COMMUNICATIONS, COSTS, DEALS, SESSIONS, SITES


def write_by_day(warehouse: Warehouse, table: str, frame: pd.DataFrame, column: str) -> None:
    days = pd.to_datetime(frame[column]).dt.date
    for day in sorted(set(days)):
        part = frame[days == day]
        warehouse.write_partition(
            table, day, part.drop(columns=[column] if column == "date" else [])
        )


@pytest.fixture
def account(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse")
    write_by_day(warehouse, "visitor_sessions", SESSIONS, "date_time")
    write_by_day(warehouse, "communications", COMMUNICATIONS, "date_time")
    write_by_day(warehouse, "deals", DEALS, "date_time")
    write_by_day(warehouse, "ad_costs", COSTS, "date")
    warehouse.write_partition("blocked_calls", dt.date(2026, 5, 20), BLOCKED)
    url = f"sqlite:///{tmp_path / 'config.sqlite3'}"
    store = ConfigStore(url)
    with store.session() as session:
        session.add(Account(id=1, name="Магазин"))
        session.flush()
        for site in SITES.to_dict("records"):
            session.add(Site(id=site.pop("site_id"), account_id=1, **site))
        session.flush()
        session.add(Campaign(id=10, account_id=1, site_id=1, name="Поиск", channel="advert"))
    return warehouse, url


def materialize(warehouse, url, day):
    return dg.materialize(
        [analytics_marts],
        partition_key=day,
        resources={
            "warehouse": WarehouseResource(root=str(warehouse.root)),
            "config_store": ConfigStoreResource(url=url),
        },
        selection=[analytics_marts],
        raise_on_error=True,
    )


@pytest.mark.slow
def test_day_materializes_marts_plots_and_passing_checks(account):
    warehouse, url = account
    result = materialize(warehouse, url, "2026-05-20")
    assert result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {
        "credits_sum_to_totals": True,
        "no_negative_costs": True,
        "deals_linked_or_unlinked": True,
    }
    meta = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.get_asset_materialization_events()
        for m in [m.materialization]
    }
    assert meta["report_end_to_end"]["funnel"].value.startswith("![](data:image/png;base64,")
    assert meta["report_end_to_end"]["roi_by_channel"].value.startswith(
        "![](data:image/png;base64,"
    )
    assert meta["attribution_by_model"]["models_compared"].value.startswith(
        "![](data:image/png;base64,"
    )
    assert meta["report_deals"]["unlinked"].value == 1

    report = warehouse.read("report_end_to_end")
    assert set(report["date"].astype(str)) == {"2026-05-20"}
    assert report["revenue"].sum() == 1000  # deals 2, 3 (unlinked) and 6; deal 5's site is off
    attribution = warehouse.read("attribution_by_model")
    assert attribution.groupby("model")["total_conversion_value"].sum().tolist() == pytest.approx(
        [700.0] * 8
    )
    paths = warehouse.read("attribution_paths")
    assert {"path", "total_conversions", "total_conversion_value", "total_null"} <= set(
        paths.columns
    )
    # every mart is the account's (the site's account in the config store)
    for table in (
        "report_end_to_end",
        "report_deals",
        "report_associated_conversions",
        "attribution_by_model",
        "attribution_paths",
        "report_exclusions",
    ):
        assert set(warehouse.read(table)["account_id"]) == {1}, table
    assert set(warehouse.read("report_exclusions")["reason"]) == {
        "subdomain is not tracked for the site",
        "spam-blocked call",
        "sales accounting is off for the site",
    }


@pytest.mark.slow
def test_negative_cost_fails_its_check(account):
    warehouse, url = account
    warehouse.write_partition(
        "ad_costs",
        dt.date(2026, 5, 20),
        pd.DataFrame({"campaign_id": [10], "site_id": [1], "cost_sum": [-5.0]}),
    )
    result = materialize(warehouse, url, "2026-05-20")
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["no_negative_costs"] is False


def test_one_mart_can_be_materialized_alone(account):
    warehouse, url = account
    result = dg.materialize(
        [analytics_marts],
        partition_key="2026-05-20",
        resources={
            "warehouse": WarehouseResource(root=str(warehouse.root)),
            "config_store": ConfigStoreResource(url=url),
        },
        selection=["attribution_by_model"],
    )
    assert result.success
    done = {
        e.materialization.asset_key.to_user_string()
        for e in result.get_asset_materialization_events()
    }
    assert done == {"attribution_by_model"}
    assert [c.check_name for c in result.get_asset_check_evaluations()] == ["credits_sum_to_totals"]
    assert warehouse.has_table("attribution_by_model")
    assert not warehouse.has_table("report_end_to_end")


def _both(own: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([own, other.dropna(axis=1, how="all")], ignore_index=True)


@pytest.mark.slow
def test_two_accounts_materialize_apart_and_the_checks_pass(account):
    from tests.analytics.test_account_marts import (
        OTHER_COMMUNICATIONS,
        OTHER_COSTS,
        OTHER_DEALS,
        OTHER_SESSIONS,
    )

    warehouse, url = account
    store = ConfigStore(url)
    with store.session() as session:
        session.add(Account(id=2, name="Другой"))
        session.flush()
        session.add(Site(id=3, account_id=2, domain_name="other.ru"))
        session.flush()
        session.add(Campaign(id=90, account_id=2, site_id=3, name="Партнёры", channel="partner"))
    store.dispose()
    for table, frame, column in (
        ("visitor_sessions", _both(SESSIONS, OTHER_SESSIONS), "date_time"),
        ("communications", _both(COMMUNICATIONS, OTHER_COMMUNICATIONS), "date_time"),
        ("deals", _both(DEALS, OTHER_DEALS), "date_time"),
        ("ad_costs", _both(COSTS, OTHER_COSTS), "date"),
    ):
        write_by_day(warehouse, table, frame, column)
    result = materialize(warehouse, url, "2026-05-20")
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert all(checks.values()), checks
    attribution = warehouse.read("attribution_by_model")
    revenue = attribution.groupby(["account_id", "model"])["total_conversion_value"].sum()
    assert revenue.loc[1].tolist() == pytest.approx([700.0] * 8)
    assert revenue.loc[2].tolist() == pytest.approx([5000.0] * 8)
    report = warehouse.read("report_end_to_end")
    assert set(report.loc[report["account_id"].eq(2), "site_id"]) == {3}

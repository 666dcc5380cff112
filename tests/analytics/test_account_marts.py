"""Marts per account: each account's reports and attribution come from its own rows alone.

Account 1 is the hand-checked scenario (sites 1 and 2); account 2 has site 3, whose visitor
reuses visitor id 100 and buys through a «partner» channel account 1 never had."""

import datetime as dt

import pandas as pd
import pytest

from analytics.marts import Inputs, build_account_marts, build_marts, paths_by_account
from tests.analytics.scenario import (
    BLOCKED,
    COMMUNICATIONS,
    COSTS,
    DEALS,
    SESSIONS,
    SITES,
    comm,
    deal,
    session,
)

DAY = dt.date(2026, 5, 20)
SITES_TWO = pd.concat(
    [
        SITES.assign(account_id=1),
        pd.DataFrame([{"site_id": 3, "domain_name": "other.ru", "account_id": 2}]),
    ],
    ignore_index=True,
)
CAMPAIGNS = pd.DataFrame(
    [
        {"id": 10, "account_id": 1, "site_id": 1, "channel": "advert"},
        {"id": 90, "account_id": 2, "site_id": 3, "channel": "partner"},
    ]
)
OTHER_SESSIONS = pd.DataFrame(
    [
        session(90, 100, "2026-05-19 10:00", "partner", 90, site=3, host="other.ru"),
        session(91, 100, "2026-05-20 10:00", "advert", 90, site=3, host="other.ru"),
    ]
)
OTHER_COMMUNICATIONS = pd.DataFrame([comm(90, "call", 100, "2026-05-20 10:05", site=3)])
OTHER_DEALS = pd.DataFrame([deal(90, "2026-05-20 12:00", 5000.0, comm="call:90", site=3)])
OTHER_COSTS = pd.DataFrame(
    [{"date": pd.Timestamp("2026-05-20"), "campaign_id": 90, "site_id": 3, "cost_sum": 99.0}]
)


def _inputs(with_other: bool) -> Inputs:
    def both(own, other):
        if not with_other:
            return own
        # the other account's all-empty columns (no campaign) come back as missing values
        return pd.concat([own, other.dropna(axis=1, how="all")], ignore_index=True)

    return Inputs(
        sessions=both(SESSIONS, OTHER_SESSIONS),
        communications=both(COMMUNICATIONS, OTHER_COMMUNICATIONS),
        deals=both(DEALS, OTHER_DEALS),
        costs=both(COSTS, OTHER_COSTS),
        sites=SITES_TWO if with_other else SITES_TWO[SITES_TWO["account_id"].eq(1)],
        blocked=BLOCKED,
        campaigns=CAMPAIGNS,
    )


def _of(frame: pd.DataFrame, account: int) -> pd.DataFrame:
    own = frame[frame["account_id"].eq(account)].drop(columns="account_id")
    return own.reset_index(drop=True)


@pytest.fixture(scope="module")
def marts():
    return build_account_marts(_inputs(with_other=True), day=DAY)


def test_an_accounts_marts_are_what_it_gets_alone(marts):
    """Account 1's figures do not move when account 2's rows are in the same warehouse."""
    alone = build_marts(_inputs(with_other=False), day=DAY)
    for name in ("end_to_end", "attribution", "associated", "deals"):
        ours = _of(getattr(marts, name), 1)
        expected = getattr(alone, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, expected, check_dtype=False, obj=name)


def test_attribution_credits_only_the_accounts_own_channels(marts):
    attribution = marts.attribution
    assert set(attribution["account_id"]) == {1, 2}
    for model, rows in _of(attribution, 2).groupby("model"):
        assert set(rows["channel_name"]) <= {"partner", "advert"}, model
        assert rows["total_conversion_value"].sum() == pytest.approx(5000.0), model
    mine = _of(attribution, 1)
    assert "partner" not in set(mine["channel_name"])  # the other account's channel
    for model, rows in mine.groupby("model"):
        assert 5000.0 not in set(rows["total_conversion_value"]), model
        assert rows["total_conversion_value"].sum() == pytest.approx(200.0 + 500.0), model


def test_costs_reports_and_paths_are_split_by_account(marts):
    report = marts.end_to_end
    assert set(report.loc[report["account_id"].eq(2), "site_id"]) == {3}
    assert report.loc[report["account_id"].eq(2), "cost"].sum() == 99.0
    assert report.loc[report["account_id"].eq(1), "cost"].sum() == 400.0
    paths = paths_by_account(marts.paths)
    other = paths[paths["account_id"].eq(2)]
    assert other["total_conversion_value"].sum() == 5000.0
    assert set(other["path"]) == {"partner > advert"}
    assert marts.reconciliation["linked_revenue"] == pytest.approx(5000.0 + 700.0)


def test_without_accounts_known_for_sites_nothing_is_split():
    plain = Inputs(
        sessions=SESSIONS, communications=COMMUNICATIONS, deals=DEALS, costs=COSTS, sites=SITES
    )
    marts = build_account_marts(plain, day=DAY)
    assert marts.attribution["account_id"].isna().all()
    alone = build_marts(plain, day=DAY)
    pd.testing.assert_frame_equal(
        marts.end_to_end.drop(columns="account_id"), alone.end_to_end, check_dtype=False
    )

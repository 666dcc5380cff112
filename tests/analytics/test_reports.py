"""Report arithmetic on the hand-checkable account, and the day's marts."""

import datetime as dt

import pandas as pd
import pytest

from analytics.marts import Inputs, build_marts
from analytics.reports import associated_conversions, roll_up
from tests.analytics.scenario import BLOCKED, COMMUNICATIONS, COSTS, DEALS, SESSIONS, SITES


@pytest.fixture(scope="module")
def marts():
    return build_marts(Inputs(SESSIONS, COMMUNICATIONS, DEALS, COSTS, SITES, BLOCKED))


def row(report, day, channel, campaign):
    match = report[
        (report["date"] == dt.date.fromisoformat(day))
        & (report["channel"] == channel)
        & (
            report["campaign_id"].astype("Float64") == campaign
            if campaign is not None
            else report["campaign_id"].isna()
        )
    ]
    assert len(match) == 1, match
    return match.iloc[0]


def test_end_to_end_row_arithmetic(marts):
    advert = row(marts.end_to_end, "2026-05-20", "advert", 10)
    # visit 7 (visit 6 was on an untracked subdomain); calls 3 (off-target) and 6 (target);
    # call 4 was spam-blocked
    assert advert["visits"] == 1
    assert advert["communications_call"] == 2
    assert advert["communications"] == 2
    assert advert["target_communications"] == 1
    assert advert["primary_communications"] == 1
    # deals 2 (500, via visitor) and 6 (200, via the no-session call)
    assert advert["deals"] == 2
    assert advert["sales"] == 2
    assert advert["clients"] == 2
    assert advert["revenue"] == 700
    assert advert["cost"] == 400
    assert advert["cost_per_lead"] == 400
    assert advert["cost_per_client"] == 200
    assert advert["conversion_to_sales"] == 2
    assert advert["average_check"] == 350
    assert advert["roi"] == pytest.approx((700 - 400) / 400)


def test_lost_deal_counts_as_deal_not_sale(marts):
    direct = row(marts.end_to_end, "2026-05-20", "direct", None)
    assert direct["deals"] == 1
    assert direct["sales"] == 0
    assert direct["revenue"] == 0
    assert pd.isna(direct["average_check"])
    assert pd.isna(direct["roi"])


def test_unlinked_deals_are_reported_not_dropped(marts):
    unlinked = row(marts.end_to_end, "2026-05-20", "(unlinked)", None)
    assert unlinked["deals"] == 1
    assert unlinked["revenue"] == 300
    assert marts.reconciliation["deals_unlinked"] == 1
    r = marts.reconciliation
    assert r["deals_input"] == r["deals_linked"] + r["deals_unlinked"] + r["deals_excluded"] == 6


def test_roll_up_recomputes_ratios(marts):
    by_channel = roll_up(marts.end_to_end, ["channel"]).set_index("channel")
    advert = by_channel.loc["advert"]
    assert advert["cost"] == 650
    assert advert["revenue"] == 1700
    assert advert["roi"] == pytest.approx((1700 - 650) / 650)
    assert advert["average_check"] == pytest.approx(1700 / 3)
    total = marts.end_to_end["revenue"].sum()
    assert by_channel["revenue"].sum() == total == 2000


def test_associated_conversions_by_hand():
    paths = pd.DataFrame(
        {
            "touches": [["search", "email", "direct"], ["email", "email"], ["search"], ["display"]],
            "conversions": [1.0, 1.0, 1.0, 0.0],
            "value": [100.0, 50.0, 30.0, 0.0],
        }
    )
    report = associated_conversions(paths).set_index("channel")
    assert report.loc["direct", ["last_touch_conversions", "assisted_conversions"]].tolist() == [
        1,
        0,
    ]
    assert report.loc["search", ["last_touch_conversions", "assisted_conversions"]].tolist() == [
        1,
        1,
    ]
    assert report.loc["search", "assisted_value"] == 100
    # email closed one sale and assisted one; its own repeat does not assist itself
    assert report.loc["email", ["last_touch_conversions", "assisted_conversions"]].tolist() == [
        1,
        1,
    ]
    assert report.loc["email", "assisted_to_last_touch"] == 1
    assert "display" not in report.index


def test_day_marts_keep_the_day_and_use_history():
    marts = build_marts(
        Inputs(SESSIONS, COMMUNICATIONS, DEALS, COSTS, SITES, BLOCKED), day=dt.date(2026, 5, 6)
    )
    assert set(marts.end_to_end["date"]) == {dt.date(2026, 5, 6)}
    assert marts.deals["id"].tolist() == [1]
    # the deal's path reaches back to the visit of May 1
    assert marts.deals["path"].tolist() == ["advert > advert"]
    totals = marts.attribution.groupby("model")[
        ["total_conversions", "total_conversion_value"]
    ].sum()
    assert totals["total_conversions"].tolist() == pytest.approx([1.0] * 8)
    assert totals["total_conversion_value"].tolist() == pytest.approx([1000.0] * 8)


def test_attribution_totals_equal_linked_sales(marts):
    totals = marts.attribution.groupby("model")[
        ["total_conversions", "total_conversion_value"]
    ].sum()
    assert len(totals) == 8
    assert totals["total_conversions"].tolist() == pytest.approx(
        [marts.reconciliation["linked_sales"]] * 8
    )
    assert totals["total_conversion_value"].tolist() == pytest.approx(
        [marts.reconciliation["linked_revenue"]] * 8
    )


def test_empty_inputs_give_empty_marts():
    empty = Inputs(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    marts = build_marts(empty, day=dt.date(2026, 5, 6))
    assert marts.end_to_end.empty
    assert marts.attribution.empty
    assert marts.deals.empty
    assert marts.reconciliation["deals_input"] == 0

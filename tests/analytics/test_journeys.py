"""Site settings shape the journeys: lifetimes, subdomains, spam and off-target exclusions."""

import pandas as pd
import pytest

from analytics.conversion_paths import aggregate, conversion_paths
from analytics.linking import blocked_communication_ids, link_communications, link_deals
from analytics.touchpoints import build_touchpoints
from tests.analytics.scenario import BLOCKED, COMMUNICATIONS, DEALS, SESSIONS, SITES


@pytest.fixture(scope="module")
def touchpoints():
    return build_touchpoints(SESSIONS, SITES)


@pytest.fixture(scope="module")
def linked(touchpoints):
    comms, dropped = link_communications(
        COMMUNICATIONS, touchpoints[0], SITES, blocked_communication_ids(BLOCKED)
    )
    deals, excluded = link_deals(DEALS, comms, touchpoints[0], SITES)
    return comms.set_index("communication_id"), dropped, deals.set_index("id"), excluded


def by_session(touchpoints):
    return touchpoints[0].set_index("visitor_session_id")


def test_direct_return_within_campaign_lifetime_keeps_the_campaign(touchpoints):
    visits = by_session(touchpoints)
    assert visits.loc[2, ["channel", "campaign_id", "inherited_campaign"]].tolist() == [
        "advert",
        10,
        True,
    ]
    assert visits.loc[2, "source_channel"] == "direct"
    # 19 days after the advert visit, beyond the 7-day campaign lifetime
    assert visits.loc[3, "channel"] == "direct"
    assert pd.isna(visits.loc[3, "campaign_id"])


def test_campaign_lifetime_boundary():
    sessions = pd.DataFrame(
        {
            "visitor_session_id": [1, 2, 3],
            "visitor_id": [5, 5, 6],
            "date_time": pd.to_datetime(
                ["2026-05-01 10:00", "2026-05-08 10:00", "2026-05-01 10:00"]
            ),
            "site_id": [1, 1, 1],
            "channel": ["advert", "Direct", "direct"],
            "campaign_id": [10, None, None],
        }
    )
    sites = pd.DataFrame({"site_id": [1], "campaign_lifetime": [7], "cookie_lifetime": [30]})
    visits = build_touchpoints(sessions, sites)[0].set_index("visitor_session_id")
    assert visits.loc[2, "channel"] == "advert"  # exactly 7 days: still inside
    assert visits.loc[3, "channel"] == "direct"  # a direct-only visitor stays direct
    later = sessions.assign(
        date_time=sessions.date_time.where(
            sessions.visitor_session_id != 2, pd.Timestamp("2026-05-08 10:01")
        )
    )
    visits = build_touchpoints(later, sites)[0].set_index("visitor_session_id")
    assert visits.loc[2, "channel"] == "direct"


def test_cookie_lifetime_starts_a_new_visitor(touchpoints):
    visits = by_session(touchpoints)
    # 40 days between the visits with a 30-day cookie
    assert visits.loc[4, "journey_id"] != visits.loc[5, "journey_id"]
    assert visits.loc[1, "journey_id"] == visits.loc[3, "journey_id"]


def test_subdomains_follow_the_site_flag(touchpoints):
    visits, dropped = touchpoints
    assert dropped["visitor_session_id"].tolist() == [6]  # m.shop.ru, not tracked
    assert dropped["reason"].iloc[0] == "subdomain is not tracked for the site"
    kept = set(visits["visitor_session_id"])
    assert 7 in kept  # www. always counts
    assert 8 in kept  # spb.flat.ru, site 2 tracks subdomains


def test_spam_blocked_calls_are_excluded(linked):
    comms, dropped, deals, _ = linked
    assert "call:4" not in comms.index
    assert dropped["communication_id"].tolist() == ["call:4"]
    # the deal on the blocked call has no visitor either: counted as unlinked
    assert deals.loc[3, "linked_by"] == "unlinked"


def test_off_target_is_not_target(linked):
    comms = linked[0]
    assert not comms.loc["call:3", "is_target"]
    assert comms.loc["call:1", "is_target"]


def test_target_derived_from_duration_when_unmarked():
    comms = pd.DataFrame(
        {
            "communication_id": ["call:1", "call:2", "call:3", "chat:4"],
            "communication_type": ["call", "call", "call", "chat"],
            "site_id": [1, 1, 1, 1],
            "visitor_id": [None] * 4,
            "date_time": pd.to_datetime(["2026-05-01"] * 4),
            "duration": [29, 30, 90, 5],
            "is_lost": [False, False, True, False],
            "is_target": [None, None, None, None],
        }
    )
    sites = pd.DataFrame({"site_id": [1], "target_call_min_duration": [30]})
    linked, _ = link_communications(
        comms,
        build_touchpoints(
            pd.DataFrame(
                columns=[
                    "visitor_session_id",
                    "visitor_id",
                    "date_time",
                    "site_id",
                    "channel",
                    "campaign_id",
                ]
            ),
            sites,
        )[0],
        sites,
    )
    assert linked["is_target"].tolist() == [False, True, False, True]


def test_communications_take_the_latest_touch(linked):
    comms = linked[0]
    assert comms.loc["chat:2", ["channel", "campaign_id"]].tolist() == ["advert", 10]
    assert comms.loc["call:1", "channel"] == "direct"
    assert comms.loc["offline_message:5", "channel"] == "social"
    # no session: the campaign's usual channel
    assert comms.loc["call:6", "channel"] == "advert"
    assert pd.isna(comms.loc["call:6", "journey_id"])


def test_deals_link_through_communication_then_visitor(linked):
    _, _, deals, excluded = linked
    assert deals.loc[1, ["linked_by", "channel"]].tolist() == ["communication", "advert"]
    assert deals.loc[2, ["linked_by", "channel", "journey_id"]].tolist() == [
        "visitor",
        "advert",
        "1:300:0",
    ]
    assert deals.loc[6, "linked_by"] == "communication"
    assert not deals.loc[4, "is_sale"]
    assert deals.loc[4, "revenue"] == 0
    assert excluded["id"].tolist() == [5]  # site 2 does not account for sales
    assert len(deals) + len(excluded) == len(DEALS)


def test_paths_cut_at_sales(touchpoints, linked):
    paths = conversion_paths(touchpoints[0], linked[2].reset_index())
    sale = paths.set_index("deal_id").loc["1"]
    assert sale["touches"] == ["advert", "advert"]
    assert sale["ages"] == pytest.approx([5.0, 1 + 1 / 24])
    assert sale["value"] == 1000
    # after the sale, visitor 100's direct visit is a non-converting remainder
    rest = paths[(paths.journey_id == "1:100:0") & paths.deal_id.isna()]
    assert rest["touches"].tolist() == [["direct"]]
    assert rest["nulls"].tolist() == [1]
    assert paths["conversions"].sum() == 3  # deals 1, 2 and 6; 3 is unlinked, 4 lost
    table = aggregate(paths)
    assert table.loc[table.path == "advert", "total_conversions"].item() == 2


def test_sale_without_touches_since_previous_sale_takes_the_lead_touch():
    sessions = pd.DataFrame(
        {
            "visitor_session_id": [1],
            "visitor_id": [7],
            "date_time": pd.to_datetime(["2026-05-01"]),
            "site_id": [1],
            "channel": ["email"],
            "campaign_id": [3],
        }
    )
    deals = pd.DataFrame(
        {
            "id": [1, 2],
            "date_time": pd.to_datetime(["2026-05-02", "2026-05-03"]),
            "amount": [10.0, 20.0],
            "status": ["won", "won"],
            "site_id": [1, 1],
            "communication_id": [None, None],
            "visitor_id": [7, 7],
        }
    )
    touchpoints = build_touchpoints(sessions)[0]
    linked, _ = link_deals(
        deals,
        pd.DataFrame(
            columns=[
                "communication_id",
                "communication_type",
                "journey_id",
                "channel",
                "campaign_id",
            ]
        ),
        touchpoints,
    )
    paths = conversion_paths(touchpoints, linked).set_index("deal_id")
    assert paths.loc["1", "touches"] == ["email"]
    assert paths.loc["2", "touches"] == ["email"]


def test_paths_by_campaign(touchpoints, linked):
    paths = conversion_paths(touchpoints[0], linked[2].reset_index(), label="campaign_id")
    assert paths.set_index("deal_id").loc["1", "touches"] == ["10", "10"]
    remainder = paths[(paths.journey_id == "1:100:0") & paths.deal_id.isna()]
    assert remainder["touches"].tolist() == [["(none)"]]


def test_time_units_from_parquet_and_pandas_mix():
    sessions = SESSIONS.assign(date_time=SESSIONS["date_time"].astype("datetime64[us]"))
    comms = COMMUNICATIONS.assign(date_time=COMMUNICATIONS["date_time"].astype("datetime64[s]"))
    touchpoints = build_touchpoints(sessions, SITES)[0]
    linked, _ = link_communications(comms, touchpoints, SITES)
    assert linked.set_index("communication_id").loc["chat:2", "channel"] == "advert"

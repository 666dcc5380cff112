"""A small account whose every number can be checked by hand.

Site 1 (shop.ru): cookie 30 days, campaign 7 days, subdomains not tracked.
Site 2 (flat.ru): defaults, subdomains tracked, sales not accounted.
"""

import pandas as pd

SITES = pd.DataFrame(
    [
        {
            "site_id": 1,
            "domain_name": "shop.ru",
            "cookie_lifetime": 30,
            "campaign_lifetime": 7,
            "target_call_min_duration": 30,
            "sales_enabled": True,
            "track_subdomains": False,
        },
        {
            "site_id": 2,
            "domain_name": "flat.ru",
            "cookie_lifetime": 90,
            "campaign_lifetime": 30,
            "target_call_min_duration": 30,
            "sales_enabled": False,
            "track_subdomains": True,
        },
    ]
)


def session(sid, visitor, when, channel, campaign=None, site=1, host=None):
    return {
        "visitor_session_id": sid,
        "visitor_id": visitor,
        "date_time": pd.Timestamp(when),
        "site_id": site,
        "site_domain_name": host or ("shop.ru" if site == 1 else "flat.ru"),
        "campaign_id": campaign,
        "channel": channel,
    }


SESSIONS = pd.DataFrame(
    [
        # visitor 100: search ad, then a direct return inside the campaign lifetime
        session(1, 100, "2026-05-01 10:00", "advert", 10),
        session(2, 100, "2026-05-05 09:00", "direct"),
        # ... and a direct return after it: stays direct
        session(3, 100, "2026-05-20 09:00", "direct"),
        # visitor 200: organic, then social 40 days later -> cookie expired, a new journey
        session(4, 200, "2026-03-20 12:00", "organic", 20),
        session(5, 200, "2026-04-29 12:00", "social", 30),
        # a visit on m.shop.ru while subdomains are not tracked; www. always counts
        session(6, 300, "2026-05-20 08:00", "advert", 10, host="m.shop.ru"),
        session(7, 300, "2026-05-20 08:30", "advert", 10, host="www.shop.ru"),
        # site 2 tracks subdomains
        session(8, 400, "2026-05-20 11:00", "organic", 40, site=2, host="spb.flat.ru"),
    ]
)


def comm(
    cid,
    kind,
    visitor,
    when,
    target=True,
    primary=True,
    lost=False,
    campaign=None,
    site=1,
    duration=60,
):
    return {
        "communication_id": f"{kind}:{cid}",
        "communication_type": kind,
        "id": cid,
        "site_id": site,
        "campaign_id": campaign,
        "visitor_id": visitor,
        "date_time": pd.Timestamp(when),
        "duration": duration,
        "is_target": target,
        "is_primary": primary,
        "is_lost": lost,
    }


COMMUNICATIONS = pd.DataFrame(
    [
        comm(1, "call", 100, "2026-05-20 09:05"),  # after the direct return: direct
        comm(2, "chat", 100, "2026-05-05 09:10"),  # inherits the advert campaign 10
        comm(3, "call", 300, "2026-05-20 08:40", target=False, primary=False),  # off-target
        comm(4, "call", 300, "2026-05-20 08:45"),  # spam-blocked
        comm(5, "offline_message", 200, "2026-04-29 12:30"),
        comm(6, "call", None, "2026-05-20 13:00", campaign=10),  # static number, no session
        comm(7, "call", 400, "2026-05-20 11:05", site=2),
    ]
)
BLOCKED = pd.DataFrame({"call_id": [4]})


def deal(did, when, amount, status="won", comm=None, visitor=None, site=1):
    return {
        "id": did,
        "date_time": pd.Timestamp(when),
        "amount": amount,
        "status": status,
        "stage": "done",
        "funnel": "main",
        "site_id": site,
        "communication_id": comm,
        "visitor_id": visitor,
    }


DEALS = pd.DataFrame(
    [
        deal(1, "2026-05-06 10:00", 1000.0, comm="chat:2"),  # via communication
        deal(2, "2026-05-20 15:00", 500.0, visitor=300),  # via visitor's latest touch
        deal(3, "2026-05-20 16:00", 300.0, comm="call:4"),  # spam-blocked comm, no visitor
        deal(4, "2026-05-20 17:00", 700.0, status="lost", comm="call:1"),
        deal(5, "2026-05-20 18:00", 900.0, comm="call:7", site=2),  # sales off for site 2
        deal(6, "2026-05-20 19:00", 200.0, comm="call:6"),  # no session: campaign's channel
    ]
)

COSTS = pd.DataFrame(
    [
        {"date": pd.Timestamp("2026-05-20"), "campaign_id": 10, "site_id": 1, "cost_sum": 400.0},
        {"date": pd.Timestamp("2026-05-06"), "campaign_id": 10, "site_id": 1, "cost_sum": 250.0},
    ]
)

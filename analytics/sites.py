"""Site settings that shape journeys: cookie and campaign lifetime, target calls, sales, subdomains."""

from __future__ import annotations

import pandas as pd

DEFAULTS = {
    "domain_name": None,
    "cookie_lifetime": 90,  # days a visitor stays the same visitor
    "campaign_lifetime": 30,  # days a direct return visit stays with the previous campaign
    "second_communication_period": 30,  # days within which a second contact is a repeat
    "target_call_min_duration": 30,  # seconds; shorter calls are off-target
    "sales_enabled": True,
    "track_subdomains": False,
}
SETTINGS = list(DEFAULTS)


def site_settings(sites: pd.DataFrame | None, site_ids=()) -> pd.DataFrame:
    """One row per site id (index ``site_id``) with every setting; unknown sites get defaults."""
    frame = pd.DataFrame(columns=["site_id", *SETTINGS]) if sites is None else sites.copy()
    if "site_id" not in frame.columns and "id" in frame.columns:
        frame = frame.rename(columns={"id": "site_id"})
    frame = frame.set_index("site_id")
    ids = pd.Index(frame.index).union(pd.Index(pd.unique(pd.Series(list(site_ids)).dropna())))
    frame = frame.reindex(ids)
    for name, default in DEFAULTS.items():
        if name not in frame.columns:
            frame[name] = default
        elif default is not None:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), default)
    frame = frame[SETTINGS]
    for name in ("cookie_lifetime", "campaign_lifetime", "second_communication_period"):
        frame[name] = frame[name].astype(float)
    frame["target_call_min_duration"] = frame["target_call_min_duration"].astype(float)
    frame["sales_enabled"] = frame["sales_enabled"].astype(bool)
    frame["track_subdomains"] = frame["track_subdomains"].astype(bool)
    frame.index.name = "site_id"
    return frame

"""Communications and deals are tied to journeys.

- Spam-blocked calls are left out of everything.
- A communication is target when ingest marked it so; where the mark is missing, a call is
  target when it was answered and lasted at least the site's target-call duration. An
  off-target communication never counts as target.
- A communication belongs to the visitor's latest touchpoint at or before it, within the
  cookie lifetime. A deal follows its communication; without one, the visitor's latest
  touchpoint; otherwise it is counted as unlinked. Deals of sites that do not account for
  sales are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.sites import site_settings
from analytics.touchpoints import DAY, as_time, usual_channels

UNLINKED = "(unlinked)"
NO_SESSION = "(no session)"
TOUCH_COLUMNS = ["journey_id", "touch_time", "touch_channel", "touch_campaign_id"]


def blocked_communication_ids(blocked: pd.DataFrame | None) -> set[str]:
    """Antispam's ``blocked_calls`` as communication ids (``call:<id>``)."""
    if blocked is None or blocked.empty:
        return set()
    if "communication_id" in blocked.columns:
        return set(blocked["communication_id"].dropna().astype(str))
    column = "call_id" if "call_id" in blocked.columns else "id"
    return {f"call:{int(v)}" for v in blocked[column].dropna()}


def link_communications(
    communications: pd.DataFrame,
    touchpoints: pd.DataFrame,
    sites: pd.DataFrame | None = None,
    blocked: set[str] | frozenset[str] = frozenset(),
    campaign_channels: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (linked communications, excluded ones with a ``reason``).

    A communication without a visitor session takes its campaign's channel from
    ``campaign_channels`` (campaign id to channel), else the usual channel of the
    campaign's visits."""
    frame = communications.copy()
    frame["date_time"] = as_time(frame["date_time"])
    spam = frame["communication_id"].astype(str).isin(blocked)
    excluded = frame[spam].assign(reason="spam-blocked call")
    frame = frame[~spam]
    settings = site_settings(sites, frame["site_id"].unique() if len(frame) else ())
    frame = frame.join(settings[["cookie_lifetime", "target_call_min_duration"]], on="site_id")
    frame["is_target"] = _target(frame)
    for flag in ("is_primary", "is_lost"):
        frame[flag] = frame[flag].fillna(False).astype(bool) if flag in frame else False
    frame = _latest_touch(frame, touchpoints, "date_time")
    campaign = frame.get("campaign_id", np.nan)
    frame["campaign_id"] = pd.Series(campaign, index=frame.index).fillna(frame["touch_campaign_id"])
    if campaign_channels is None:
        campaign_channels = usual_channels(touchpoints)
    fallback = frame["campaign_id"].map(campaign_channels).fillna(NO_SESSION)
    frame["channel"] = frame["touch_channel"].fillna(fallback)
    frame = frame.drop(columns=["cookie_lifetime", "target_call_min_duration"])
    return frame.reset_index(drop=True), excluded.reset_index(drop=True)


def link_deals(
    deals: pd.DataFrame,
    communications: pd.DataFrame,
    touchpoints: pd.DataFrame,
    sites: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (deals with ``linked_by``, journey, channel and campaign; excluded deals).

    ``communications`` are the linked ones from :func:`link_communications`, so a deal
    whose communication was spam-blocked falls back to the visitor."""
    frame = deals.copy()
    frame["date_time"] = as_time(frame["date_time"])
    settings = site_settings(sites, frame["site_id"].unique() if len(frame) else ())
    sales_on = frame["site_id"].map(settings["sales_enabled"]).fillna(True).astype(bool)
    excluded = frame[~sales_on].assign(reason="sales accounting is off for the site")
    frame = frame[sales_on]
    frame = frame.join(settings[["cookie_lifetime"]], on="site_id")
    status = frame["status"].astype(object) if "status" in frame else pd.Series(None, frame.index)
    frame["is_sale"] = status.isna() | status.astype(str).str.lower().eq("won")
    frame["revenue"] = frame["amount"].where(frame["is_sale"], 0.0).astype(float)

    comm_cols = ["communication_id", "communication_type", "journey_id", "channel", "campaign_id"]
    by_comm = communications[comm_cols].rename(
        columns={c: f"comm_{c}" for c in comm_cols if c != "communication_id"}
    )
    if "communication_id" not in frame:
        frame["communication_id"] = None
    frame["communication_id"] = frame["communication_id"].astype(object)
    frame = frame.merge(by_comm, on="communication_id", how="left")
    frame = _latest_touch(frame, touchpoints, "date_time")
    via_comm = frame["comm_channel"].notna()
    via_visit = ~via_comm & frame["journey_id"].notna()
    frame["linked_by"] = np.select([via_comm, via_visit], ["communication", "visitor"], "unlinked")
    frame["journey_id"] = frame["comm_journey_id"].where(via_comm, frame["journey_id"])
    frame["channel"] = frame["comm_channel"].where(via_comm, frame["touch_channel"])
    frame["channel"] = frame["channel"].fillna(UNLINKED)
    frame["campaign_id"] = frame["comm_campaign_id"].where(via_comm, frame["touch_campaign_id"])
    frame["communication_type"] = frame["comm_communication_type"]
    frame = frame.drop(columns=[c for c in frame if c.startswith("comm_")] + ["cookie_lifetime"])
    return frame.reset_index(drop=True), excluded.reset_index(drop=True)


def _target(frame: pd.DataFrame) -> pd.Series:
    marked = frame["is_target"] if "is_target" in frame else pd.Series(None, frame.index)
    # the talk, as ingest defines target calls (data.communications); the total duration only
    # where the input has no talk duration
    duration = pd.Series(np.nan, frame.index)
    for column in ("duration", "talk_duration"):
        if column in frame:
            duration = pd.to_numeric(frame[column], errors="coerce").where(
                lambda d: d.notna(), duration
            )
    lost = frame["is_lost"].fillna(False).astype(bool) if "is_lost" in frame else False
    is_call = frame["communication_type"].astype(str).eq("call")
    derived = ~lost & (~is_call | (duration.fillna(0) >= frame["target_call_min_duration"]))
    return marked.astype(object).where(marked.notna(), derived).astype(bool)


def _latest_touch(frame: pd.DataFrame, touchpoints: pd.DataFrame, on: str) -> pd.DataFrame:
    """Adds the journey and traffic of each row's latest touchpoint within the cookie lifetime."""
    frame = frame.drop(columns=[c for c in TOUCH_COLUMNS if c in frame]).copy()
    frame["_row"] = np.arange(len(frame))
    touches = touchpoints.rename(
        columns={
            "date_time": "touch_time",
            "channel": "touch_channel",
            "campaign_id": "touch_campaign_id",
        }
    )[["site_id", "visitor_id", *TOUCH_COLUMNS]]
    touches = touches.dropna(subset=["visitor_id"]).astype(
        {"visitor_id": "int64", "site_id": "int64"}
    )
    known = frame["visitor_id"].notna() if "visitor_id" in frame else pd.Series(False, frame.index)
    known &= frame["site_id"].notna()  # a visitor is known per site: no site, no journey
    left = frame.loc[known, ["_row", "site_id", "visitor_id", on]].astype(
        {"visitor_id": "int64", "site_id": "int64"}
    )
    if len(left) and len(touches):
        matched = pd.merge_asof(
            left.sort_values(on),
            touches.sort_values("touch_time"),
            left_on=on,
            right_on="touch_time",
            by=["site_id", "visitor_id"],
            direction="backward",
        )
        frame = frame.merge(matched[["_row", *TOUCH_COLUMNS]], on="_row", how="left")
    else:
        for column in TOUCH_COLUMNS:
            frame[column] = pd.Series([None] * len(frame), dtype=object)
        frame["touch_time"] = as_time(frame["touch_time"])
    stale = (frame[on] - frame["touch_time"]) > frame["cookie_lifetime"] * DAY
    frame.loc[stale, TOUCH_COLUMNS] = None
    return frame.sort_values("_row").drop(columns="_row").reset_index(drop=True)

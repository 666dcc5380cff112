"""Visitor sessions become touchpoints of journeys, following the site settings.

- **Subdomain tracking:** visits to a subdomain count only when the site tracks
  subdomains; ``www.`` always counts.
- **Cookie lifetime:** a visitor whose previous visit is older than the cookie lifetime
  comes back as a new visitor, so a new journey starts.
- **Campaign lifetime:** a direct return visit within the campaign lifetime of the last
  advertising visit is credited to that visit's campaign and channel.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from analytics.sites import site_settings

DIRECT_CHANNELS = frozenset({"direct", "прямые заходы", "прямой заход"})
DAY = pd.Timedelta(days=1)


def as_time(values) -> pd.Series:
    """Local wall-clock times at one resolution, so time joins never mix units."""
    times = pd.to_datetime(pd.Series(values))
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    return times.astype("datetime64[ns]")


def fold(value) -> str:
    return "" if value is None or value is pd.NA else str(value).strip().lower().replace("ё", "е")


def is_direct(channel: pd.Series) -> pd.Series:
    folded = channel.astype(object).map(fold)
    return folded.isin(DIRECT_CHANNELS) | (folded == "") | (folded == "nan") | (folded == "none")


def build_touchpoints(
    sessions: pd.DataFrame, sites: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (touchpoints, dropped). Touchpoints carry ``journey_id``, ``channel`` and
    ``campaign_id`` after the settings apply, plus ``source_channel`` and
    ``inherited_campaign`` to show what campaign lifetime changed. ``dropped`` holds the
    sessions left out, with a ``reason``."""
    frame = sessions.copy()
    frame["date_time"] = as_time(frame["date_time"])
    settings = site_settings(sites, frame["site_id"].unique() if len(frame) else ())
    frame = frame.join(settings, on="site_id")

    untracked = ~_host_is_tracked(frame)
    dropped = frame[untracked].assign(reason="subdomain is not tracked for the site")
    frame = frame[~untracked]

    frame = frame.sort_values(["site_id", "visitor_id", "date_time", "visitor_session_id"])
    gap = frame.groupby(["site_id", "visitor_id"], sort=False)["date_time"].diff()
    expired = gap > frame["cookie_lifetime"] * DAY
    visit_number = expired.astype(int).groupby([frame["site_id"], frame["visitor_id"]]).cumsum()
    frame["journey_id"] = (
        frame["site_id"].astype(str)
        + ":"
        + frame["visitor_id"].astype(str)
        + ":"
        + visit_number.astype(str)
    )
    frame = _apply_campaign_lifetime(frame)
    keep = [c for c in sessions.columns if c not in ("channel", "campaign_id")]
    columns = [
        *keep,
        "journey_id",
        "channel",
        "campaign_id",
        "source_channel",
        "source_campaign_id",
        "inherited_campaign",
    ]
    touchpoints = frame[columns].reset_index(drop=True)
    return touchpoints, dropped[[*sessions.columns, "reason"]].reset_index(drop=True)


def _apply_campaign_lifetime(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "campaign_id" not in frame.columns:
        frame["campaign_id"] = np.nan
    frame["source_channel"] = frame["channel"]
    frame["source_campaign_id"] = frame["campaign_id"]
    direct = is_direct(frame["channel"])
    advert_time = frame["date_time"].where(~direct)
    last_time = advert_time.groupby(frame["journey_id"]).ffill()
    last_channel = frame["channel"].where(~direct).groupby(frame["journey_id"]).ffill()
    last_campaign = frame["campaign_id"].where(~direct).groupby(frame["journey_id"]).ffill()
    within = (frame["date_time"] - last_time) <= frame["campaign_lifetime"] * DAY
    inherit = direct & last_time.notna() & within
    frame["inherited_campaign"] = inherit
    frame.loc[inherit, "channel"] = last_channel[inherit]
    frame.loc[inherit, "campaign_id"] = last_campaign[inherit]
    frame["channel"] = frame["channel"].where(~is_direct(frame["channel"]), "direct")
    return frame


def _host_is_tracked(frame: pd.DataFrame) -> pd.Series:
    """True unless the visit is on a subdomain of the site and the site does not track them."""
    if "site_domain_name" in frame.columns:
        hosts = frame["site_domain_name"].astype(object).map(_host)
    else:
        hosts = pd.Series([""] * len(frame), index=frame.index)
    if "entrance_page" in frame.columns:
        from_page = frame["entrance_page"].astype(object).map(_host)
        hosts = hosts.where(hosts != "", from_page)
    domains = frame["domain_name"].astype(object).map(_host).str.removeprefix("www.")
    www = "www." + domains
    on_subdomain = [h.endswith("." + d) for h, d in zip(hosts, domains, strict=True)]
    is_sub = (
        (domains != "") & pd.Series(on_subdomain, index=frame.index, dtype=bool) & (hosts != www)
    )
    return ~is_sub | frame["track_subdomains"]


def _host(value) -> str:
    text = fold(value)
    if text in ("", "nan", "none"):
        return ""
    if "//" not in text:
        text = "//" + text
    return (urlsplit(text).hostname or "").rstrip(".")


def usual_channels(touchpoints: pd.DataFrame) -> pd.Series:
    """The most frequent channel of each campaign's visits (campaign id to channel)."""
    if touchpoints.empty:
        return pd.Series(dtype=object)
    known = touchpoints.dropna(subset=["campaign_id"])
    return known.groupby("campaign_id")["channel"].agg(lambda s: s.mode().iloc[0])

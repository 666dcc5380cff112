"""From warehouse tables to the report marts of one day.

Journeys need history: a deal today may come from a visit weeks ago. So the inputs are read
from ``day - lookback`` to ``day`` (the lookback covers the longest cookie lifetime), and the
marts keep the rows of ``day`` only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analytics.attribution import MODELS, make_model
from analytics.conversion_paths import aggregate, conversion_paths, to_path_table
from analytics.linking import blocked_communication_ids, link_communications, link_deals
from analytics.reports import (
    associated_conversions,
    deals_report,
    end_to_end_report,
)
from analytics.sites import site_settings
from analytics.touchpoints import build_touchpoints, usual_channels

INPUT_TABLES = ("visitor_sessions", "communications", "deals", "ad_costs")


@dataclass
class Inputs:
    sessions: pd.DataFrame
    communications: pd.DataFrame
    deals: pd.DataFrame
    costs: pd.DataFrame
    sites: pd.DataFrame | None = None
    blocked: pd.DataFrame | None = None
    campaigns: pd.DataFrame | None = None  # id, channel: the channel of campaigns without visits
    # communication_id → (is_target, provenance): a person's word on «Нецелевой» wins
    manual_target: dict[str, tuple[bool, str]] | None = None


@dataclass
class Marts:
    end_to_end: pd.DataFrame
    deals: pd.DataFrame
    associated: pd.DataFrame
    attribution: pd.DataFrame
    paths: pd.DataFrame
    excluded: pd.DataFrame
    reconciliation: dict = field(default_factory=dict)


def lookback_days(sites: pd.DataFrame | None) -> int:
    settings = site_settings(sites)
    longest = settings["cookie_lifetime"].max() if len(settings) else None
    return int(longest) if longest and longest == longest else 90


def read_inputs(
    warehouse,
    day: dt.date,
    sites: pd.DataFrame | None = None,
    campaigns: pd.DataFrame | None = None,
    manual_target: dict[str, tuple[bool, str]] | None = None,
) -> Inputs:
    """Reads what the day's marts need; a missing table reads as empty (blocked calls optional)."""
    start = day - dt.timedelta(days=lookback_days(sites))

    def read(table: str, since: dt.date) -> pd.DataFrame:
        if not warehouse.has_table(table):
            return pd.DataFrame()
        return warehouse.read(table, start=since, end=day)

    return Inputs(
        sessions=read("visitor_sessions", start),
        communications=read("communications", start),
        deals=read("deals", start),
        costs=read("ad_costs", day),
        sites=sites,
        blocked=read("blocked_calls", start) if warehouse.has_table("blocked_calls") else None,
        campaigns=campaigns,
        manual_target=manual_target,
    )


def with_manual_target(
    communications: pd.DataFrame, decided: dict[str, tuple[bool, str]] | None
) -> pd.DataFrame:
    """``is_target`` with people's changes of «Нецелевой» applied, and where each value comes
    from (``is_target_source``: "computed", or who changed it and when)."""
    out = communications.assign(is_target_source="computed")
    if not decided or out.empty:
        return out
    ids = out["communication_id"].astype(str)
    found = ids.map(lambda cid: decided.get(cid))
    changed = found.notna()
    out.loc[changed, "is_target"] = [value for value, _ in found[changed]]
    out.loc[changed, "is_target_source"] = [source for _, source in found[changed]]
    out["is_target"] = out["is_target"].astype(bool)
    return out


def build_marts(
    inputs: Inputs,
    day: dt.date | None = None,
    half_life_days: float = 7.0,
    markov_order: int = 1,
    label: str = "channel",
) -> Marts:
    sessions = _ensure(
        inputs.sessions,
        ["visitor_session_id", "visitor_id", "date_time", "site_id", "channel", "campaign_id"],
    )
    communications = _ensure(
        inputs.communications,
        [
            "communication_id",
            "communication_type",
            "site_id",
            "campaign_id",
            "visitor_id",
            "date_time",
            "is_target",
            "is_primary",
            "is_lost",
        ],
    )
    deals = _ensure(
        inputs.deals,
        ["id", "date_time", "amount", "status", "site_id", "communication_id", "visitor_id"],
    )
    costs = _ensure(inputs.costs, ["date", "campaign_id", "site_id", "cost_sum"])
    communications = with_manual_target(communications, inputs.manual_target)

    touchpoints, dropped_sessions = build_touchpoints(sessions, inputs.sites)
    blocked = blocked_communication_ids(inputs.blocked)
    channels = _campaign_channels(inputs.campaigns, touchpoints)
    comms, dropped_comms = link_communications(
        communications, touchpoints, inputs.sites, blocked, channels
    )
    linked_deals, dropped_deals = link_deals(deals, comms, touchpoints, inputs.sites)
    paths = conversion_paths(touchpoints, linked_deals, label=label)

    if day is not None:
        touchpoints_day = _on(touchpoints, "date_time", day)
        comms_day = _on(comms, "date_time", day)
        deals_day = _on(linked_deals, "date_time", day)
        costs_day = _on(costs, "date", day)
        day_deal_ids = set(deals_day["id"].astype(str))
        paths_day = paths[
            paths["deal_id"].isin(day_deal_ids)
            | (paths["deal_id"].isna() & _ends_on(paths, touchpoints, day))
        ]
    else:
        touchpoints_day, comms_day, deals_day, costs_day, paths_day = (
            touchpoints,
            comms,
            linked_deals,
            costs,
            paths,
        )

    report = end_to_end_report(touchpoints_day, comms_day, deals_day, costs_day, channels)
    attribution = attribute_all(paths_day, half_life_days=half_life_days, markov_order=markov_order)
    excluded_parts = [
        _excluded("visitor_sessions", dropped_sessions, "visitor_session_id"),
        _excluded("communications", dropped_comms, "communication_id"),
        _excluded("deals", dropped_deals, "id"),
    ]
    # empty parts carry no rows but would still decide the column dtypes
    non_empty = [part for part in excluded_parts if len(part)]
    excluded = pd.concat(non_empty or excluded_parts[:1], ignore_index=True)
    if day is not None and len(excluded):
        excluded = excluded[pd.to_datetime(excluded["date_time"]).dt.date == day]
    deals_in = _on(deals, "date_time", day) if day is not None else deals
    reconciliation = _reconcile(len(deals_in), deals_day, excluded)
    return Marts(
        end_to_end=report,
        deals=deals_report(deals_day, paths_day),
        associated=associated_conversions(paths_day),
        attribution=attribution,
        paths=paths_day,
        excluded=excluded,
        reconciliation=reconciliation,
    )


def build_account_marts(inputs: Inputs, day: dt.date | None = None, **options) -> Marts:
    """The marts of every account, each built from that account's rows alone (its sites,
    campaigns, communications, deals and costs), so one account's journeys, paths and
    attribution never borrow another's. Every table gains ``account_id`` (null for rows of
    no known account: platform data, for operators only)."""
    parts = {
        account: build_marts(part, day=day, **options)
        for account, part in split_by_account(inputs).items()
    }
    if not parts:
        parts = {None: build_marts(inputs, day=day, **options)}
    tables = {}
    for name in ("end_to_end", "deals", "associated", "attribution", "paths", "excluded"):
        frames = [_with_account(getattr(marts, name), account) for account, marts in parts.items()]
        non_empty = [frame for frame in frames if len(frame)]
        tables[name] = pd.concat(non_empty or frames[:1], ignore_index=True)
    reconciliation = {
        key: sum(marts.reconciliation[key] for marts in parts.values())
        for key in next(iter(parts.values())).reconciliation
    }
    return Marts(**tables, reconciliation=reconciliation)


def paths_by_account(paths: pd.DataFrame) -> pd.DataFrame:
    """ChannelAttribution's layout, one block per account (``account_id`` first)."""
    if paths.empty or "account_id" not in paths:
        return _with_account(aggregate(paths), None)
    blocks = [
        _with_account(aggregate(group), None if pd.isna(account) else int(account))
        for account, group in paths.groupby("account_id", dropna=False, sort=True)
    ]
    return pd.concat(blocks, ignore_index=True)


def _with_account(frame: pd.DataFrame, account: int | None) -> pd.DataFrame:
    column = pd.array([account] * len(frame), dtype="Int64")
    return frame.drop(columns="account_id", errors="ignore").assign(account_id=column)[
        ["account_id", *(c for c in frame.columns if c != "account_id")]
    ]


def _row_accounts(
    frame: pd.DataFrame | None, site_account: dict, campaign_account: dict
) -> pd.Series:
    """Each row's account: its own ``account_id``, else its site's, else its campaign's."""
    if frame is None or frame.empty:
        return pd.Series(dtype="Int64")
    found = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if "account_id" in frame:
        found = pd.to_numeric(frame["account_id"], errors="coerce").astype("Int64")
    for column, owners in (("site_id", site_account), ("campaign_id", campaign_account)):
        if column in frame and owners:
            ids = pd.to_numeric(frame[column], errors="coerce")
            found = found.fillna(ids.map(owners).astype("Int64"))
    return found


def split_by_account(inputs: Inputs) -> dict[int | None, Inputs]:
    """Inputs per account. A row's account is its own ``account_id``, else its site's, else
    its campaign's; a deal without either follows its communication. Rows of no known
    account form the ``None`` part; without sites of known accounts, everything does."""
    site_account = _owners(inputs.sites, "id", "site_id")
    campaign_account = _owners(inputs.campaigns, "id")
    if not site_account:  # no site is known to belong to an account: nothing to split by
        return {None: inputs}

    def owner(frame: pd.DataFrame | None) -> pd.Series:
        return _row_accounts(frame, site_account, campaign_account)

    communications = owner(inputs.communications)
    deals = owner(inputs.deals)
    if len(deals) and "communication_id" in inputs.deals and len(communications):
        by_communication = pd.Series(
            communications.to_numpy(), index=inputs.communications["communication_id"].astype(str)
        )
        by_communication = by_communication[~by_communication.index.duplicated()]
        of_deal = inputs.deals["communication_id"].astype(str).map(by_communication)
        deals = deals.fillna(pd.to_numeric(of_deal, errors="coerce").astype("Int64"))
    owned = {
        "sessions": owner(inputs.sessions),
        "communications": communications,
        "deals": deals,
        "costs": owner(inputs.costs),
    }
    accounts = set()
    for found in owned.values():
        accounts |= {None if pd.isna(a) else int(a) for a in found.unique()}

    def rows_of(frame, found, account):
        if frame is None or frame.empty:
            return frame
        return frame[found.isna()] if account is None else frame[found.eq(account).fillna(False)]

    def config_of(frame, account):
        if frame is None or "account_id" not in frame or account is None:
            return frame  # keyed by site or campaign id: other accounts' rows are never read
        return frame[frame["account_id"].eq(account)]

    return {
        account: Inputs(
            sessions=rows_of(inputs.sessions, owned["sessions"], account),
            communications=rows_of(inputs.communications, communications, account),
            deals=rows_of(inputs.deals, deals, account),
            costs=rows_of(inputs.costs, owned["costs"], account),
            sites=config_of(inputs.sites, account),
            blocked=inputs.blocked,
            campaigns=config_of(inputs.campaigns, account),
            manual_target=inputs.manual_target,
        )
        for account in sorted(accounts, key=lambda a: (a is None, a or 0))
    }


def _owners(frame: pd.DataFrame | None, *id_columns: str) -> dict[int, int]:
    """Object id → account id from a config frame (empty without an ``account_id``)."""
    if frame is None or frame.empty or "account_id" not in frame:
        return {}
    column = next((c for c in id_columns if c in frame), None)
    if column is None:
        return {}
    known = frame.dropna(subset=[column, "account_id"])
    return dict(zip(known[column].astype(int), known["account_id"].astype(int), strict=True))


def _reconcile(deals_in: int, deals: pd.DataFrame, excluded: pd.DataFrame) -> dict:
    """Counts that must add up: every deal in is linked, unlinked or excluded with a reason."""
    linked = deals["linked_by"].ne("unlinked") if len(deals) else pd.Series(dtype=bool)
    sales = deals["is_sale"].astype(bool) & linked if len(deals) else linked
    return {
        "deals_input": int(deals_in),
        "deals_linked": int(linked.sum()),
        "deals_unlinked": int((~linked).sum()),
        "deals_excluded": int(excluded["source_table"].eq("deals").sum()) if len(excluded) else 0,
        "linked_sales": int(sales.sum()),
        "linked_revenue": float(deals.loc[sales, "revenue"].sum()) if len(deals) else 0.0,
        "spam_blocked": int(excluded["reason"].eq("spam-blocked call").sum())
        if len(excluded)
        else 0,
    }


def attribute_all(
    paths: pd.DataFrame, half_life_days: float = 7.0, markov_order: int = 1
) -> pd.DataFrame:
    """Every model's credits, one row per model and channel."""
    columns = ["model", "channel_name", "total_conversions", "total_conversion_value"]
    if paths.empty:
        return pd.DataFrame(columns=columns)
    table = to_path_table(paths)
    frames = []
    for name in MODELS:
        params: dict[str, dict[str, float]] = {
            "time_decay": {"half_life": half_life_days},
            "markov": {"order": markov_order},
        }
        model = make_model(name, **params.get(name, {})).fit(table)
        frames.append(model.credits_.assign(model=name))
    return pd.concat(frames, ignore_index=True)[columns]


def _campaign_channels(campaigns: pd.DataFrame | None, touchpoints: pd.DataFrame) -> pd.Series:
    """A campaign's configured channel, else the usual channel of its visits."""
    seen = usual_channels(touchpoints)
    if campaigns is None or campaigns.empty:
        return seen
    configured = campaigns.dropna(subset=["channel"]).set_index("id")["channel"]
    return configured.combine_first(seen)


def _ensure(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy() if frame is not None else pd.DataFrame()
    for column in columns:
        if column not in frame:
            frame[column] = pd.Series(dtype=object)
    return frame


def _on(frame: pd.DataFrame, column: str, day: dt.date) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[pd.to_datetime(frame[column]).dt.date == day]


def _ends_on(paths: pd.DataFrame, touchpoints: pd.DataFrame, day: dt.date) -> pd.Series:
    """Non-converting journeys are counted on the day of their latest touch."""
    if touchpoints.empty:
        return pd.Series(False, index=paths.index)
    last = pd.to_datetime(touchpoints.groupby("journey_id")["date_time"].max()).dt.date
    return paths["journey_id"].map(last).eq(day)


def _excluded(table: str, frame: pd.DataFrame, key: str) -> pd.DataFrame:
    columns = ["source_table", "key", "date_time", "reason"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "source_table": table,
            "key": frame[key].astype(str),
            "date_time": pd.to_datetime(frame["date_time"]),
            "reason": frame["reason"],
        }
    )[columns]

"""The end-to-end report, the deals analysis and the associated-conversions report.

Ratios are recomputed from summed counts whenever a report is rolled up, never averaged.
A deal is credited to the channel and campaign of its communication (or of the visitor's
latest touch), as the cabinet does; the attribution marts show the other models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.touchpoints import usual_channels

KEYS = ["date", "site_id", "channel", "campaign_id"]
COMMUNICATION_TYPES = ("call", "chat", "offline_message", "goal")
COUNTS = [
    "visits",
    *[f"communications_{t}" for t in COMMUNICATION_TYPES],
    "communications",
    "target_communications",
    "primary_communications",
    "deals",
    "sales",
    "clients",
    "revenue",
    "cost",
]
RATIOS = ["cost_per_lead", "cost_per_client", "conversion_to_sales", "average_check", "roi"]
NO_VISITS = "(no visits)"


def end_to_end_report(
    touchpoints: pd.DataFrame,
    communications: pd.DataFrame,
    deals: pd.DataFrame,
    costs: pd.DataFrame,
    campaign_channels: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per day, site, channel and campaign with the counts and the ratios."""
    parts = []
    if len(touchpoints):
        parts.append(_count(touchpoints, "date_time", visits=("channel", "size")))
    if len(communications):
        comms = communications.assign(
            **{
                f"communications_{t}": communications["communication_type"].eq(t)
                for t in COMMUNICATION_TYPES
            },
            communications=1,
            target_communications=communications["is_target"].astype(bool),
            primary_communications=communications["is_primary"].astype(bool),
        )
        names = [f"communications_{t}" for t in COMMUNICATION_TYPES]
        names += ["communications", "target_communications", "primary_communications"]
        parts.append(_count(comms, "date_time", **{n: (n, "sum") for n in names}))
    if len(deals):
        sold = deals.assign(
            deals=1,
            sales=deals["is_sale"].astype(int),
            client=np.where(
                deals["is_sale"],
                deals["journey_id"].astype(object).fillna("deal:" + deals["id"].astype(str)),
                None,
            ),
        )
        parts.append(
            _count(
                sold,
                "date_time",
                deals=("deals", "sum"),
                sales=("sales", "sum"),
                clients=("client", "nunique"),
                revenue=("revenue", "sum"),
            )
        )
    if len(costs):
        channels = (
            campaign_channels if campaign_channels is not None else usual_channels(touchpoints)
        )
        priced = costs.assign(channel=costs["campaign_id"].map(channels).fillna(NO_VISITS))
        date_col = "date" if "date" in priced else "date_time"
        parts.append(_count(priced, date_col, cost=("cost_sum", "sum")))
    if not parts:
        return pd.DataFrame(columns=[*KEYS, *COUNTS, *RATIOS])
    report = (
        pd.concat(parts, ignore_index=True).groupby(KEYS, dropna=False, sort=True).sum(min_count=0)
    )
    report = report.reindex(columns=COUNTS, fill_value=0).fillna(0)
    whole = [c for c in COUNTS if c not in ("revenue", "cost")]
    report[whole] = report[whole].astype("int64")
    return with_ratios(report.reset_index())


def with_ratios(report: pd.DataFrame) -> pd.DataFrame:
    out = report.copy()
    out["cost_per_lead"] = _ratio(out["cost"], out["target_communications"])
    out["cost_per_client"] = _ratio(out["cost"], out["clients"])
    out["conversion_to_sales"] = _ratio(out["sales"], out["target_communications"])
    out["average_check"] = _ratio(out["revenue"], out["sales"])
    out["roi"] = _ratio(out["revenue"] - out["cost"], out["cost"])
    return out


def roll_up(report: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sums the counts over everything but ``by`` and recomputes the ratios.

    ``clients`` are summed too, so a client who bought on two days counts twice."""
    summed = report.groupby(by, dropna=False, sort=True)[COUNTS].sum().reset_index()
    return with_ratios(summed)


def _associated_ratio(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        assisted_to_last_touch=_ratio(
            frame["assisted_conversions"], frame["last_touch_conversions"]
        )
    )


def _deal_counts(frame: pd.DataFrame) -> pd.DataFrame:
    sale = frame["is_sale"] if "is_sale" in frame else pd.Series(True, index=frame.index)
    return frame.assign(deals=1, sales=sale.fillna(False).astype(bool).astype(int))


def _average_check(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(average_check=_ratio(frame["revenue"], frame["sales"]))


@dataclass(frozen=True)
class Totals:
    """How a report sums over any period: the columns it may be grouped by, the counts it
    sums, and the ratios recomputed from the sums (never averaged)."""

    keys: tuple[str, ...]
    counts: tuple[str, ...]
    ratios: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame
    counted: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame  # adds row counts

    def sum(self, rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        """One row per group of ``by`` (one row in all for no grouping)."""
        frame = self.counted(
            rows.reindex(columns=[*self.keys, *rows.columns.difference(self.keys)])
        )
        frame = frame.reindex(columns=[*self.keys, *self.counts])
        frame[list(self.counts)] = frame[list(self.counts)].apply(pd.to_numeric).fillna(0)
        if by:
            summed = frame.groupby(by, dropna=False, sort=True)[list(self.counts)].sum()
            summed = summed.reset_index()
        else:
            summed = frame[list(self.counts)].sum().to_frame().T
        return self.ratios(summed)


# The reports that sum over a period, by warehouse table (``account_id``: for platform
# operators, who see every account's rows).
TOTALS = {
    "report_end_to_end": Totals(
        ("site_id", "campaign_id", "channel", "account_id"), tuple(COUNTS), with_ratios
    ),
    "attribution_by_model": Totals(
        ("model", "channel_name", "account_id"), ("total_conversions", "total_conversion_value")
    ),
    "report_associated_conversions": Totals(
        ("channel", "account_id"),
        ("last_touch_conversions", "last_touch_value", "assisted_conversions", "assisted_value"),
        _associated_ratio,
    ),
    "report_deals": Totals(
        ("channel", "campaign_id", "site_id", "linked_by", "account_id"),
        ("deals", "sales", "revenue"),
        _average_check,
        _deal_counts,
    ),
}


def deals_report(deals: pd.DataFrame, paths: pd.DataFrame) -> pd.DataFrame:
    """One row per deal: its link, channel and campaign, and the journey that led to it."""
    journey = paths[paths["deal_id"].notna()].assign(
        deal_id=lambda f: f["deal_id"].astype(str),
        first_touch=lambda f: f["touches"].map(lambda t: t[0]),
        last_touch=lambda f: f["touches"].map(lambda t: t[-1]),
        touches_count=lambda f: f["touches"].map(len),
        days_from_first_touch=lambda f: f["ages"].map(lambda a: float(max(a)) if len(a) else 0.0),
        path=lambda f: f["touches"].map(" > ".join),
    )[["deal_id", "first_touch", "last_touch", "touches_count", "days_from_first_touch", "path"]]
    keep = [
        "id",
        "date_time",
        "amount",
        "status",
        "stage",
        "funnel",
        "site_id",
        "is_sale",
        "revenue",
        "linked_by",
        "communication_id",
        "communication_type",
        "journey_id",
        "channel",
        "campaign_id",
    ]
    frame = deals.reindex(columns=keep).assign(deal_id=deals["id"].astype(str))
    out = frame.merge(journey, on="deal_id", how="left").drop(columns="deal_id")
    out["touches_count"] = pd.to_numeric(out["touches_count"]).fillna(0).astype(int)
    return out


def associated_conversions(paths: pd.DataFrame) -> pd.DataFrame:
    """Per channel: sales it closed (last touch) against sales it assisted (earlier touch)."""
    converting = paths[paths["conversions"] > 0]
    rows = []
    for touches, conversions, value in zip(
        converting["touches"], converting["conversions"], converting["value"], strict=True
    ):
        last = touches[-1]
        rows.append((last, conversions, value, 0.0, 0.0))
        for channel in set(touches[:-1]) - {last}:
            rows.append((channel, 0.0, 0.0, conversions, value))
    columns = [
        "channel",
        "last_touch_conversions",
        "last_touch_value",
        "assisted_conversions",
        "assisted_value",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    out = frame.groupby("channel", sort=True).sum().reset_index()
    out["assisted_to_last_touch"] = _ratio(
        out["assisted_conversions"], out["last_touch_conversions"]
    )
    return out


def _count(frame: pd.DataFrame, time_column: str, **aggregations) -> pd.DataFrame:
    keyed = frame.assign(date=pd.to_datetime(frame[time_column]).dt.date)
    for key in ("campaign_id", "channel", "site_id"):
        if key not in keyed:
            keyed[key] = None
    keyed["campaign_id"] = pd.to_numeric(keyed["campaign_id"], errors="coerce").astype("Int64")
    return keyed.groupby(KEYS, dropna=False, sort=False).agg(**aggregations).reset_index()


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    numerator = numerator.astype(float)
    denominator = denominator.astype(float)
    return (numerator / denominator).where(denominator != 0)

"""Journeys cut into paths that end in a sale (a won deal) or in nothing.

A sale's path is the touches after the journey's previous sale up to the sale itself; if
there are none, the latest touch before it (the touch that brought the lead). Touches after
the last sale form a non-converting path. A deal linked through a communication that had no
visitor session gets a one-touch path of the communication's channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.attribution import PathTable
from analytics.attribution.paths import CONVERSIONS, NULL, PATH, VALUE
from analytics.touchpoints import as_time

DAY = pd.Timedelta(days=1)
LABELS = ("channel", "campaign_id")


def conversion_paths(
    touchpoints: pd.DataFrame, deals: pd.DataFrame, label: str = "channel"
) -> pd.DataFrame:
    """One row per sale or non-converting remainder: ``journey_id``, ``deal_id``, ``touches``
    (labels in time order), ``ages`` (days before the sale or the last touch),
    ``conversions``, ``value`` and ``nulls``."""
    if label not in LABELS:
        raise ValueError(f"paths are made of one of {LABELS}, not {label!r}")
    touches = touchpoints[["journey_id", "date_time", label]].rename(columns={label: "label"})
    touches = touches.assign(date_time=as_time(touches["date_time"]))
    touches = touches.sort_values(["journey_id", "date_time"], kind="stable")
    sales = deals[deals["is_sale"] & deals["linked_by"].ne("unlinked")]
    sales = sales.assign(
        sale_time=as_time(sales["date_time"]), deal_id=sales["id"].astype(str)
    ).sort_values("sale_time")

    in_journey = sales[sales["journey_id"].notna()]
    touches = touches.assign(segment=_next_sale(touches, in_journey))
    rows = []
    grouped = touches.groupby(["journey_id", "segment"], sort=False, dropna=False)
    for (journey, segment), group in grouped:
        rows.append((journey, segment, list(group["label"]), group["date_time"].to_numpy()))
    segments = pd.DataFrame(rows, columns=["journey_id", "segment", "touches", "times"])

    converting = in_journey.merge(
        segments.rename(columns={"segment": "deal_id"}), on=["journey_id", "deal_id"], how="left"
    )
    lead_touch = _latest_label(touches, converting)
    missing = converting["touches"].isna()
    converting.loc[missing, "touches"] = lead_touch[missing].map(lambda x: [x])
    converting.loc[missing, "times"] = converting.loc[missing, "sale_time"].map(
        lambda t: np.array([t])
    )
    no_session = sales[sales["journey_id"].isna()].assign(
        touches=lambda f: f[label].map(lambda x: [x]),
        times=lambda f: f["sale_time"].map(lambda t: np.array([t])),
    )
    converted = pd.concat([converting, no_session], ignore_index=True)
    converted = converted.assign(
        ages=[
            _ages(times, end)
            for times, end in zip(converted["times"], converted["sale_time"], strict=True)
        ],
        conversions=1.0,
        value=converted["revenue"].astype(float),
        nulls=0.0,
    )
    dormant = segments[segments["segment"].isna()].copy()
    dormant = dormant.assign(
        deal_id=None,
        ages=[_ages(t, t.max()) for t in dormant["times"]],
        conversions=0.0,
        value=0.0,
        nulls=1.0,
    )
    columns = ["journey_id", "deal_id", "touches", "ages", "conversions", "value", "nulls"]
    out = pd.concat([converted[columns], dormant[columns]], ignore_index=True)
    out["touches"] = out["touches"].map(lambda labels: [_label_text(x) for x in labels])
    return out


def _label_text(value) -> str:
    """Campaign ids read as floats (10.0) print as integers; a missing label is named."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_path_table(paths: pd.DataFrame) -> PathTable:
    return PathTable.from_sequences(
        list(paths["touches"]),
        conversions=paths["conversions"].to_numpy(),
        value=paths["value"].to_numpy(),
        nulls=paths["nulls"].to_numpy(),
        ages=list(paths["ages"]),
    )


def aggregate(paths: pd.DataFrame, sep: str = " > ") -> pd.DataFrame:
    """ChannelAttribution's layout: one row per distinct path with the sums."""
    frame = paths.assign(path=paths["touches"].map(sep.join))
    grouped = frame.groupby("path", sort=True)[["conversions", "value", "nulls"]].sum()
    return grouped.reset_index().rename(
        columns={"path": PATH, "conversions": CONVERSIONS, "value": VALUE, "nulls": NULL}
    )


def _next_sale(touches: pd.DataFrame, sales: pd.DataFrame) -> pd.Series:
    """For each touch, the first sale of its journey at or after it (None after the last)."""
    if touches.empty or sales.empty:
        return pd.Series([None] * len(touches), index=touches.index, dtype=object)
    left = touches[["journey_id", "date_time"]].reset_index().sort_values("date_time")
    right = sales[["journey_id", "sale_time", "deal_id"]].sort_values("sale_time")
    matched = pd.merge_asof(
        left, right, left_on="date_time", right_on="sale_time", by="journey_id", direction="forward"
    )
    return matched.set_index("index")["deal_id"].astype(object).reindex(touches.index)


def _latest_label(touches: pd.DataFrame, sales: pd.DataFrame) -> pd.Series:
    if sales.empty or touches.empty:
        return pd.Series([None] * len(sales), index=sales.index, dtype=object)
    left = sales[["journey_id", "sale_time"]].reset_index().sort_values("sale_time")
    matched = pd.merge_asof(
        left,
        touches[["journey_id", "date_time", "label"]].sort_values("date_time"),
        left_on="sale_time",
        right_on="date_time",
        by="journey_id",
        direction="backward",
    )
    return matched.set_index("index")["label"].reindex(sales.index)


def _ages(times, end) -> list[float]:
    times = pd.to_datetime(pd.Series(times))
    return list(((pd.Timestamp(end) - times) / DAY).clip(lower=0).astype(float))

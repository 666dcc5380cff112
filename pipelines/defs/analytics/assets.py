"""End-to-end analytics marts per day: the report, deals, associated conversions, attribution.

Each account's marts are built from its own rows alone, and every table carries
``account_id``, so reports and attribution answer per account."""

import base64
import datetime as dt
from collections.abc import Set as AbstractSet
from typing import Literal

import dagster as dg
import pandas as pd

from analytics.marts import Marts, build_account_marts, paths_by_account, read_inputs
from analytics.plots import attribution_comparison_png, funnel_png, roi_by_channel_png
from analytics.reports import roll_up
from data.config.queries import campaigns_frame, sites_frame
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, WarehouseResource
from tagging.system_tags import load_manual_target

END_TO_END = dg.AssetKey("report_end_to_end")
DEALS = dg.AssetKey("report_deals")
ASSOCIATED = dg.AssetKey("report_associated_conversions")
ATTRIBUTION = dg.AssetKey("attribution_by_model")
PATHS = dg.AssetKey("attribution_paths")
EXCLUSIONS = dg.AssetKey("report_exclusions")
INPUTS = [dg.AssetKey(k) for k in ("visitor_sessions", "communications", "deals", "ad_costs")]
SPAM = dg.AssetKey("blocked_calls")  # antispam's blocked calls leave every count


class AnalyticsConfig(dg.Config):
    half_life_days: float = 7.0
    """Time-decay model: a touch this many days older gets half the credit."""
    markov_order: int = 1
    """Markov model order (1 to 3)."""
    path_label: Literal["channel", "campaign_id"] = "channel"
    """What a path is made of: ``channel`` or ``campaign_id``."""


def _spec(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        deps=[*INPUTS, SPAM],
        group_name="analytics",
        description=description,
        kinds={"parquet", "duckdb"},
        partitions_def=daily_partitions,
    )


CHECKS = [
    dg.AssetCheckSpec(
        "credits_sum_to_totals",
        asset=ATTRIBUTION,
        description="every model credits exactly the day's linked sales and revenue",
    ),
    dg.AssetCheckSpec(
        "no_negative_costs", asset=END_TO_END, description="ad costs are never negative"
    ),
    dg.AssetCheckSpec(
        "deals_linked_or_unlinked",
        asset=DEALS,
        description="deals in = linked + unlinked + excluded (sales accounting off)",
    ),
]


@dg.multi_asset(
    specs=[
        _spec(
            END_TO_END,
            "Visits, communications, deals, revenue and cost per channel, campaign, site and day, with CPL, cost per client, conversion to sales, average check and ROI.",
        ),
        _spec(
            DEALS,
            "Deals analysis: each deal with its link, channel, campaign and the journey behind it.",
        ),
        _spec(
            ASSOCIATED,
            "Associated conversions: sales each channel closed (last touch) against sales it assisted.",
        ),
        _spec(
            ATTRIBUTION,
            "Sales and revenue credited to channels by first, last, last non-direct, linear, time-decay, position-based, Markov and Shapley models.",
        ),
        _spec(
            PATHS,
            "The day's journeys in ChannelAttribution's layout (path, total_conversions, total_conversion_value, total_null).",
        ),
        _spec(
            EXCLUSIONS,
            "What the day's reports left out and why (spam, sales accounting off), so every count can be reconciled.",
        ),
    ],
    check_specs=CHECKS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
)
def analytics_marts(
    context: dg.AssetExecutionContext,
    config: AnalyticsConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
):
    selected = context.selected_asset_keys
    checks = {key.name for key in context.selected_asset_check_keys}
    wh = warehouse.get()
    with config_store.get().session() as session:
        sites = sites_frame(session)
        campaigns = campaigns_frame(session)
        manual_target = load_manual_target(session)  # a person's word on «Нецелевой» wins
    days = [dt.date.fromisoformat(key) for key in context.partition_keys]
    built: list[Marts] = []
    for day in days:
        inputs = read_inputs(wh, day, sites if len(sites) else None, campaigns, manual_target)
        marts = build_account_marts(
            inputs,
            day=day,
            half_life_days=config.half_life_days,
            markov_order=config.markov_order,
            label=config.path_label,
        )
        tables = {
            END_TO_END: marts.end_to_end,
            DEALS: marts.deals,
            ASSOCIATED: marts.associated,
            ATTRIBUTION: marts.attribution,
            PATHS: paths_by_account(marts.paths),
            EXCLUSIONS: marts.excluded,
        }
        for key, frame in tables.items():
            if key in selected:
                wh.write_partition(key.path[-1], day, frame)
        built.append(marts)

    report = pd.concat([m.end_to_end for m in built], ignore_index=True)
    attribution = pd.concat([m.attribution for m in built], ignore_index=True)
    totals = {k: sum(m.reconciliation[k] for m in built) for k in built[0].reconciliation}
    yield from _materialize_results(built, selected, report, attribution, totals)
    if "credits_sum_to_totals" in checks:
        yield _credits_check(attribution, totals)
    if "no_negative_costs" in checks:
        yield _costs_check(report)
    if "deals_linked_or_unlinked" in checks:
        yield _deals_check(totals)


def _materialize_results(
    built: list[Marts],
    selected: AbstractSet[dg.AssetKey],
    report: pd.DataFrame,
    attribution: pd.DataFrame,
    totals: dict,
) -> list[dg.MaterializeResult]:
    """One result with its metadata for each selected mart, over every day built."""
    results: list[dg.MaterializeResult] = []
    if END_TO_END in selected:
        results.append(
            dg.MaterializeResult(asset_key=END_TO_END, metadata=_report_metadata(report))
        )
    if DEALS in selected:
        deals = pd.concat([m.deals for m in built], ignore_index=True)
        results.append(_deals_result(deals, totals))
    if ASSOCIATED in selected:
        associated = pd.concat([m.associated for m in built], ignore_index=True)
        results.append(
            dg.MaterializeResult(
                asset_key=ASSOCIATED,
                metadata={
                    "channels": len(associated),
                    "table": dg.MetadataValue.md(_markdown(associated)),
                },
            )
        )
    if ATTRIBUTION in selected:
        results.append(_attribution_result(attribution, totals))
    if PATHS in selected:
        paths = pd.concat([m.paths for m in built], ignore_index=True)
        converting = int((paths["conversions"] > 0).sum()) if len(paths) else 0
        results.append(
            dg.MaterializeResult(
                asset_key=PATHS, metadata={"journeys": len(paths), "converting": converting}
            )
        )
    if EXCLUSIONS in selected:
        excluded = sum(len(m.excluded) for m in built)
        results.append(
            dg.MaterializeResult(asset_key=EXCLUSIONS, metadata={"dagster/row_count": excluded})
        )
    return results


def _deals_result(deals: pd.DataFrame, totals: dict) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        asset_key=DEALS,
        metadata={
            "deals": totals["deals_input"],
            "linked": totals["deals_linked"],
            "unlinked": totals["deals_unlinked"],
            "excluded": totals["deals_excluded"],
            "preview": dg.MetadataValue.md(_markdown(deals.head(20))),
        },
    )


def _attribution_result(attribution: pd.DataFrame, totals: dict) -> dg.MaterializeResult:
    by_model = (
        attribution.groupby(["model", "channel_name"], sort=False)
        .sum(numeric_only=True)
        .reset_index()
    )
    return dg.MaterializeResult(
        asset_key=ATTRIBUTION,
        metadata={
            "sales": totals["linked_sales"],
            "revenue": totals["linked_revenue"],
            "models_compared": dg.MetadataValue.md(_image(attribution_comparison_png(by_model))),
            "revenue_by_model": dg.MetadataValue.md(
                _image(attribution_comparison_png(by_model, "total_conversion_value"))
            ),
            "table": dg.MetadataValue.md(_markdown(_wide(by_model))),
        },
    )


def _costs_check(report: pd.DataFrame) -> dg.AssetCheckResult:
    costs = report["cost"] if len(report) else pd.Series(dtype=float)
    negative = int((costs < 0).sum())
    return dg.AssetCheckResult(
        check_name="no_negative_costs",
        asset_key=END_TO_END,
        passed=negative == 0,
        metadata={"rows_with_negative_cost": negative, "total_cost": float(costs.sum())},
    )


def _deals_check(totals: dict) -> dg.AssetCheckResult:
    accounted = totals["deals_linked"] + totals["deals_unlinked"] + totals["deals_excluded"]
    return dg.AssetCheckResult(
        check_name="deals_linked_or_unlinked",
        asset_key=DEALS,
        passed=accounted == totals["deals_input"],
        metadata={"deals_in": totals["deals_input"], "accounted": accounted},
    )


def _credits_check(attribution: pd.DataFrame, totals: dict) -> dg.AssetCheckResult:
    sums = attribution.groupby("model")[["total_conversions", "total_conversion_value"]].sum()
    tolerance = 1e-6 * max(1.0, totals["linked_revenue"])
    off = {
        model: {"sales": float(row.total_conversions), "revenue": float(row.total_conversion_value)}
        for model, row in sums.iterrows()
        if abs(row.total_conversions - totals["linked_sales"])
        > 1e-6 * max(1, totals["linked_sales"])
        or abs(row.total_conversion_value - totals["linked_revenue"]) > tolerance
    }
    return dg.AssetCheckResult(
        check_name="credits_sum_to_totals",
        asset_key=ATTRIBUTION,
        passed=not off,
        metadata={
            "sales": totals["linked_sales"],
            "revenue": totals["linked_revenue"],
            "models": len(sums),
            "models_off": dg.MetadataValue.json(off),
        },
    )


def _report_metadata(report: pd.DataFrame) -> dict:
    if report.empty:
        return {"rows": 0}
    by_channel = roll_up(report, ["channel"])
    return {
        "rows": len(report),
        "visits": int(report["visits"].sum()),
        "target_communications": int(report["target_communications"].sum()),
        "sales": int(report["sales"].sum()),
        "revenue": float(report["revenue"].sum()),
        "cost": float(report["cost"].sum()),
        "funnel": dg.MetadataValue.md(_image(funnel_png(report))),
        "roi_by_channel": dg.MetadataValue.md(_image(roi_by_channel_png(report))),
        "by_channel": dg.MetadataValue.md(_markdown(by_channel)),
    }


def _wide(by_model: pd.DataFrame) -> pd.DataFrame:
    return by_model.pivot_table(
        index="channel_name", columns="model", values="total_conversions", aggfunc="sum"
    ).reset_index()


def _image(png: bytes) -> str:
    return f"![](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def _markdown(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_no rows_"
    shown = frame.copy()
    for column in shown.select_dtypes("number"):
        shown[column] = shown[column].round(2)
    header = "| " + " | ".join(map(str, shown.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
    rows = [
        "| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |"
        for row in shown.itertuples(index=False)
    ]
    return "\n".join([header, rule, *rows])

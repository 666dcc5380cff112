"""Raw ingest from the landing folder, one asset per contract, and unified communications."""

import datetime as dt

import dagster as dg

from data.communications import build_communications
from data.config.queries import known_site_ids, site_settings_history
from data.contracts import CONTRACTS
from data.ingest.landing import IngestResult, ingest_day
from pipelines.partitions import daily_partitions
from pipelines.resources import (
    ConfigStoreResource,
    LandingResource,
    QuarantineLimitResource,
    WarehouseResource,
)

RAW_TABLES = tuple(CONTRACTS)


def partition_days(context: dg.AssetExecutionContext) -> list[dt.date]:
    return [dt.date.fromisoformat(key) for key in context.partition_keys]


def _summarize(results: list[IngestResult]) -> dict:
    rows_in = sum(r.rows_in for r in results)
    quarantined = sum(r.quarantined for r in results)
    reasons: dict[str, int] = {}
    for r in results:
        for reason, n in r.top_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    return {
        "files": sum(r.files for r in results),
        "rows_in": rows_in,
        "accepted": sum(r.accepted for r in results),
        "quarantined": quarantined,
        "duplicates_merged": sum(r.merged for r in results),
        "rows_written": sum(r.written for r in results),
        "quarantined_share": round(quarantined / rows_in, 6) if rows_in else 0.0,
        "quarantine_reasons": dg.MetadataValue.json(
            dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:10])
        ),
    }


def _raw_asset(table: str) -> dg.AssetsDefinition:
    contract = CONTRACTS[table]

    @dg.asset(
        name=table,
        group_name="ingest",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=f"{contract.description} Rejected rows go to quarantine_{table}.",
        kinds={"parquet", "duckdb"},
        check_specs=[
            dg.AssetCheckSpec(
                "rows_reconcile", asset=table, description="rows in = accepted + quarantined"
            ),
            dg.AssetCheckSpec(
                "quarantine_share",
                asset=table,
                description="quarantined share stays under CALLSCOPE_QUARANTINE_MAX_SHARE",
            ),
        ],
    )
    def _asset(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        config_store: ConfigStoreResource,
        landing: LandingResource,
        quarantine_limit: QuarantineLimitResource,
    ):
        with config_store.get().session() as session:
            sites = known_site_ids(session) or None
        results = [
            ingest_day(warehouse.get(), landing.path(), table, day, sites)
            for day in partition_days(context)
        ]
        summary = _summarize(results)
        context.log.info(
            f"{table}: {summary['rows_in']} rows in, {summary['quarantined']} quarantined"
        )
        yield dg.MaterializeResult(metadata=summary)
        yield dg.AssetCheckResult(
            check_name="rows_reconcile",
            passed=all(r.reconciles for r in results),
            metadata={
                "rows_in": summary["rows_in"],
                "accepted": summary["accepted"],
                "quarantined": summary["quarantined"],
            },
        )
        limit = quarantine_limit.get()
        yield dg.AssetCheckResult(
            check_name="quarantine_share",
            passed=summary["quarantined_share"] <= limit,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"quarantined_share": summary["quarantined_share"], "limit": limit},
        )

    return _asset


raw_assets = [_raw_asset(table) for table in RAW_TABLES]


@dg.asset(
    group_name="ingest",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["calls", "chats", "offline_messages"],
    kinds={"parquet", "duckdb"},
    description="Calls, chats and leads as one table with CoMagic attributes: primary, lost, "
    "target (site's minimum duration) and repeat contact (site's period).",
)
def communications(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> dg.MaterializeResult:
    wh = warehouse.get()
    with config_store.get().session() as session:
        sites = site_settings_history(session)  # facts follow the settings of their time
    totals: dict[str, int] = {}
    for day in partition_days(context):
        table = build_communications(wh, day, sites)
        wh.write_partition("communications", day, table)
        if table.num_rows == 0:
            continue
        frame = table.select(
            ["communication_type", "is_target", "is_primary", "is_lost", "is_repeat", "account_id"]
        ).to_pandas()
        for key, n in frame["communication_type"].value_counts().items():
            totals[f"{key}s"] = totals.get(f"{key}s", 0) + int(n)
        for flag in ("is_target", "is_primary", "is_lost", "is_repeat"):
            totals[flag.removeprefix("is_")] = totals.get(flag.removeprefix("is_"), 0) + int(
                frame[flag].sum()
            )
        totals["without_account"] = totals.get("without_account", 0) + int(
            frame["account_id"].isna().sum()
        )
        totals["rows"] = totals.get("rows", 0) + len(frame)
    return dg.MaterializeResult(metadata=totals)

"""The daily `smarttag_assignments` asset: SmartTag tags on the day's recognized calls."""

import datetime as dt

import dagster as dg

from models.inference import COLUMNS, smarttag_day
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, WarehouseResource

TABLE = "smarttag_assignments"
CONTRACT_CHECK = "assignments_follow_contract"


def _problems(frame) -> dict[str, int]:
    if frame.empty:
        return {"duplicates": 0, "bad_probability": 0, "missing_model_version": 0}
    return {
        "duplicates": int(frame.duplicated(["communication_id", "tag"]).sum()),
        "bad_probability": int((~frame["probability"].between(0.0, 1.0)).sum()),
        "missing_model_version": int(frame["source_ref"].fillna("").eq("").sum()),
    }


@dg.asset(
    name=TABLE,
    partitions_def=daily_partitions,
    deps=[dg.AssetKey("transcripts"), dg.AssetKey("communications")],
    group_name="smarttag",
    kinds={"parquet", "pytorch"},
    description="Tags set by the active SmartTag model of every account whose SmartTag is on; "
    "each row names the model version (source_ref) and its probability.",
    check_specs=[
        dg.AssetCheckSpec(
            CONTRACT_CHECK,
            asset=TABLE,
            description="One row per call and tag, probabilities in [0, 1], every "
            "row names its model version.",
        ),
    ],
)
def smarttag_assignments(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> dg.MaterializeResult:
    wh, store = warehouse.get(), config_store.get()
    totals = {"calls": 0, "empty_transcripts": 0, "tags_set": 0}
    unknown: dict[str, int] = {}
    problems = {"duplicates": 0, "bad_probability": 0, "missing_model_version": 0}
    for key in context.partition_keys:
        day = dt.date.fromisoformat(key)
        frame, stats = smarttag_day(wh, store, day)
        wh.write_partition(TABLE, day, frame[COLUMNS])
        context.log.info(
            f"{day}: {stats.calls} calls, {stats.tags_set} tags, per account {stats.per_account}"
        )
        totals["calls"] += stats.calls
        totals["empty_transcripts"] += stats.empty
        totals["tags_set"] += stats.tags_set
        for tag, n in stats.unknown_tags.items():
            unknown[tag] = unknown.get(tag, 0) + n
        for name, n in _problems(frame).items():
            problems[name] += n
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": totals["tags_set"],
            **totals,
            "unknown_tags_skipped": dg.MetadataValue.json(unknown),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=CONTRACT_CHECK, passed=not any(problems.values()), metadata=problems
            )
        ],
    )

"""Daily partitions over the communications' local dates."""

import os

import dagster as dg

PARTITIONS_START = os.environ.get("CALLSCOPE_PARTITIONS_START", "2025-11-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, end_offset=1)


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make one run materialize the days ``start``..``end`` (inclusive)."""
    return {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }


def range_run(asset: str, start: str, end: str, config) -> tuple[dict, dict]:
    """Run config (``config``, a pydantic model, for ``asset``) and tags of a ranged run."""
    return {"ops": {asset: {"config": config.model_dump()}}}, range_tags(start, end)

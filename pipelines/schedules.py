"""The nightly job: every daily-partitioned asset of yesterday, at 02:00 local time; and the
warehouse upkeep (compaction, then the retention job) at 05:00."""

import dagster as dg

from pipelines.partitions import daily_partitions
from pipelines.resources import WarehouseResource


@dg.op(description="Rewrites each appended day as one file, then removes files past retention.")
def warehouse_upkeep(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> dict:
    wh = warehouse.get()
    compacted = {table: [d.isoformat() for d in wh.compact(table)] for table in wh.tables()}
    removed = wh.vacuum()
    context.log.info(f"compacted {compacted}; removed files {removed}")
    return {"compacted": compacted, "removed": removed}


@dg.job(description="Warehouse upkeep: compaction of appended days and the retention job.")
def warehouse_upkeep_job():
    warehouse_upkeep()


def nightly_definitions(defs: dg.Definitions) -> dg.Definitions:
    daily_keys = [
        key
        for assets_def in defs.assets or []
        if isinstance(assets_def, dg.AssetsDefinition)
        and assets_def.partitions_def == daily_partitions
        for key in assets_def.keys
    ]
    job = dg.define_asset_job(
        "nightly",
        selection=dg.AssetSelection.assets(*daily_keys),
        partitions_def=daily_partitions,
        description="Ingest, transcribe, tag, score and report one day.",
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job, hour_of_day=2, minute_of_hour=0, default_status=dg.DefaultScheduleStatus.RUNNING
    )
    upkeep = dg.ScheduleDefinition(
        job=warehouse_upkeep_job,
        cron_schedule="0 5 * * *",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return dg.Definitions(jobs=[job, warehouse_upkeep_job], schedules=[schedule, upkeep])

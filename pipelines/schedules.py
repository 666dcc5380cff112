"""The nightly job: every daily-partitioned asset of yesterday, at 02:00 local time."""

import dagster as dg

from pipelines.partitions import daily_partitions


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
    return dg.Definitions(jobs=[job], schedules=[schedule])

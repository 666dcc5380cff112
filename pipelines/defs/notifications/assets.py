"""The nightly raise: one day's communications, transcripts, tag assignments and spam verdicts
become notification events (and their outbox rows) in the config store. All the work happens
in ``data.notifications``; a re-run of a day raises nothing new."""

import datetime as dt

import dagster as dg

from data.notifications.sources import raise_day
from data.settings import get_settings
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, WarehouseResource


@dg.asset(
    name="notification_events",
    group_name="notifications",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["communications", "transcripts", "tag_assignments", "spam_verdicts"],
    kinds={"sql"},
    description="Events of the day (lost, recorded, finished calls, chats, leads, tags, "
    "transcripts, spam numbers) matched against the notification rules into the outbox; each "
    "event once by its natural key.",
)
def notification_events(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
) -> dg.MaterializeResult:
    store, wh, settings = config_store.get(), warehouse.get(), get_settings()
    totals = {"events": 0, "duplicates": 0, "deliveries": 0, "outside_schedule": 0}
    for key in context.partition_keys:
        raised = raise_day(store, settings, wh, dt.date.fromisoformat(key))
        for name in totals:
            totals[name] += getattr(raised, name)
    return dg.MaterializeResult(metadata=totals)

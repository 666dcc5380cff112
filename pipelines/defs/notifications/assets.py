"""The nightly raise: one day's communications, transcripts, tag assignments and spam verdicts
become notification events (and their outbox rows) in the config store. All the work happens
in ``data.notifications``; a re-run of a day raises nothing new."""

import datetime as dt

import dagster as dg

from data.notifications.sources import Raised, raise_day, raise_spam_day
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, NotificationsResource, WarehouseResource


@dg.asset(
    name="notification_events",
    group_name="notifications",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["communications", "transcripts", "tag_assignments"],
    kinds={"sql"},
    description="Events of the day (lost, recorded, finished calls, chats, leads, tags, "
    "transcripts) matched against the notification rules into the outbox; each event once by "
    "its natural key.",
)
def notification_events(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    notifications: NotificationsResource,
) -> dg.MaterializeResult:
    return _raise(context, warehouse, config_store, notifications, raise_day)


@dg.asset(
    name="spam_notification_events",
    group_name="notifications",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["spam_verdicts"],
    kinds={"sql"},
    description="Numbers the night's verdicts newly flag as spam, into the outbox (a number "
    "once). Apart from notification_events, so that a failed scoring holds back no other "
    "notification.",
)
def spam_notification_events(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    notifications: NotificationsResource,
) -> dg.MaterializeResult:
    return _raise(context, warehouse, config_store, notifications, raise_spam_day)


def _raise(context, warehouse, config_store, notifications, raise_one) -> dg.MaterializeResult:
    store, wh, settings = config_store.get(), warehouse.get(), notifications.settings()
    total = Raised()
    for key in context.partition_keys:
        total.add(raise_one(store, settings, wh, dt.date.fromisoformat(key)))
    return dg.MaterializeResult(metadata=dict(total.__dict__))

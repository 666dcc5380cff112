"""The ``live_poll`` job: one run per micro-batch, its counts in the run's metadata."""

import dagster as dg

from data.live.poller import PollOptions
from pipelines.defs.live.runner import run_once, steps_from_settings, summary
from pipelines.resources import (
    ConfigStoreResource,
    LandingResource,
    NotificationsResource,
    RecognizerResource,
    WarehouseResource,
)


@dg.op(
    description="Polls every Data API source once and sends what is new through "
    "transcription selection, transcription, SmartTag, autotag and the spam tag."
)
def poll_sources(
    context: dg.OpExecutionContext,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    recognizer: RecognizerResource,
    notifications: NotificationsResource,
    landing: LandingResource,
) -> dg.Output[None]:
    store, wh = config_store.get(), warehouse.get()
    settings = recognizer.settings(notifications.settings())
    steps = steps_from_settings(store, wh, recognizer.get(), settings)
    options = PollOptions(timezone=settings.timezone, landing_dir=landing.path())
    result = summary(run_once(store, wh, steps, options, settings))
    for account in result["accounts"]:
        context.log.info(f"source {account['source']} (account {account['account']}): {account}")
    seconds = {f"seconds_{k}": round(v, 3) for k, v in steps.seconds.items()}
    metadata = {k: result[k] for k in ("fetched", "new", "updated", "processed", "quarantined",
                                       "errors", "sources")}  # fmt: skip
    return dg.Output(
        None,
        metadata={**metadata, **seconds, "accounts": dg.MetadataValue.json(result["accounts"])},
    )


@dg.job(description="One live micro-batch: every Data API source polled and processed once.")
def live_poll():
    poll_sources()

"""The delivery worker as a sensor (on by default): every evaluation sends what is due, with
the same code as `callscope notifications deliver --once`."""

import dagster as dg

from data.notifications.delivery import deliver_due
from pipelines.resources import ConfigStoreResource, NotificationsResource

# an evaluation must end well inside Dagster's sensor time-out; the rest waits for the next one
MAX_BATCHES = 5


@dg.sensor(
    name="notification_delivery",
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends due notification deliveries (HTTP, e-mail, SMS) with retries.",
)
def notification_delivery(
    config_store: ConfigStoreResource, notifications: NotificationsResource
) -> dg.SkipReason:
    report = deliver_due(config_store.get(), notifications.policy(), max_batches=MAX_BATCHES)
    return dg.SkipReason(
        f"claimed {report.claimed}: delivered {report.delivered}, retried {report.retried}, "
        f"failed {report.failed}"
    )

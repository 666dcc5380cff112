"""Dagster definitions for notifications: the nightly raise and the delivery sensor."""

import dagster as dg

from pipelines.defs.notifications import assets, sensors

defs = dg.Definitions(
    assets=[assets.notification_events, assets.spam_notification_events],
    sensors=[sensors.notification_delivery],
)

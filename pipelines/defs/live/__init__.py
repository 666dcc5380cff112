"""Dagster definitions of the live path: the ``live_poll`` job and its minute sensor."""

import dagster as dg

from pipelines.defs.live import jobs, sensors

defs = dg.Definitions(jobs=[jobs.live_poll], sensors=[sensors.live_sources_sensor])

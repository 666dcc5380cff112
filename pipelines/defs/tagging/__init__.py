"""Dagster definitions for tagging: the daily tag_assignments asset with its checks, and the
audited re-tag backfill job with its request sensor."""

import dagster as dg

from pipelines.defs.tagging.assets import tag_assignments
from pipelines.defs.tagging.jobs import retag_backfill, retag_backfill_requests

defs = dg.Definitions(
    assets=[tag_assignments],
    jobs=[retag_backfill],
    sensors=[retag_backfill_requests],
)

"""Dagster definitions for speech: the daily `transcripts` asset with its checks, and the
audited transcription backfill job with its request sensor."""

import dagster as dg

from pipelines.defs.speech.assets import transcripts
from pipelines.defs.speech.checks import turns_time_ordered
from pipelines.defs.speech.jobs import transcription_backfill
from pipelines.defs.speech.sensors import transcription_backfill_requests

defs = dg.Definitions(
    assets=[transcripts],
    asset_checks=[turns_time_ordered],
    jobs=[transcription_backfill],
    sensors=[transcription_backfill_requests],
)

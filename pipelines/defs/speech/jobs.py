"""The explicit, audited transcription backfill: the `transcripts` asset materialized over a date
range for one rule, ignoring the rule's off-windows, so the asset's checks run; launched with run
config or from a request in the config store."""

import dagster as dg

from data.config.models.core import BackfillRequest
from pipelines.defs.speech.assets import TranscriptsConfig, transcripts
from pipelines.partitions import daily_partitions, range_run

transcription_backfill = dg.define_asset_job(
    "transcription_backfill",
    selection=dg.AssetSelection.assets(transcripts),
    partitions_def=daily_partitions,
    description="Transcribes a past range for one rule, including its off-windows; audited.",
)


def backfill_run(date_from: str, date_to: str, config: TranscriptsConfig) -> tuple[dict, dict]:
    """Run config and tags of a backfill of days ``date_from``..``date_to`` (inclusive)."""
    return range_run("transcripts", date_from, date_to, config)


def request_run(request: BackfillRequest) -> tuple[dict, dict]:
    return backfill_run(
        request.date_from.isoformat(),
        request.date_to.isoformat(),
        TranscriptsConfig(
            backfill_rule_id=request.rule_key or "",
            actor=request.requested_by,
            request_id=request.id,
        ),
    )

"""Launches the transcription backfill for each pending request in the config store."""

import dagster as dg

from pipelines.defs.speech.jobs import request_run, transcription_backfill
from pipelines.resources import ConfigStoreResource
from speech.config import pending_backfills


@dg.sensor(job=transcription_backfill, minimum_interval_seconds=60)
def transcription_backfill_requests(
    context: dg.SensorEvaluationContext, config_store: ConfigStoreResource
):
    """One run per pending transcription backfill request; the request is marked queued."""
    with config_store.get().session() as session:
        for request in pending_backfills(session):
            request.status = "queued"
            run_config, tags = request_run(request)
            yield dg.RunRequest(
                run_key=f"transcription-backfill-{request.id}", run_config=run_config, tags=tags
            )

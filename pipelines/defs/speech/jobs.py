"""The explicit, audited transcription backfill: one rule over a date range, ignoring the rule's
off-windows, launched with run config or from a request in the config store."""

import datetime as dt

import dagster as dg

from data.config.models.core import BackfillRequest
from pipelines.defs.speech.assets import TranscriptsConfig, day_metadata, speech_run
from pipelines.resources import ConfigStoreResource, RecognizerResource, WarehouseResource
from speech.config import record_backfill_run
from speech.daily import TABLE, transcribe_day

OP_NAME = "backfill_transcripts"


class TranscriptionBackfillConfig(dg.Config):
    """Days `date_from`..`date_to` (inclusive, YYYY-MM-DD) for rule `rule_id`, asked by `actor`."""

    rule_id: str
    date_from: str
    date_to: str
    actor: str
    request_id: int | None = None
    max_recording_minutes: float = 120.0
    workers: int | None = None


def backfill_days(config: TranscriptionBackfillConfig) -> list[dt.date]:
    try:
        start, end = dt.date.fromisoformat(config.date_from), dt.date.fromisoformat(config.date_to)
    except ValueError as error:
        raise dg.Failure(f"date_from/date_to must be YYYY-MM-DD: {error}") from None
    if end < start:
        raise dg.Failure(f"date_to {end} precedes date_from {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@dg.op(name=OP_NAME)
def backfill_transcripts(
    context: dg.OpExecutionContext,
    config: TranscriptionBackfillConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    recognizer: RecognizerResource,
) -> None:
    wh, store = warehouse.get(), config_store.get()
    run = speech_run(
        TranscriptsConfig(
            max_recording_minutes=config.max_recording_minutes, workers=config.workers
        ),
        recognizer,
    )
    available = set(wh.partitions("communications"))
    done, totals = [], {}
    for day in backfill_days(config):
        if day not in available:
            context.log.info(f"{day}: no communications, skipped")
            continue
        try:
            result = transcribe_day(wh, store, day, run, backfill_rule_key=config.rule_id)
        except LookupError as error:
            raise dg.Failure(str(error)) from None
        wh.write_partition(TABLE, day, result.frame)
        done.append(day.isoformat())
        for key in ("selected", "transcribed", "errors", "kept_existing"):
            totals[key] = totals.get(key, 0) + result.summary[key]
        context.log_event(
            dg.AssetMaterialization(
                asset_key=TABLE,
                partition=day.isoformat(),
                metadata={
                    **day_metadata([result]),
                    "backfill_rule": config.rule_id,
                    "requested_by": config.actor,
                },
            )  # fmt: skip
        )
    with store.session() as session:
        record_backfill_run(session, config.actor, config.rule_id, done, totals, context.run_id)
        if config.request_id is not None:
            request = session.get(BackfillRequest, config.request_id)
            if request is not None:
                request.status, request.run_id = "done", context.run_id


@dg.job(description="Transcribes a past range for one rule, including its off-windows; audited.")
def transcription_backfill():
    backfill_transcripts()


def request_run_config(request: BackfillRequest) -> dg.RunConfig:
    return dg.RunConfig(
        ops={
            OP_NAME: TranscriptionBackfillConfig(
                rule_id=request.rule_key or "",
                date_from=request.date_from.isoformat(),
                date_to=request.date_to.isoformat(),
                actor=request.requested_by,
                request_id=request.id,
            )
        }
    )

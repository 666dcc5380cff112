"""The daily `transcripts` asset: calls selected by the transcription rules as of call time,
transcribed with both legs, prosody beside the turns, and an error row for bad audio."""

import datetime as dt

import dagster as dg

from data.config.models.core import BackfillRequest
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigStoreResource, RecognizerResource, WarehouseResource
from speech.config import record_backfill_run
from speech.daily import TABLE, DayTranscripts, SpeechRun, transcribe_day

ERRORS_CHECK = "transcription_errors"
DECIDED_CHECK = "every_call_decided"
ERROR_SHARE_LIMIT = 0.05


class TranscriptsConfig(dg.Config):
    """Run parameters of a transcription run."""

    max_recording_minutes: float = 120.0
    workers: int | None = None  # default: CALLSCOPE_SPEECH_WORKERS
    # an explicit, audited backfill: this rule also selects calls of its off-windows
    backfill_rule_id: str | None = None
    actor: str = ""
    request_id: int | None = None


def speech_run(config: TranscriptsConfig, recognizer: RecognizerResource) -> SpeechRun:
    return recognizer.run(config.max_recording_minutes * 60.0, config.workers)


def _table(rows: dict[str, int], left: str) -> str:
    lines = [f"| {left} | calls |", "| --- | ---: |"]
    lines += [f"| {key} | {n} |" for key, n in sorted(rows.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def day_metadata(results: list[DayTranscripts]) -> dict:
    totals: dict[str, float] = {}
    reasons: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for result in results:
        s = result.summary
        for key in ("calls", "selected", "not_selected", "transcribed", "errors", "audio_minutes",
                    "planned_audio_minutes"):  # fmt: skip
            totals[key] = totals.get(key, 0) + s[key]
        for key, n in s["not_selected_reasons"].items():
            reasons[key] = reasons.get(key, 0) + n
        for key, n in s["error_kinds"].items():
            kinds[key] = kinds.get(key, 0) + n
    metadata: dict = {
        "dagster/row_count": int(totals.get("calls", 0)),
        **{k: round(v, 2) if isinstance(v, float) else int(v) for k, v in totals.items()},
        "recognizer": results[0].summary["recognizer"] if results else "",
        "not_selected_reasons": dg.MetadataValue.md(_table(reasons, "reason")),
        "error_kinds": dg.MetadataValue.json(kinds),
    }
    notes = {r.summary["note"] for r in results if "note" in r.summary}
    if notes:
        metadata["note"] = dg.MetadataValue.text("; ".join(sorted(notes)))
    return metadata


def check_results(results: list[DayTranscripts], calls_in: int) -> list[dg.AssetCheckResult]:
    errors = sum(r.summary["errors"] for r in results)
    selected = sum(r.summary["selected"] for r in results)
    rows = sum(len(r.frame) for r in results)
    duplicates = sum(r.summary["duplicate_rows"] for r in results)
    share = errors / selected if selected else 0.0
    kinds: dict[str, int] = {}
    for r in results:
        for key, n in r.summary["error_kinds"].items():
            kinds[key] = kinds.get(key, 0) + n
    return [
        dg.AssetCheckResult(
            check_name=ERRORS_CHECK,
            asset_key=TABLE,
            passed=share <= ERROR_SHARE_LIMIT,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "error_count": errors,
                "selected": selected,
                "error_share": round(share, 4),
                "limit": ERROR_SHARE_LIMIT,
                "error_kinds": dg.MetadataValue.json(kinds),
            },
        ),
        dg.AssetCheckResult(
            check_name=DECIDED_CHECK,
            asset_key=TABLE,
            passed=rows == calls_in and duplicates == 0,
            metadata={"calls": calls_in, "rows": rows, "duplicate_rows": duplicates},
        ),
    ]


@dg.asset(
    name=TABLE,
    group_name="speech",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[dg.AssetKey("communications"), dg.AssetKey("calls")],
    kinds={"parquet", "duckdb"},
    description="One row per call of the day: the two-speaker dialogue with words and prosody "
    "(status ok), the reason bad audio could not be used (error), or why no rule selected the "
    "call as of its start time (not_selected).",
    check_specs=[
        dg.AssetCheckSpec(
            ERRORS_CHECK,
            asset=TABLE,
            description="Recordings that could not be transcribed (error rows).",
        ),
        dg.AssetCheckSpec(
            DECIDED_CHECK,
            asset=TABLE,
            description="Every call of the day has exactly one transcripts row.",
        ),
    ],
)
def transcripts(
    context: dg.AssetExecutionContext,
    config: TranscriptsConfig,
    warehouse: WarehouseResource,
    config_store: ConfigStoreResource,
    recognizer: RecognizerResource,
) -> dg.MaterializeResult:
    wh, store, run = warehouse.get(), config_store.get(), speech_run(config, recognizer)
    backfill = config.backfill_rule_id
    available = set(wh.partitions("communications")) if backfill else set()
    results, calls_in = [], 0
    for key in context.partition_keys:
        day = dt.date.fromisoformat(key)
        if backfill and day not in available:
            context.log.info(f"{day}: no communications, skipped")
            continue
        try:
            result = transcribe_day(wh, store, day, run, backfill_rule_key=backfill)
        except LookupError as error:  # an unknown backfill rule
            raise dg.Failure(str(error)) from None
        wh.write_partition(TABLE, day, result.frame)
        calls_in += result.summary["calls_in"]
        context.log.info(f"{day}: {result.summary}")
        results.append(result)
    metadata = day_metadata(results)
    if backfill:
        record_backfill(store, config.actor, backfill, config.request_id, results, context.run_id)
        metadata |= {"backfill_rule": backfill, "requested_by": config.actor}
    return dg.MaterializeResult(metadata=metadata, check_results=check_results(results, calls_in))


def record_backfill(
    store, actor: str, rule_key: str, request_id: int | None, results, run_id: str
) -> None:
    """The audit entry of a backfill run, and its request (if any) marked done."""
    totals: dict[str, int] = {}
    for result in results:
        for key in ("selected", "transcribed", "errors", "kept_existing"):
            totals[key] = totals.get(key, 0) + result.summary[key]
    days = [result.day.isoformat() for result in results]
    with store.session() as session:
        record_backfill_run(session, actor, rule_key, days, totals, run_id)
        if request_id is not None:
            request = session.get(BackfillRequest, request_id)
            if request is not None:
                request.status, request.run_id = "done", run_id

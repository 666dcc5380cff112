"""One day of the ``transcripts`` table: every call of the day gets exactly one row, ``ok``,
``error`` (with the reason) or ``not_selected`` (with why)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from data.config.store import ConfigStore
from data.warehouse import Warehouse
from speech.audio import DEFAULT_MAX_SECONDS
from speech.config import load_layouts, load_rules
from speech.fanout import run_jobs
from speech.plan import plan_day, records_by_call, summarize, transcripts_frame
from speech.recognizer import Recognizer
from speech.rules import TranscriptionRule
from speech.transcribe import STATUS_OK

TABLE = "transcripts"
COMMUNICATION_COLUMNS = [
    "communication_id",
    "communication_type",
    "id",
    "account_id",
    "site_id",
    "campaign_id",
    "date_time",
    "duration",
    "virtual_phone_number",
    "employee_ids",
    "employee_group_ids",
    "site_is_active",
]


@dataclass
class DayTranscripts:
    day: dt.date
    frame: pd.DataFrame
    summary: dict[str, Any]


@dataclass(frozen=True)
class SpeechRun:
    """How to run: the recognizer, where recordings live, and how to fan out."""

    recognizer: Recognizer
    recordings_dir: Path
    workers: int = 1
    scheduler: str | None = None
    max_seconds: float = DEFAULT_MAX_SECONDS


def _communications(warehouse: Warehouse, day: dt.date) -> pd.DataFrame:
    if not warehouse.has_table("communications"):
        return pd.DataFrame(columns=COMMUNICATION_COLUMNS)
    frame = warehouse.read("communications", day, day, where="communication_type = 'call'")
    return frame


def _records(
    warehouse: Warehouse, day: dt.date, communications: pd.DataFrame
) -> dict[int, tuple[str, ...]]:
    """Record ids per call: from ``communications`` when it carries them, else from ``calls``."""
    if "call_records" in communications.columns:
        return records_by_call(communications)
    if not warehouse.has_table("calls"):
        return {}
    return records_by_call(warehouse.read("calls", day, day, columns=["id", "call_records"]))


def transcribe_day(
    warehouse: Warehouse,
    store: ConfigStore,
    day: dt.date,
    run: SpeechRun,
    backfill_rule_key: str | None = None,
) -> DayTranscripts:
    """Transcribes the calls of ``day`` that the rules select as of each call's start time.

    With ``backfill_rule_key`` (an explicit backfill), that rule also selects the calls it
    matches during its off-windows; calls already transcribed keep their rows.
    """
    with store.session() as session:
        rules = load_rules(session)
        layouts = load_layouts(session)
    backfill_rule = _find_rule(rules, backfill_rule_key) if backfill_rule_key else None
    communications = _communications(warehouse, day)
    plan = plan_day(
        communications,
        rules,
        layouts,
        str(run.recordings_dir),
        _records(warehouse, day, communications),
        max_seconds=run.max_seconds,
        backfill_rule=backfill_rule,
    )
    kept: list[dict[str, Any]] = []
    jobs = plan.jobs
    if (
        backfill_rule is not None
        and warehouse.has_table(TABLE)
        and day in warehouse.partitions(TABLE)
    ):
        done = _existing_ok(warehouse, day)
        kept = [done[j.communication_id] for j in jobs if j.communication_id in done]
        jobs = [j for j in jobs if j.communication_id not in done]
    rows = run_jobs(jobs, run.recognizer, workers=run.workers, scheduler=run.scheduler)
    frame = transcripts_frame([*plan.rows, *kept, *rows])
    summary = summarize(frame, rules_configured=bool(rules))
    summary["calls_in"] = (
        int(communications["communication_id"].nunique()) if len(communications) else 0
    )
    summary["duplicate_rows"] = int(frame["communication_id"].duplicated().sum())
    summary["planned_audio_minutes"] = round(plan.selected_seconds / 60.0, 2)
    summary["recognizer"] = run.recognizer.name
    if backfill_rule is not None:
        summary["backfill_rule"] = backfill_rule.id
        summary["kept_existing"] = len(kept)
    return DayTranscripts(day, frame, summary)


def _find_rule(rules: list[TranscriptionRule], key: str) -> TranscriptionRule:
    for rule in rules:
        if rule.id == key:
            return rule
    raise LookupError(f"transcription rule {key!r} does not exist")


def _existing_ok(warehouse: Warehouse, day: dt.date) -> dict[str, dict[str, Any]]:
    existing = warehouse.read(TABLE, day, day).drop(columns=["date"], errors="ignore")
    ok = existing[existing["status"] == STATUS_OK]
    return {row["communication_id"]: row for row in ok.to_dict("records")}

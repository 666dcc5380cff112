"""A day's transcription plan: which calls the rules select (as of each call's time), the jobs
for them and a ``not_selected`` row with its reason for every other call."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from speech.audio import DEFAULT_MAX_SECONDS
from speech.channels import ChannelLayouts
from speech.rules import (
    CallFacts,
    Decision,
    TranscriptionRule,
    parse_time,
    select_call,
    select_for_backfill,
)
from speech.transcribe import (
    COLUMNS,
    STATUS_ERROR,
    STATUS_NOT_SELECTED,
    STATUS_OK,
    TranscriptionJob,
    not_selected_row,
)

REASON_NO_RECORDING = "no recording"


@dataclass
class DayPlan:
    jobs: list[TranscriptionJob] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # not_selected rows
    selected_seconds: float = 0.0

    @property
    def calls(self) -> int:
        return len(self.jobs) + len(self.rows)


def _ids(value: Any) -> tuple[int, ...]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return tuple(int(v) for v in value)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return ()
        value = json.loads(stripped) if stripped.startswith("[") else [stripped]
    return tuple(str(v) for v in value)


def _optional_int(value: Any) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def call_facts(row: dict[str, Any]) -> CallFacts:
    """Rule inputs from a ``communications`` (or ``calls``) row."""
    start = row.get("date_time", row.get("start_time"))
    active = row.get("site_is_active")
    return CallFacts(
        id=int(row["id"]),
        start_time=parse_time(start),
        virtual_phone_number=None
        if pd.isna(row.get("virtual_phone_number"))
        else str(row["virtual_phone_number"]),
        site_id=_optional_int(row.get("site_id")),
        campaign_id=_optional_int(row.get("campaign_id")),
        employee_ids=_ids(row.get("employee_ids")),
        employee_group_ids=_ids(row.get("employee_group_ids")),
        account_id=_optional_int(row.get("account_id")),
        site_is_active=True if active is None or pd.isna(active) else bool(active),
    )


def plan_day(
    communications: pd.DataFrame,
    rules: Sequence[TranscriptionRule],
    layouts: ChannelLayouts,
    recordings_dir: str,
    records_by_call: dict[int, tuple[str, ...]],
    max_seconds: float = DEFAULT_MAX_SECONDS,
    backfill_rule: TranscriptionRule | None = None,
) -> DayPlan:
    """Decides every call of ``communications``. With ``backfill_rule``, calls that rule matches
    are selected regardless of its off-windows (an explicit, audited backfill)."""
    plan = DayPlan()
    calls = communications
    if "communication_type" in calls.columns:
        calls = calls[calls["communication_type"] == "call"]
    for row in calls.to_dict("records"):
        facts = call_facts(row)
        communication_id = row.get("communication_id") or f"call:{facts.id}"
        decision = select_call(facts, rules)
        if (
            backfill_rule is not None
            and not decision.selected
            and select_for_backfill(facts, backfill_rule)
        ):
            decision = Decision(facts.id, True, rule_id=backfill_rule.id)
        if not decision.selected:
            plan.rows.append(not_selected_row(communication_id, facts.id, decision.reason or ""))
            continue
        records = records_by_call.get(facts.id, ())
        if not records:
            row_out = not_selected_row(communication_id, facts.id, REASON_NO_RECORDING)
            row_out["rule_id"] = decision.rule_id
            plan.rows.append(row_out)
            continue
        duration = row.get("duration")
        if duration is not None and not pd.isna(duration):
            plan.selected_seconds += float(duration)
        plan.jobs.append(
            TranscriptionJob(
                communication_id=communication_id,
                call_id=facts.id,
                recordings_dir=str(recordings_dir),
                record_ids=records,
                client_channel=layouts.client_channel(facts.account_id, facts.virtual_phone_number),
                rule_id=decision.rule_id,
                max_seconds=max_seconds,
            )
        )
    return plan


def records_by_call(calls: pd.DataFrame) -> dict[int, tuple[str, ...]]:
    """``calls.call_records`` (a list, or its JSON) by call id."""
    if calls is None or calls.empty or "call_records" not in calls.columns:
        return {}
    return {
        int(r["id"]): _strings(r["call_records"])
        for r in calls[["id", "call_records"]].to_dict("records")
    }


def transcripts_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(COLUMNS))
    frame = frame.astype(
        {
            "communication_id": "string",
            "call_id": "int64",
            "status": "string",
            "error": "string",
            "reason": "string",
            "rule_id": "string",
            "recognizer": "string",
            "is_stereo": "boolean",
            "turns": "string",
            "prosody": "string",
            "audio_seconds": "float64",
        }
    )
    return frame.sort_values("call_id", kind="stable").reset_index(drop=True)


def summarize(frame: pd.DataFrame, rules_configured: bool) -> dict[str, Any]:
    status = Counter(frame["status"].astype(str)) if len(frame) else Counter()
    reasons = Counter(frame.loc[frame["status"] == STATUS_NOT_SELECTED, "reason"].astype(str))
    errors = Counter(
        frame.loc[frame["status"] == STATUS_ERROR, "error"].astype(str).str.split(":").str[0]
    )
    seconds = (
        frame.loc[frame["status"] == STATUS_OK, "audio_seconds"].fillna(0).sum()
        if len(frame)
        else 0.0
    )
    summary = {
        "calls": len(frame),
        "transcribed": status.get(STATUS_OK, 0),
        "errors": status.get(STATUS_ERROR, 0),
        "not_selected": status.get(STATUS_NOT_SELECTED, 0),
        "selected": status.get(STATUS_OK, 0) + status.get(STATUS_ERROR, 0),
        "audio_minutes": round(float(seconds) / 60.0, 2),
        "not_selected_reasons": dict(reasons),
        "error_kinds": dict(errors),
    }
    if not rules_configured:
        summary["note"] = "no transcription rules configured: no call is transcribed"
    return summary

"""Warehouse rows shaped like the `communications` and `transcripts` tables."""

import datetime as dt
import json

import pandas as pd


def communication(
    cid: int,
    kind: str = "call",
    at: str = "2026-05-01 10:00:00",
    duration: int = 120,
    turns: list | None = None,
    visitor_id: int | None = None,
    phone: str | None = None,
    is_lost: bool = False,
    site_id: int = 1,
    finish: str | None = None,
) -> dict:
    start = dt.datetime.fromisoformat(at)
    return {
        "communication_id": f"{kind}:{cid}",
        "communication_type": kind,
        "id": cid,
        "account_id": 1,
        "site_id": site_id,
        "campaign_id": None,
        "visitor_id": visitor_id,
        "date_time": start,
        "finish_time": dt.datetime.fromisoformat(finish)
        if finish
        else start + dt.timedelta(seconds=duration),
        "duration": duration,
        "is_lost": is_lost,
        # as data.communications computes it (talk taken as the whole call, site minimum 30 s)
        "talk_duration": duration,
        "is_target": kind != "call" or (not is_lost and duration >= 30),
        "is_repeat": False,
        "site_is_active": True,
        "contact_phone_number": phone,
        "turns": json.dumps(turns or [], ensure_ascii=False),
    }


def frame(rows: list[dict]) -> pd.DataFrame:
    result = pd.DataFrame(rows)
    for column in ("visitor_id", "campaign_id"):
        result[column] = result[column].astype("Int64")
    return result


def transcript(cid: int, turns: list, status: str = "ok") -> dict:
    return {
        "communication_id": f"call:{cid}",
        "call_id": cid,
        "status": status,
        "error": None,
        "turns": json.dumps(turns, ensure_ascii=False),
    }


def turn(speaker: str, text: str) -> dict:
    return {"speaker": speaker, "text": text, "start": 0.0, "end": 1.0}

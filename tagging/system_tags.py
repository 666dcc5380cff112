"""System tags: computed from the communication and its site's settings, never from rules.

- «Нецелевой»: an answered call shorter than the site's target-call minimum
  (`target_call_min_duration`, seconds). A person can remove it like any tag.
- «Повторный»: an earlier communication of the same type from the same visitor within the site's
  repeat-contact period (`second_communication_period`, days). Calls without a visitor id fall
  back to the caller's number.
- «Потерянный»: a lost communication (`is_lost`).
- «спам»: antispam decides it per account (white and black lists, the account's tagging
  switch, the verdicts in effect) and writes `spam_tag_assignments`; its rows for the day are
  taken as they are. Skipped while antispam has not run for the day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.core import Site
from data.warehouse import Warehouse
from tagging.provenance import ASSIGNMENT_COLUMNS
from tagging.rules import LOST_TAG, NON_TARGET_TAG, REPEAT_TAG, SPAM_TAG

SYSTEM_RULES = {
    NON_TARGET_TAG: "non_target",
    REPEAT_TAG: "repeat_contact",
    LOST_TAG: "lost",
    SPAM_TAG: "antispam",
}
SPAM_TAGS_TABLE = "spam_tag_assignments"


@dataclass(frozen=True)
class SiteSettings:
    target_call_min_duration: int = 30
    second_communication_period: int = 30


DEFAULT_SETTINGS = SiteSettings()


def load_site_settings(session: Session) -> dict[int, SiteSettings]:
    rows = session.execute(
        select(Site.id, Site.target_call_min_duration, Site.second_communication_period)
    )
    return {site_id: SiteSettings(minimum, period) for site_id, minimum, period in rows}


def longest_repeat_period(sites: dict[int, SiteSettings]) -> int:
    periods = [s.second_communication_period for s in sites.values()]
    return max([DEFAULT_SETTINGS.second_communication_period, *periods])


def load_spam_tags(warehouse: Warehouse, day: dt.date) -> pd.DataFrame | None:
    """Antispam's «спам» assignments of the day; None when antispam has not run for it."""
    if day not in warehouse.partitions(SPAM_TAGS_TABLE):
        return None
    rows = warehouse.read(SPAM_TAGS_TABLE, day, day)
    return rows.reindex(columns=ASSIGNMENT_COLUMNS)


def _row(comm: dict, tag: str, evidence: dict) -> dict:
    return {
        "communication_id": comm["communication_id"],
        "communication_type": comm["communication_type"],
        "tag": tag,
        "source": "system",
        "source_ref": SYSTEM_RULES[tag],
        "probability": 1.0,
        "evidence": json.dumps(evidence, ensure_ascii=False, default=str),
    }


def _flag(value) -> bool:
    return False if value is None or pd.isna(value) else bool(value)


def _settings_of(sites: dict[int, SiteSettings], site_id) -> SiteSettings:
    if site_id is None or pd.isna(site_id):
        return DEFAULT_SETTINGS
    return sites.get(int(site_id), DEFAULT_SETTINGS)


def _visitor_keys(frame: pd.DataFrame) -> pd.Series:
    visitor = frame.get("visitor_id", pd.Series(index=frame.index, dtype=object))
    keys = visitor.map(lambda v: None if v is None or pd.isna(v) else f"visitor:{int(v)}")
    if "contact_phone_number" in frame:
        phone = frame["contact_phone_number"].map(
            lambda p: None if p is None or pd.isna(p) or not str(p) else f"phone:{p}"
        )
        is_call = frame["communication_type"] == "call"
        keys = keys.where(keys.notna() | ~is_call, phone)
    return keys


_CONTACT_COLUMNS = (
    "communication_id",
    "communication_type",
    "visitor_id",
    "contact_phone_number",
    "date_time",
)


def _previous_contacts(day: pd.DataFrame, history: pd.DataFrame) -> dict[str, tuple[str, object]]:
    """communication_id → (previous communication id, its time) of the same visitor and type."""
    columns = [c for c in _CONTACT_COLUMNS if c in day.columns]
    parts = [f[[c for c in columns if c in f.columns]] for f in (history, day) if not f.empty]
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("communication_id")
    frame = frame.assign(visitor_key=_visitor_keys(frame))
    frame = frame[frame["visitor_key"].notna()]
    frame = frame.sort_values(
        ["visitor_key", "communication_type", "date_time", "communication_id"]
    )
    grouped = frame.groupby(["visitor_key", "communication_type"], sort=False)
    frame = frame.assign(
        previous_id=grouped["communication_id"].shift(), previous_time=grouped["date_time"].shift()
    )
    wanted = frame[frame["communication_id"].isin(set(day["communication_id"]))]
    wanted = wanted[wanted["previous_id"].notna()]
    return {
        cid: (pid, ptime)
        for cid, pid, ptime in zip(
            wanted["communication_id"], wanted["previous_id"], wanted["previous_time"], strict=True
        )
    }


def system_tags(
    day: pd.DataFrame,
    history: pd.DataFrame | None,
    sites: dict[int, SiteSettings],
    spam_tags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assignment rows of system tags for one day's communications.

    `history` holds earlier communications (at least the longest repeat period back); it may
    overlap `day`.
    """
    rows: list[dict] = []
    if day.empty:
        return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    previous = _previous_contacts(day, history if history is not None else day.iloc[0:0])
    for comm in day.to_dict("records"):
        settings = _settings_of(sites, comm.get("site_id"))
        is_call = comm["communication_type"] == "call"
        lost = _flag(comm.get("is_lost"))
        if lost:
            rows.append(_row(comm, LOST_TAG, {"is_lost": True}))
        duration = comm.get("duration")
        measured = is_call and not lost and duration is not None and not pd.isna(duration)
        if measured and duration < settings.target_call_min_duration:
            evidence = {
                "duration": int(duration),
                "target_call_min_duration": settings.target_call_min_duration,
            }
            rows.append(_row(comm, NON_TARGET_TAG, evidence))
        if comm["communication_id"] in previous:
            previous_id, previous_time = previous[comm["communication_id"]]
            gap = pd.Timestamp(comm["date_time"]) - pd.Timestamp(previous_time)
            if gap <= pd.Timedelta(days=settings.second_communication_period):
                evidence = {
                    "previous_communication_id": previous_id,
                    "previous_date_time": str(previous_time),
                    "second_communication_period": settings.second_communication_period,
                }
                rows.append(_row(comm, REPEAT_TAG, evidence))
    computed = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    if spam_tags is None or spam_tags.empty:
        return computed
    spam = spam_tags[spam_tags["communication_id"].isin(set(day["communication_id"]))]
    return pd.concat([computed, spam], ignore_index=True) if not computed.empty else spam

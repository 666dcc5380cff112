"""Tagging one day of communications: keyword autotags by the rules in effect when each
communication ended, plus system tags, as `tag_assignments` rows with provenance."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tagging.matcher import KNOWN_TURN_SPEAKERS, Communication, RuleMatcher, TagMatch, Turn
from tagging.provenance import ASSIGNMENT_COLUMNS
from tagging.system_tags import SiteSettings, system_tags

MatcherAt = Callable[[dt.datetime], RuleMatcher]


class TurnsError(ValueError):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def parse_turns(value: Any) -> tuple[Turn, ...]:
    """Turns from their JSON (a string or a list); raises TurnsError naming the bad part."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ()
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if not isinstance(value, list):
        raise TurnsError("turns", "must be a list of {speaker, text, start, end}")
    turns = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise TurnsError(f"turns[{index}]", "must be an object")
        speaker, text = item.get("speaker"), item.get("text", "")
        if not isinstance(speaker, str) or speaker.strip().lower() not in KNOWN_TURN_SPEAKERS:
            raise TurnsError(
                f"turns[{index}].speaker",
                f"must be one of {sorted(KNOWN_TURN_SPEAKERS)}, got {speaker!r}",
            )
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise TurnsError(f"turns[{index}].text", "must be a string")
        turns.append(Turn(speaker.strip().lower(), text, item.get("start"), item.get("end")))
    return tuple(turns)


def finish_time(row: dict[str, Any]) -> dt.datetime:
    """When the communication ended: finish_time, else start + duration, else start."""
    finish = row.get("finish_time")
    if finish is not None and not pd.isna(finish):
        return pd.Timestamp(finish).to_pydatetime()
    start = pd.Timestamp(row["date_time"]).to_pydatetime()
    duration = row.get("duration")
    if duration is not None and not pd.isna(duration):
        return start + dt.timedelta(seconds=float(duration))
    return start


def _optional_int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


@dataclass
class DayTagging:
    assignments: pd.DataFrame
    rule_hits: Counter = field(default_factory=Counter)
    tag_counts: Counter = field(default_factory=Counter)
    stats: dict[str, Any] = field(default_factory=dict)


def _call_turns(transcripts: pd.DataFrame | None) -> dict[str, Any]:
    if transcripts is None or transcripts.empty:
        return {}
    ok = transcripts[transcripts["status"] == "ok"]
    return dict(zip(ok["communication_id"], ok["turns"], strict=True))


def communications_with_text(
    communications: pd.DataFrame, transcripts: pd.DataFrame | None, stats: Counter
) -> list[tuple[Communication, dt.datetime]]:
    """The day's communications that carry text: chats, leads, and recognised calls (a call's
    turns come from its `ok` transcript; a call without one is not tagged by keywords)."""
    call_turns = _call_turns(transcripts)
    result = []
    for row in communications.to_dict("records"):
        kind = row["communication_type"]
        raw = call_turns.get(row["communication_id"]) if kind == "call" else None
        if raw is None:
            raw = row.get("turns")
        try:
            turns = parse_turns(raw)
        except (ValueError, json.JSONDecodeError):
            stats["bad_turns"] += 1
            continue
        if kind == "call" and not turns:
            stats["calls_not_recognized"] += 1
            continue
        communication = Communication(
            communication_id=row["communication_id"],
            communication_type=kind,
            site_id=_optional_int(row.get("site_id")),
            turns=turns,
            account_id=_optional_int(row.get("account_id")),
        )
        result.append((communication, finish_time(row)))
    return result


def _assignment(match: TagMatch, communication: Communication) -> dict[str, Any]:
    evidence = {"rule_id": match.rule_id, "matches": match.evidence}
    if match.also_matched:
        evidence["also_matched"] = match.also_matched
    return {
        "communication_id": communication.communication_id,
        "communication_type": communication.communication_type,
        "tag": match.tag,
        "source": "autotag",
        "source_ref": match.source_ref,
        "probability": 1.0,
        "evidence": json.dumps(evidence, ensure_ascii=False),
    }


def autotag(
    communications: list[tuple[Communication, dt.datetime]], matcher_at: MatcherAt
) -> tuple[list[dict[str, Any]], Counter, int]:
    """Keyword autotag rows, hits per rule version, and the number of words read."""
    rows: list[dict[str, Any]] = []
    hits: Counter = Counter()
    words = 0
    for communication, ended in communications:
        words += sum(len(turn.text.split()) for turn in communication.turns)
        for match in matcher_at(ended).match(communication):
            rows.append(_assignment(match, communication))
            hits[match.source_ref] += 1
            for other in match.also_matched:
                hits[other] += 1
    return rows, hits, words


def tag_day(
    communications: pd.DataFrame,
    transcripts: pd.DataFrame | None,
    matcher_at: MatcherAt,
    sites: dict[int, SiteSettings] | None = None,
    spam_tags: pd.DataFrame | None = None,
) -> DayTagging:
    """All tags of one day's communications; pure (reads nothing, writes nothing).

    Communications of a deactivated site (``site_is_active`` false) get no tags at all, as
    the cabinet documents for a switched-off site."""
    started = time.perf_counter()
    stats: Counter = Counter()
    if "site_is_active" in communications and len(communications):
        inactive = communications["site_is_active"].eq(False)
        stats["site_inactive"] = int(inactive.sum())
        communications = communications[~inactive]
        if spam_tags is not None:
            spam_tags = spam_tags[
                spam_tags["communication_id"].isin(set(communications["communication_id"]))
            ]
    with_text = communications_with_text(communications, transcripts, stats)
    rows, hits, words = autotag(with_text, matcher_at)
    auto = pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)
    system = system_tags(communications, sites or {}, spam_tags)
    frames = [f for f in (auto, system) if not f.empty]
    assignments = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ASSIGNMENT_COLUMNS)
    )
    assignments["probability"] = assignments["probability"].astype(float)
    tag_counts = Counter(assignments["tag"])
    return DayTagging(
        assignments=assignments,
        rule_hits=hits,
        tag_counts=tag_counts,
        stats={
            "communications": len(communications),
            "communications_with_text": len(with_text),
            "calls_not_recognized": stats["calls_not_recognized"],
            "bad_turns": stats["bad_turns"],
            "site_inactive": stats["site_inactive"],
            "words": words,
            "autotag_assignments": len(auto),
            "system_assignments": len(system),
            "spam_tagging": spam_tags is not None,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )

"""Which events a rule lets through: its sites, campaigns and tags, its condition groups and
its activity schedule.

Condition groups work as in the cabinet: every condition inside a group must hold, and any one
group holding is enough (no groups: everything passes). A condition includes (the field must
match) or excludes (it must not). Phone numbers match exactly or by prefix on their digits;
ids and texts match any of the listed values; durations compare at least / at most.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

FIELDS = {
    # field: (kind, operators)
    "contact_phone_number": ("phone", ("equals", "starts_with")),
    "virtual_phone_number": ("phone", ("equals", "starts_with")),
    "site_id": ("id", ("equals",)),
    "campaign_id": ("id", ("equals",)),
    "tag": ("text", ("equals",)),
    "employee_id": ("id", ("equals",)),
    "employee_group_id": ("id", ("equals",)),
    "duration": ("number", ("at_least", "at_most")),
    "talk_duration": ("number", ("at_least", "at_most")),
    "direction": ("text", ("equals",)),
    "communication_type": ("text", ("equals",)),
}
# facts that hold several values: a condition holds when any of them matches
MULTI = {"tag": "tags", "employee_id": "employee_ids", "employee_group_id": "employee_group_ids"}


def fold(text: str) -> str:
    """Case and ё/е insensitive form of a tag name."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(text.split())


def digits(value: object) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _values(facts: dict, field: str) -> list:
    if field in MULTI:
        return list(facts.get(MULTI[field]) or [])
    value = facts.get(field)
    return [] if value is None else [value]


def condition_holds(condition: dict, facts: dict) -> bool:
    field, operator = condition["field"], condition["operator"]
    wanted = condition.get("values") or []
    kind, _ = FIELDS[field]
    present = _values(facts, field)
    if kind == "phone":
        have = [digits(v) for v in present]
        targets = [digits(v) for v in wanted]
        if operator == "equals":
            hit = any(h == t for h in have for t in targets)
        else:
            hit = any(h.startswith(t) for h in have for t in targets if t)
    elif kind == "number":
        limit = float(wanted[0]) if wanted else 0.0
        numbers = [float(v) for v in present if v is not None]
        hit = bool(numbers) and all(
            (n >= limit) if operator == "at_least" else (n <= limit) for n in numbers
        )
    elif kind == "id":
        ids = {int(v) for v in wanted}
        hit = any(int(v) in ids for v in present)
    else:
        folded = {fold(str(v)) for v in wanted}
        hit = any(fold(str(v)) in folded for v in present)
    return not hit if condition.get("exclude") else hit


def groups_hold(groups: Iterable[Iterable[dict]], facts: dict) -> bool:
    groups = [list(g) for g in groups or []]
    if not groups:
        return True
    return any(all(condition_holds(c, facts) for c in group) for group in groups)


def filters_hold(payload: dict, facts: dict) -> bool:
    """The rule's own site, campaign and tag filters (an empty list lets everything through)."""
    sites, campaigns = payload.get("site_ids") or [], payload.get("campaign_ids") or []
    if sites and facts.get("site_id") not in sites:
        return False
    if campaigns and facts.get("campaign_id") not in campaigns:
        return False
    tags = {fold(t) for t in payload.get("tags") or []}
    if tags:
        have = facts.get("tag") if facts.get("tag") is not None else None
        candidates = [have] if have is not None else list(facts.get("tags") or [])
        if not any(fold(str(t)) in tags for t in candidates):
            return False
    return True


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def in_schedule(schedule: list[dict] | None, local: dt.datetime) -> bool:
    """Whether ``local`` (the account's wall clock) falls in one of the windows. A window has
    ``days`` (1 = Monday … 7 = Sunday), ``start`` and ``end`` ("HH:MM"); an end before the start
    runs past midnight (the night belongs to the day it started). No schedule: always active."""
    if not schedule:
        return True
    minute = local.hour * 60 + local.minute
    today = local.isoweekday()
    yesterday = 7 if today == 1 else today - 1
    for window in schedule:
        days = set(window.get("days") or range(1, 8))
        start, end = _minutes(window.get("start", "00:00")), _minutes(window.get("end", "24:00"))
        if start < end:
            if today in days and start <= minute < end:
                return True
        elif (today in days and minute >= start) or (yesterday in days and minute < end):
            return True
    return False


def rule_matches(payload: dict, facts: dict, local: dt.datetime) -> bool:
    return (
        bool(payload.get("enabled", True))
        and filters_hold(payload, facts)
        and groups_hold(payload.get("condition_groups") or [], facts)
        and in_schedule(payload.get("schedule"), local)
    )

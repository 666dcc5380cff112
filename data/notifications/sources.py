"""Events from callscope's data: a day of communications, transcripts, tag assignments and
spam verdicts becomes events with natural keys. The nightly asset and the live path both call
:func:`raise_communications` / :func:`raise_day`, so the same event has the same key whichever
raises it first, and the other raises nothing."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select

from data.config.models.core import Campaign, Employee, EmployeeGroup, Site
from data.config.store import ConfigStore
from data.notifications.conditions import fold
from data.notifications.outbox import Event, Raised, current_rules, raise_events
from data.settings import Settings
from data.warehouse import Warehouse

CHUNK = 500  # events per transaction


def _clean(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return value


def _list(value) -> list:
    value = _clean(value)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _occurred(row: dict) -> dt.datetime:
    at = _time(row.get("finish_time")) or _time(row.get("date_time"))
    if at is None:  # the communications contract requires date_time
        raise ValueError(f"communication {row.get('id')} has no time")
    return at


def _time(value) -> dt.datetime | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.to_pydatetime()


@dataclass
class Directory:
    """Names the templates show for the ids in the data."""

    sites: dict[int, str] = field(default_factory=dict)
    campaigns: dict[int, str] = field(default_factory=dict)
    employees: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    employee_groups: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session) -> Directory:
        directory = cls(
            sites={s.id: s.domain_name for s in session.scalars(select(Site))},
            campaigns={c.id: c.name for c in session.scalars(select(Campaign))},
            groups={g.id: g.name for g in session.scalars(select(EmployeeGroup))},
        )
        for employee in session.scalars(select(Employee)):
            directory.employees[employee.id] = employee.full_name
            directory.employee_groups[employee.id] = [g.id for g in employee.groups]
        return directory


def _base(row: dict, directory: Directory, tags: list[str]) -> tuple[dict, dict]:
    """(template parameters, matching facts) of one communication row."""
    kind = row.get("communication_type")
    site_id, campaign_id = _clean(row.get("site_id")), _clean(row.get("campaign_id"))
    employees = [int(e) for e in _list(row.get("employee_ids"))]
    groups = [int(g) for g in _list(row.get("employee_group_ids"))]
    for employee in employees:
        groups += [g for g in directory.employee_groups.get(employee, []) if g not in groups]
    first = employees[0] if employees else None
    start = _clean(row.get("date_time"))
    params = {
        "communication_id": _clean(row.get("id")),
        "communication_type": kind,
        "site_id": site_id,
        "site_domain_name": directory.sites.get(site_id),
        "campaign_id": campaign_id,
        "campaign_name": directory.campaigns.get(campaign_id),
        "visitor_id": _clean(row.get("visitor_id")),
        "tag_names": tags,
        "utm_source": _clean(row.get("utm_source")),
        "utm_medium": _clean(row.get("utm_medium")),
        "utm_campaign": _clean(row.get("utm_campaign")),
        "employee_id": first,
        "employee_full_name": directory.employees.get(first) if first is not None else None,
        "contact_phone_number": _clean(row.get("contact_phone_number")),
    }
    if kind == "call":
        params |= {
            "start_time": start,
            "finish_time": _clean(row.get("finish_time")),
            "direction": _clean(row.get("direction")) or "in",
            "virtual_phone_number": _clean(row.get("virtual_phone_number")),
            "talk_duration": _clean(row.get("talk_duration")),
            "total_duration": _clean(row.get("duration")),
            "is_lost": bool(_clean(row.get("is_lost"))),
            "employee_group_names": [directory.groups[g] for g in groups if g in directory.groups],
        }
    else:
        params |= {"date_time": start, "duration": _clean(row.get("duration"))}
        turns = json.loads(row.get("turns") or "[]")
        client = [t.get("text", "") for t in turns if t.get("speaker") == "client"]
        params["text"] = client[0] if client else None
    facts = {
        "communication_type": kind,
        "contact_phone_number": params["contact_phone_number"],
        "virtual_phone_number": params.get("virtual_phone_number"),
        "site_id": site_id,
        "campaign_id": campaign_id,
        "tags": tags,
        "employee_ids": employees,
        "employee_group_ids": groups,
        "duration": _clean(row.get("duration")),
        "talk_duration": _clean(row.get("talk_duration")),
        "direction": params.get("direction"),
    }
    return params, facts


def communication_events(
    frame: pd.DataFrame, directory: Directory, tags: dict[str, list[str]] | None = None
) -> list[Event]:
    """The cabinet's communication events: calls (incoming, outgoing, lost, finished, recorded,
    voice message), chats (missed, finished), leads and goals."""
    events = []
    tags = tags or {}
    for row in frame.to_dict("records"):
        cid = row["communication_id"]
        kind = row["communication_type"]
        account = _clean(row.get("account_id"))
        params, facts = _base(row, directory, tags.get(cid, []))
        start = _time(row.get("date_time"))
        finish = _time(row.get("finish_time")) or start
        has_record = bool(_list(row.get("call_records")))

        def add(name, at, cid=cid, account=account, params=params, facts=facts, record=False):
            events.append(
                Event(
                    key=f"{name}:{cid}",
                    event=name,
                    account_id=account,
                    occurred_at=at,
                    params=params,
                    facts=facts,
                    communication_id=cid if record else None,
                )
            )

        if kind == "call":
            if params["direction"] == "out":
                add("outgoing_call", start)
            else:
                add("incoming_call", start)
            add("call_finished", finish)
            if params["is_lost"]:
                add("lost_call", finish)
                if has_record:
                    add("voice_message", finish, record=True)
            elif has_record:
                add("recorded_call", finish, record=True)
        elif kind == "chat":
            add("missed_chat" if bool(_clean(row.get("is_lost"))) else "chat_finished", finish)
        elif kind == "offline_message":
            add("offline_message", start)
        elif kind == "goal":
            add("goal", start)
    return events


def tag_events(
    assignments: pd.DataFrame, rows: dict[str, dict], directory: Directory
) -> list[Event]:
    """A tag set on a communication: SmartTag's own event for its tags, tag_set for the rest."""
    events = []
    for item in assignments.to_dict("records"):
        row = rows.get(item["communication_id"])
        if row is None:
            continue
        smart = item.get("source") == "smarttag"
        name = "smarttag_tag_set" if smart else "tag_set"
        params, facts = _base(row, directory, [])
        params = {**params, "tag_name": item["tag"]}
        if smart:
            params["probability"] = _clean(item.get("probability"))
        else:
            params["tag_source"] = item.get("source")
        events.append(
            Event(
                key=f"{name}:{item['communication_id']}:{fold(item['tag'])}",
                event=name,
                account_id=_clean(row.get("account_id")),
                occurred_at=_occurred(row),
                params=params,
                facts={**facts, "tag": item["tag"], "tags": [item["tag"]]},
            )
        )
    return events


def transcript_events(
    transcripts: pd.DataFrame, rows: dict[str, dict], directory: Directory, tags: dict
) -> list[Event]:
    events = []
    for item in transcripts.to_dict("records"):
        row = rows.get(item["communication_id"])
        if row is None or item.get("status") != "ok":
            continue
        params, facts = _base(row, directory, tags.get(item["communication_id"], []))
        turns = json.loads(item.get("turns") or "[]")
        text = "\n".join(f"{t.get('speaker')}: {t.get('text', '')}" for t in turns)
        events.append(
            Event(
                key=f"transcript_ready:{item['communication_id']}",
                event="transcript_ready",
                account_id=_clean(row.get("account_id")),
                occurred_at=_occurred(row),
                params={**params, "transcript_text": text},
                facts=facts,
            )
        )
    return events


def spam_events(verdicts: pd.DataFrame, day: dt.date) -> list[Event]:
    """A number flagged as spam raises once per number (a later night's verdict on the same
    number raises nothing); numbers are platform-wide, so every account's rules see it."""
    events = []
    for item in verdicts.to_dict("records"):
        if not bool(item.get("is_spam")):
            continue
        number = str(item["number"])
        params = {
            "contact_phone_number": number,
            "spam_score": _clean(item.get("score")),
            "spam_reasons": json.loads(item.get("reasons") or "[]"),
        }
        events.append(
            Event(
                key=f"number_flagged_spam:{number}",
                event="number_flagged_spam",
                account_id=None,
                occurred_at=dt.datetime.combine(day, dt.time(0)),
                params=params,
                facts={"contact_phone_number": number},
            )
        )
    return events


def raise_all(
    store: ConfigStore, settings: Settings, events: Iterable[Event], *, source: str
) -> Raised:
    """Raises ``events`` in transactions of CHUNK events (each event with its deliveries)."""
    events = list(events)
    total = Raised()
    with store.session() as session:
        rules = current_rules(session, {e.event for e in events})
    for start in range(0, len(events), CHUNK):
        with store.session() as session:
            total.add(
                raise_events(
                    session, settings, events[start : start + CHUNK], source=source, rules=rules
                )
            )
    return total


def _tag_map(assignments: pd.DataFrame | None) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    if assignments is None or assignments.empty:
        return tags
    for cid, tag in zip(assignments["communication_id"], assignments["tag"], strict=True):
        tags.setdefault(cid, [])
        if tag not in tags[cid]:
            tags[cid].append(tag)
    return tags


def raise_communications(
    store: ConfigStore,
    settings: Settings,
    communications: pd.DataFrame,
    *,
    tag_assignments: pd.DataFrame | None = None,
    transcripts: pd.DataFrame | None = None,
    source: str = "live",
) -> Raised:
    """The entry point for a batch of communications (the live path and the nightly run):
    raises their communication, tag and transcript events."""
    with store.session() as session:
        directory = Directory.load(session)
    tags = _tag_map(tag_assignments)
    rows = {r["communication_id"]: r for r in communications.to_dict("records")}
    events = communication_events(communications, directory, tags)
    if tag_assignments is not None and not tag_assignments.empty:
        events += tag_events(tag_assignments, rows, directory)
    if transcripts is not None and not transcripts.empty:
        events += transcript_events(transcripts, rows, directory, tags)
    return raise_all(store, settings, events, source=source)


def _read(warehouse: Warehouse, table: str, day: dt.date) -> pd.DataFrame | None:
    if not warehouse.has_table(table) or day not in warehouse.partitions(table):
        return None
    return warehouse.read(table, start=day, end=day).drop(columns=["date"], errors="ignore")


def raise_day(store: ConfigStore, settings: Settings, warehouse: Warehouse, day: dt.date) -> Raised:
    """The nightly run over one day's communications, tags and transcripts; running it again
    raises nothing new."""
    comms = _read(warehouse, "communications", day)
    if comms is None:
        comms = pd.DataFrame(columns=["communication_id", "communication_type"])
    raised = raise_communications(
        store,
        settings,
        _with_direction(warehouse, day, comms),
        tag_assignments=_read(warehouse, "tag_assignments", day),
        transcripts=_read(warehouse, "transcripts", day),
        source="nightly",
    )
    return raised


def _with_direction(
    warehouse: Warehouse, day: dt.date, comms: pd.DataFrame, ids: list | None = None
) -> pd.DataFrame:
    """``comms`` with the calls' ``direction`` (outgoing calls raise ``outgoing_call``)."""
    if comms.empty or not warehouse.has_table("calls"):
        return comms
    where = None
    if ids is not None:
        where = "id IN (" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "false"
    calls = warehouse.read("calls", start=day, end=day, where=where)
    if "direction" not in calls.columns:
        return comms
    direction = dict(zip(calls["id"], calls["direction"], strict=True))
    is_call = comms["communication_type"] == "call"
    comms = comms.copy()
    comms["direction"] = [
        direction.get(i) if c else None for i, c in zip(comms["id"], is_call, strict=True)
    ]
    return comms


def raise_batch(
    store: ConfigStore,
    settings: Settings,
    warehouse: Warehouse,
    day: dt.date,
    communications: pd.DataFrame,
    tag_assignments: pd.DataFrame | None,
    transcripts: pd.DataFrame | None,
) -> Raised:
    """The live path's micro-batch of one day, as soon as its steps have written it: the same
    events, under the same keys, as :func:`raise_day` raises for them."""
    if communications.empty:
        return Raised()
    call_ids = communications.loc[communications["communication_type"] == "call", "id"]
    comms = _with_direction(warehouse, day, communications, call_ids.dropna().tolist())
    return raise_communications(
        store, settings, comms, tag_assignments=tag_assignments, transcripts=transcripts
    )


def raise_spam_day(
    store: ConfigStore, settings: Settings, warehouse: Warehouse, day: dt.date
) -> Raised:
    """The night's spam verdicts: numbers newly flagged."""
    verdicts = _read(warehouse, "spam_verdicts", day)
    if verdicts is None:
        return Raised()
    return raise_all(store, settings, spam_events(verdicts, day), source="nightly")

"""Tag provenance: automatic assignments (warehouse) merged with people's set/remove events
(config store) into the effective tags of a communication, and the removals as ground truth
for automatic tag precision.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.tagging import TagEvent
from data.warehouse import Warehouse

SOURCES = ("autotag", "smarttag", "system", "manual")
AUTOMATIC_SOURCES = ("autotag", "smarttag", "system")
ASSIGNMENT_COLUMNS = [
    "communication_id",
    "communication_type",
    "tag",
    "source",
    "source_ref",
    "probability",
    "evidence",
]


@dataclass
class EffectiveTag:
    tag: str
    source: str
    source_ref: str | None
    probability: float | None = None
    evidence: Any = None
    set_by: str | None = None
    set_at: dt.datetime | None = None
    also_from: list[dict[str, Any]] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def automatic_assignments(
    warehouse: Warehouse,
    communication_ids: Iterable[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """The warehouse `tag_assignments` rows of some communications (all sources)."""
    ids = list(communication_ids)
    if not ids:
        return pd.DataFrame(columns=[*ASSIGNMENT_COLUMNS, "date"])
    return warehouse.read(
        "tag_assignments", start, end, where=f"communication_id IN ({_sql_list(ids)})"
    )


def _parse_evidence(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _clean(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def events_for(session: Session, communication_ids: Iterable[str]) -> list[TagEvent]:
    ids = list(communication_ids)
    if not ids:
        return []
    query = (
        select(TagEvent)
        .where(TagEvent.communication_id.in_(ids))
        .order_by(TagEvent.at, TagEvent.id)
    )
    return list(session.scalars(query))


class TagEventLike(Protocol):
    """What ``effective_tags`` reads of an event: a ``TagEvent`` row or its plain copy."""

    @property
    def id(self) -> int | None: ...
    @property
    def communication_id(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def at(self) -> Any: ...


def effective_tags(
    assignments: pd.DataFrame | Iterable[dict[str, Any]], events: Iterable[TagEventLike]
) -> dict[str, list[EffectiveTag]]:
    """communication_id → its tags now: automatic assignments, then people's events in order.

    A removal wins over the automatic assignment even when a later re-run writes it again; a
    manual set after a removal brings the tag back as manual.
    """
    rows = assignments.to_dict("records") if isinstance(assignments, pd.DataFrame) else assignments
    result: dict[str, dict[str, EffectiveTag]] = {}
    for row in rows:
        tags = result.setdefault(row["communication_id"], {})
        entry = EffectiveTag(
            tag=row["tag"],
            source=row["source"],
            source_ref=_clean(row.get("source_ref")),
            probability=_clean(row.get("probability")),
            evidence=_parse_evidence(_clean(row.get("evidence"))),
        )
        if row["tag"] in tags:
            tags[row["tag"]].also_from.append(
                {"source": entry.source, "source_ref": entry.source_ref}
            )
        else:
            tags[row["tag"]] = entry
    for event in sorted(events, key=lambda e: (e.at, e.id or 0)):
        tags = result.setdefault(event.communication_id, {})
        if event.action == "remove":
            tags.pop(event.tag, None)
        elif event.tag not in tags or tags[event.tag].source != "manual":
            tags[event.tag] = EffectiveTag(
                tag=event.tag,
                source="manual",
                source_ref=event.actor,
                set_by=event.actor,
                set_at=event.at,
            )
    return {cid: sorted(tags.values(), key=lambda t: t.tag) for cid, tags in result.items()}


def set_manual_tag(
    session: Session,
    communication_id: str,
    communication_type: str,
    tag: str,
    actor: str,
    at: dt.datetime | None = None,
    comment: str | None = None,
) -> TagEvent:
    """A person sets a tag on a communication."""
    if not tag or not tag.strip():
        raise ValueError("tag: a non-empty tag name is required")
    event = TagEvent(
        communication_id=communication_id,
        communication_type=communication_type,
        tag=tag.strip(),
        action="set",
        actor=actor,
        at=at or _now(),
        comment=comment,
    )
    session.add(event)
    session.flush()
    return event


def remove_tag(
    session: Session,
    communication_id: str,
    communication_type: str,
    tag: str,
    actor: str,
    current: Iterable[EffectiveTag] | None = None,
    at: dt.datetime | None = None,
    comment: str | None = None,
) -> TagEvent:
    """A person removes a tag. `current` (the communication's effective tags) tells which
    source set it; removing an automatic tag is the signal that the automatic tag was wrong."""
    removed = next((t for t in current or () if t.tag == tag), None)
    if current is not None and removed is None:
        raise LookupError(f"communication {communication_id} has no tag {tag!r}")
    event = TagEvent(
        communication_id=communication_id,
        communication_type=communication_type,
        tag=tag,
        action="remove",
        actor=actor,
        at=at or _now(),
        removed_source=removed.source if removed else None,
        removed_source_ref=removed.source_ref if removed else None,
        comment=comment,
    )
    session.add(event)
    session.flush()
    return event


def removed_automatic_tags(
    session: Session, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> list[TagEvent]:
    """People's removals of automatic tags: the ground truth of wrong automatic tags."""
    query = select(TagEvent).where(
        TagEvent.action == "remove", TagEvent.removed_source.in_(AUTOMATIC_SOURCES)
    )
    if start is not None:
        query = query.where(TagEvent.at >= start)
    if end is not None:
        query = query.where(TagEvent.at < end)
    return list(session.scalars(query.order_by(TagEvent.at, TagEvent.id)))


def tag_precision(assignments: pd.DataFrame, removals: Iterable[TagEvent]) -> pd.DataFrame:
    """Per automatic source reference and tag: assigned, removed by people, precision.

    Precision here is the share of automatic assignments nobody removed. It approaches the true
    precision where people review the tags; an unreviewed wrong tag still counts as right.
    """
    automatic = assignments[assignments["source"].isin(AUTOMATIC_SOURCES)]
    keys = automatic[["communication_id", "tag", "source", "source_ref"]].drop_duplicates()
    removed = {(e.communication_id, e.tag) for e in removals}
    keys = keys.assign(
        removed=[
            (c, t) in removed for c, t in zip(keys["communication_id"], keys["tag"], strict=True)
        ]
    )
    summary = (
        keys.groupby(["source", "source_ref", "tag"], dropna=False)
        .agg(assigned=("communication_id", "size"), removed=("removed", "sum"))
        .reset_index()
    )
    summary["removed"] = summary["removed"].astype(int)
    summary["precision"] = 1.0 - summary["removed"] / summary["assigned"]
    return summary

"""People's tag events (config store) as filters over the warehouse's automatic tags."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.tagging import TagEvent


def hand_tagged(session: Session, tags: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Per tag: (ids that carry it by hand now, ids where a person removed it)."""
    last: dict[tuple[str, str], str] = {}
    events = session.execute(
        select(TagEvent.communication_id, TagEvent.tag, TagEvent.action)
        .where(TagEvent.tag.in_(tags))
        .order_by(TagEvent.at, TagEvent.id)
    )
    for communication_id, tag, action in events:
        last[(communication_id, tag)] = action
    result: dict[str, tuple[list[str], list[str]]] = {}
    for tag in tags:
        set_ids = sorted(c for (c, t), a in last.items() if t == tag and a == "set")
        removed = sorted(c for (c, t), a in last.items() if t == tag and a == "remove")
        result[tag] = (set_ids, removed)
    return result

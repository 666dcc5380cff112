"""People's tag events (config store) as filters over the warehouse's automatic tags, kept per
worker while nobody tags by hand.

Every transaction that adds or changes a tag event bumps the tag-events version, a row of the
config store (:mod:`data.config.cache_versions`), and the cache reloads when it sees a new one:
at once for a tag set through this worker, within ``check_seconds`` for one set through any
other worker, host or command.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.cache_versions import TAG_EVENTS
from data.config.models.tagging import TagEvent
from data.config.store import ConfigStore
from serving.readmodel.rights_cache import SharedVersion, Version
from tagging.system_tags import tag_key


@dataclass(frozen=True)
class Event:
    """A tag event as plain values: what ``tagging.provenance.effective_tags`` reads."""

    id: int
    communication_id: str
    tag: str
    action: str
    actor: str
    at: object
    removed_source: str | None
    removed_source_ref: str | None
    comment: str | None


@dataclass(frozen=True)
class _Snapshot:
    version: Version
    by_communication: dict[str, list[Event]]
    # tag → (ids that carry it by hand now, ids whose automatic tag a person removed)
    by_tag: dict[str, tuple[list[str], list[str]]]


def _snapshot(session: Session, version: Version) -> _Snapshot:
    by_communication: dict[str, list[Event]] = {}
    last: dict[tuple[str, str], str] = {}
    rows = session.execute(
        select(
            TagEvent.id,
            TagEvent.communication_id,
            TagEvent.tag,
            TagEvent.action,
            TagEvent.actor,
            TagEvent.at,
            TagEvent.removed_source,
            TagEvent.removed_source_ref,
            TagEvent.comment,
        ).order_by(TagEvent.at, TagEvent.id)
    )
    for row in rows:
        item = Event(*row)
        by_communication.setdefault(item.communication_id, []).append(item)
        last[(item.communication_id, item.tag)] = item.action
    by_tag: dict[str, tuple[list[str], list[str]]] = {}
    for (communication_id, tag), action in sorted(last.items()):
        set_ids, removed = by_tag.setdefault(tag_key(tag), ([], []))
        (set_ids if action == "set" else removed).append(communication_id)
    return _Snapshot(version, by_communication, by_tag)


class TagEventCache:
    """All people's tag events of one config store, reloaded when they change."""

    def __init__(self, store: ConfigStore, check_seconds: float = 1.0):
        self.store = store
        self.tag_events = SharedVersion(store, TAG_EVENTS, check_seconds)
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def _current(self) -> _Snapshot:
        version = self.tag_events.current()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.version == version:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.version != version:
                with self.store.session() as session:
                    snapshot = self._snapshot = _snapshot(session, version)
        return snapshot

    def events_for(self, communication_ids: Iterable[str]) -> list[Event]:
        """The events of these communications, oldest first."""
        by_communication = self._current().by_communication
        found = [e for cid in communication_ids for e in by_communication.get(cid, ())]
        return sorted(found, key=lambda e: (e.at, e.id))

    def hand_tagged(self, tags: list[str]) -> dict[str, tuple[list[str], list[str]]]:
        """Per tag: (ids that carry it by hand now, ids where a person removed it)."""
        by_tag = self._current().by_tag
        return {tag: by_tag.get(tag_key(tag), ([], [])) for tag in tags}


def hand_tagged(session: Session, tags: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Per tag: (ids that carry it by hand now, ids where a person removed it), from the
    store directly."""
    last: dict[tuple[str, str], str] = {}
    wanted = {tag_key(tag) for tag in tags}
    events = session.execute(
        select(TagEvent.communication_id, TagEvent.tag, TagEvent.action).order_by(
            TagEvent.at, TagEvent.id
        )
    )
    for communication_id, tag, action in events:
        if tag_key(tag) in wanted:
            last[(communication_id, tag_key(tag))] = action
    result: dict[str, tuple[list[str], list[str]]] = {}
    for tag in tags:
        key = tag_key(tag)
        set_ids = sorted(c for (c, t), a in last.items() if t == key and a == "set")
        removed = sorted(c for (c, t), a in last.items() if t == key and a == "remove")
        result[tag] = (set_ids, removed)
    return result

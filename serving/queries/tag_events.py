"""People's tag events (config store) as filters over the warehouse's automatic tags, kept per
worker while nobody tags by hand.

Every commit that adds or changes a tag event bumps a tag-events version (a counter in the
process and a file beside the config store, as for access data), and the cache reloads when it
sees a new one, so a tag set through any worker shows on the next list request everywhere.
Events written by processes that do not import this module are picked up within
``MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import event, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from data.config.models.tagging import TagEvent
from data.config.store import ConfigStore
from serving.access.rights_cache import bump, current_version, version_path
from tagging.system_tags import tag_key

KIND = "tag-events-version"
MAX_AGE_SECONDS = 5.0
_CHANGED = "callscope.tag_events_changed"


@event.listens_for(Session, "after_flush")
def _note_tag_events(session: Session, _context) -> None:
    if _CHANGED in session.info:
        return
    if any(isinstance(obj, TagEvent) for obj in chain(session.new, session.dirty, session.deleted)):
        try:
            session.info[_CHANGED] = session.get_bind().url  # type: ignore[union-attr]  # bound to an Engine here
        except Exception:  # noqa: BLE001 - no single engine: this process's cache is still dropped
            session.info[_CHANGED] = None


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    if _CHANGED in session.info:
        bump(session.info.pop(_CHANGED), KIND)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


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
    version: tuple[int, str]
    loaded: float
    by_communication: dict[str, list[Event]]
    # tag → (ids that carry it by hand now, ids whose automatic tag a person removed)
    by_tag: dict[str, tuple[list[str], list[str]]]


def _snapshot(session: Session, version: tuple[int, str]) -> _Snapshot:
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
    return _Snapshot(version, time.monotonic(), by_communication, by_tag)


class TagEventCache:
    """All people's tag events of one config store, reloaded when they change."""

    def __init__(self, store: ConfigStore, url: URL | str | None = None):
        self.store = store
        self.path = version_path(url if url is not None else store.engine.url, KIND)
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def _current(self) -> _Snapshot:
        version = current_version(self.path, KIND)
        snapshot = self._snapshot
        if (
            snapshot is not None
            and snapshot.version == version
            and time.monotonic() - snapshot.loaded < MAX_AGE_SECONDS
        ):
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if (
                snapshot is None
                or snapshot.version != version
                or (time.monotonic() - snapshot.loaded >= MAX_AGE_SECONDS)
            ):
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

"""Effective rights per token, kept for a few seconds and dropped when access data changes.

Every transaction that touches users, tokens, roles, memberships, rights sets or rows, sites,
campaigns or accounts bumps the access version, a row of the config store
(:mod:`data.config.cache_versions`), whichever process commits it. An entry is used only while
the version it was computed under is current: a change committed through this process counts
at once; the store's row is read at most every ``check_seconds`` (by the guard, in a worker
thread), so a change made by another worker, host or ``callscope users`` takes effect within
that time. ``seconds`` bounds an entry's life whatever happens.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from data.config.cache_versions import ACCESS
from data.config.store import ConfigStore
from serving.access.rights import EffectiveRights

Version = tuple[int, int]


class SharedVersion:
    """One kind's version as (commits seen in this process, the store's row as last read)."""

    def __init__(self, store: ConfigStore, kind: str, check_seconds: float):
        self.store = store
        self.kind = kind
        self.check_seconds = check_seconds
        self._shared = -1
        self._checked = -float("inf")
        self._lock = threading.Lock()

    def due(self) -> bool:
        """Whether the store's row must be read before the version is trusted."""
        return time.monotonic() - self._checked >= self.check_seconds

    def refresh(self) -> None:
        """Reads the store's row (blocking: call it from a worker thread), unless a request
        that saw it due at the same moment already did."""
        if not self.due():
            return
        checked = time.monotonic()
        shared = self.store.version(self.kind)
        with self._lock:
            if checked >= self._checked:
                self._shared, self._checked = shared, checked

    def current(self) -> Version:
        """The version now, reading the store first when a check is due."""
        if self.due():
            self.refresh()
        return self.store.versions.local(self.kind), self._shared

    def known(self) -> Version:
        """The version as last read, without reading the store."""
        return self.store.versions.local(self.kind), self._shared


@dataclass(frozen=True)
class Entry:
    version: Version
    expires: float
    user_id: int
    rights: EffectiveRights


class RightsCache:
    """token hash → (user id, effective rights) for one config store."""

    def __init__(
        self,
        store: ConfigStore,
        seconds: float,
        check_seconds: float = 1.0,
        max_entries: int = 10_000,
    ):
        self.access = SharedVersion(store, ACCESS, check_seconds)
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[str, Entry] = {}

    def version(self) -> Version:
        """Read before computing an entry, so a change committed meanwhile still drops it."""
        return self.access.current()

    def get(self, token_hash: str) -> Entry | None:
        """The entry while it is current; the caller refreshes the version first when
        ``self.access.due()``."""
        if self.seconds <= 0:
            return None
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.expires < time.monotonic() or entry.version != self.access.known():
            self._entries.pop(token_hash, None)
            return None
        return entry

    def put(self, token_hash: str, version: Version, user_id: int, rights: EffectiveRights) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token_hash] = Entry(version, time.monotonic() + self.seconds, user_id, rights)

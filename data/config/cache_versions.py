"""Versions of cached configuration, kept in the config store (table ``cache_versions``).

Processes cache what they read often (an API worker keeps each token's effective rights and
people's tag events). Every unit of work that changes such data bumps its kind's row in the
same transaction, so a reader that sees the change also sees the new version, on any host, and
a rolled-back change bumps nothing. :class:`ConfigStore` installs the hook on its own sessions
(:func:`track`); bulk statements that bypass the ORM's unit of work call :func:`bump` directly.
"""

from __future__ import annotations

import threading
from collections import Counter
from itertools import chain
from typing import cast

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.orm import Session, sessionmaker

from data.config.models.access import AccessRight, ApiToken, RightsSet, Role, RoleMember, User
from data.config.models.cache_versions import CacheVersion
from data.config.models.core import Account, Campaign, Site
from data.config.models.tagging import TagEvent

ACCESS = "access"
TAG_EVENTS = "tag_events"
# which models make up each kind of cached data
WATCHED: dict[str, tuple[type, ...]] = {
    ACCESS: (User, ApiToken, Role, RoleMember, RightsSet, AccessRight, Site, Campaign, Account),
    TAG_EVENTS: (TagEvent,),
}
_PENDING = "callscope.cache_versions"


def bump(session: Session, kind: str) -> None:
    """Bumps ``kind`` in the session's transaction (the row is created when missing)."""
    versions = cast(Table, CacheVersion.__table__)
    changed = session.connection().execute(
        update(versions).where(versions.c.kind == kind).values(version=versions.c.version + 1)
    )
    if not changed.rowcount:
        session.add(CacheVersion(kind=kind, version=1))
    session.info.setdefault(_PENDING, set()).add(kind)


def read(engine: Engine, kind: str) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            select(CacheVersion.version).where(CacheVersion.kind == kind)
        ).scalar()
    return found or 0


class Tracker:
    """Bumps each kind whose models a flush changed, and counts the commits that did in this
    process (:meth:`local`): a change made here is seen here without reading the store."""

    def __init__(self) -> None:
        self._committed: Counter[str] = Counter()
        self._lock = threading.Lock()

    def local(self, kind: str) -> int:
        return self._committed[kind]

    def before_flush(self, session: Session, _context, _instances) -> None:
        # every flush that changes a kind bumps it: a savepoint rolled back takes its bump along
        changed = list(chain(session.new, session.dirty, session.deleted))
        for kind, models in WATCHED.items():
            if any(isinstance(obj, models) for obj in changed):
                bump(session, kind)

    def after_commit(self, session: Session) -> None:
        kinds = session.info.pop(_PENDING, ())
        with self._lock:
            for kind in kinds:
                self._committed[kind] += 1

    def after_rollback(self, session: Session) -> None:
        session.info.pop(_PENDING, None)


def track(sessions: sessionmaker) -> Tracker:
    """Installs the version hooks on one store's sessions (and on no other)."""
    from sqlalchemy import event

    tracker = Tracker()
    event.listen(sessions, "before_flush", tracker.before_flush)
    event.listen(sessions, "after_commit", tracker.after_commit)
    event.listen(sessions, "after_rollback", tracker.after_rollback)
    return tracker

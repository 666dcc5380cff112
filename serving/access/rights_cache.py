"""Effective rights per token, kept for a few seconds and dropped when access data changes.

Every commit that touched users, tokens, roles, memberships, rights sets or rows, sites,
campaigns or accounts bumps an access version: a counter in this process and a small file beside the
config store that other processes (the other API workers, the ``callscope users`` command)
bump too. A cached entry is used only while the version it was computed under is still current,
so blocking a user, revoking a token or changing rights or roles takes effect on the next
request in every worker; the time limit only bounds writes made outside this code.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from data.config.models.access import AccessRight, ApiToken, RightsSet, Role, RoleMember, User
from data.config.models.core import Account, Campaign, Site
from serving.access.rights import EffectiveRights

log = logging.getLogger(__name__)

WATCHED = (User, ApiToken, Role, RoleMember, RightsSet, AccessRight, Site, Campaign, Account)
_CHANGED = "callscope.access_changed"

_lock = threading.Lock()
_local_versions: dict[str, int] = {}
ACCESS = "access-version"


def version_path(url: URL | str, kind: str = ACCESS) -> Path | None:
    """Where processes sharing one config store keep its version of ``kind`` of data."""
    from sqlalchemy.engine import make_url

    url = make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(f"{database}.{kind}")
    from data.settings import get_settings

    key = url.render_as_string(hide_password=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(get_settings().home) / f"{kind}-{digest}"


def bump(url: URL | str | None = None, kind: str = ACCESS) -> None:
    """Marks every cached entry of this store stale, here and in the other processes."""
    with _lock:
        _local_versions[kind] = _local_versions.get(kind, 0) + 1
    path = version_path(url, kind) if url is not None else None
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(uuid.uuid4().hex)
        os.replace(temp, path)
    except OSError as error:  # the time limit still bounds what other processes keep
        log.warning("could not record an access change in %s: %s", path, error)


def current_version(path: Path | None, kind: str = ACCESS) -> tuple[int, str]:
    shared = ""
    if path is not None:
        try:
            shared = path.read_text()
        except OSError:
            shared = ""
    return _local_versions.get(kind, 0), shared


@event.listens_for(Session, "after_flush")
def _note_access_changes(session: Session, _context) -> None:
    if _CHANGED in session.info:
        return
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, WATCHED):
            try:
                url = session.get_bind().url  # type: ignore[union-attr]  # bound to an Engine here
            except Exception:  # noqa: BLE001 - no single engine: this process's entries are still dropped
                url = None
            session.info[_CHANGED] = url
            return


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    if _CHANGED in session.info:
        bump(session.info.pop(_CHANGED))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


@dataclass(frozen=True)
class Entry:
    version: tuple[int, str]
    expires: float
    user_id: int
    rights: EffectiveRights


class RightsCache:
    """token hash → (user id, effective rights) for one config store."""

    def __init__(self, url: URL | str, seconds: float, max_entries: int = 10_000):
        self.path = version_path(url)
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: dict[str, Entry] = {}

    def version(self) -> tuple[int, str]:
        """Read before computing an entry, so a change committed meanwhile still drops it."""
        return current_version(self.path)

    def get(self, token_hash: str) -> Entry | None:
        if self.seconds <= 0:
            return None
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        if entry.expires < time.monotonic() or entry.version != self.version():
            self._entries.pop(token_hash, None)
            return None
        return entry

    def put(
        self, token_hash: str, version: tuple[int, str], user_id: int, rights: EffectiveRights
    ) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token_hash] = Entry(version, time.monotonic() + self.seconds, user_id, rights)

"""Data API sources in the config store: add one, list them with the token masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.audit import record
from data.config.models.core import Account
from data.config.models.live import LiveCursor, LiveSource
from data.ingest.comagic_api import DEFAULT_URL

KINDS = ("comagic",)
ACTIVE, TOKEN_EXPIRED, FAILING = "active", "token_expired", "failing"


def mask(token: str) -> str:
    """Enough to tell two tokens apart, never enough to use one."""
    return "****" + token[-4:] if len(token) > 12 else "****"


def add_source(
    session: Session,
    kind: str,
    account_id: int,
    token: str,
    url: str | None = None,
    actor: str = "cli",
) -> LiveSource:
    """Connects an account's Data API; the same account and URL again replaces the token."""
    if kind not in KINDS:
        raise ValueError(f"unknown source kind {kind!r}; known: {', '.join(KINDS)}")
    token = token.strip()
    if not token:
        raise ValueError("the token is empty")
    url = (url or DEFAULT_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"the URL must start with http:// or https://, got {url!r}")
    if session.get(Account, account_id) is None:
        session.add(Account(id=account_id, name=f"account {account_id}"))
        session.flush()
    source = session.scalar(
        select(LiveSource).where(
            LiveSource.kind == kind, LiveSource.account_id == account_id, LiveSource.url == url
        )
    )
    before = describe(source) if source else None
    if source is None:
        source = LiveSource(kind=kind, account_id=account_id, url=url, token=token)
        session.add(source)
    source.token, source.status, source.status_message = token, ACTIVE, None
    session.flush()
    record(session, actor, "update" if before else "create", "live_source", str(source.id),
           before, describe(source))  # fmt: skip
    return source


def describe(source: LiveSource) -> dict[str, Any]:
    return {
        "id": source.id,
        "kind": source.kind,
        "account_id": source.account_id,
        "url": source.url,
        "token": mask(source.token),
        "status": source.status,
        "status_message": source.status_message,
        "last_poll_at": source.last_poll_at.isoformat(sep=" ") if source.last_poll_at else None,
    }


def list_sources(session: Session, account_ids: list[int] | None = None) -> list[dict[str, Any]]:
    query = select(LiveSource).order_by(LiveSource.id)
    if account_ids is not None:
        query = query.where(LiveSource.account_id.in_(account_ids))
    sources = [describe(s) for s in session.scalars(query)]
    cursors: dict[int, dict[str, str]] = {}
    for c in session.scalars(select(LiveCursor)):
        cursors.setdefault(c.source_id, {})[c.report] = c.position.isoformat(sep=" ")
    for s in sources:
        s["cursors"] = cursors.get(s["id"], {})
    return sources


def set_status(session: Session, source: LiveSource, status: str, message: str | None) -> None:
    source.status, source.status_message = status, message
    source.last_poll_at = dt.datetime.now().replace(microsecond=0)

"""The API's view of the antispam lists; switches and list changes are antispam.lists'."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.antispam import SpamListEntry
from serving.errors import NotFound


def get_entry(session: Session, account_id: int, kind: str, entry_id: int) -> SpamListEntry:
    entry = session.get(SpamListEntry, entry_id)
    if entry is None or entry.account_id != account_id or entry.list_kind != kind:
        raise NotFound(f"{kind} list entry {entry_id} does not exist")
    return entry


def set_comment(session: Session, entry: SpamListEntry, comment: str | None, actor: str) -> None:
    """Changes only the comment: who added the number and when stay as they were."""
    before = entry.comment
    entry.comment = comment
    audit.record(
        session,
        actor,
        "update",
        "antispam_list_entry",
        f"{entry.account_id}:{entry.number}",
        {"comment": before},
        {"comment": comment},
    )
    session.flush()

"""Per-account antispam configuration in the config store: the tag and block switches, the
black and white lists, and spam marks. Every change is audited (who, when, before, after)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from antispam.phones import parse_number
from data.config import audit
from data.config.models.antispam import LIST_KINDS, AntispamSettings, SpamListEntry, SpamMark
from data.errors import ConfigError


def normalize(number: str) -> str:
    """E.164 digits of a number typed in any common way; a ConfigError when it is none."""
    parsed = parse_number(number)
    if parsed is None:
        raise ConfigError("antispam list", "number", f"not a phone number: {number!r}")
    return str(parsed)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _settings_dict(row: AntispamSettings | None) -> dict | None:
    if row is None:
        return None
    return {"tag_enabled": row.tag_enabled, "block_enabled": row.block_enabled}


def get_switches(session: Session, account_id: int) -> AntispamSettings:
    """The account's switches; both off when the account never set them."""
    row = session.get(AntispamSettings, account_id)
    if row is None:
        return AntispamSettings(
            account_id=account_id, tag_enabled=False, block_enabled=False, updated_by=""
        )
    return row


def set_switches(
    session: Session,
    account_id: int,
    actor: str,
    *,
    tag: bool | None = None,
    block: bool | None = None,
) -> AntispamSettings:
    """Turns tagging and blocking on or off independently; ``None`` leaves a switch as it is."""
    row = session.get(AntispamSettings, account_id)
    before = _settings_dict(row)
    if row is None:
        row = AntispamSettings(
            account_id=account_id, tag_enabled=False, block_enabled=False, updated_by=actor
        )
        session.add(row)
    if tag is not None:
        row.tag_enabled = tag
    if block is not None:
        row.block_enabled = block
    row.updated_by, row.updated_at = actor, _now()
    session.flush()
    audit.record(
        session, actor, "update", "antispam_settings", account_id, before, _settings_dict(row)
    )
    return row


def _entry_dict(row: SpamListEntry) -> dict:
    return {
        "list_kind": row.list_kind,
        "number": row.number,
        "added_by": row.added_by,
        "added_at": row.added_at.isoformat() if row.added_at else None,
        "comment": row.comment,
    }


def add_to_list(
    session: Session,
    account_id: int,
    list_kind: str,
    number: str,
    actor: str,
    comment: str | None = None,
    at: dt.datetime | None = None,
) -> SpamListEntry:
    """Puts a number on the black or white list. A number sits on at most one list of an
    account: adding it to the other list moves it there (and the audit keeps the move)."""
    if list_kind not in LIST_KINDS:
        raise ConfigError("antispam list", "list_kind", f"must be one of {LIST_KINDS}")
    digits = normalize(number)
    row = session.scalar(
        select(SpamListEntry).where(
            SpamListEntry.account_id == account_id, SpamListEntry.number == digits
        )
    )
    before = _entry_dict(row) if row else None
    if row is None:
        row = SpamListEntry(account_id=account_id, number=digits)
        session.add(row)
    row.list_kind, row.added_by, row.added_at, row.comment = list_kind, actor, at or _now(), comment
    session.flush()
    audit.record(
        session,
        actor,
        "update" if before else "create",
        "antispam_list_entry",
        f"{account_id}:{digits}",
        before,
        _entry_dict(row),
    )
    return row


def remove_from_list(session: Session, account_id: int, number: str, actor: str) -> bool:
    digits = normalize(number)
    row = session.scalar(
        select(SpamListEntry).where(
            SpamListEntry.account_id == account_id, SpamListEntry.number == digits
        )
    )
    if row is None:
        return False
    before = _entry_dict(row)
    session.execute(delete(SpamListEntry).where(SpamListEntry.id == row.id))
    audit.record(
        session, actor, "delete", "antispam_list_entry", f"{account_id}:{digits}", before, None
    )
    return True


def list_entries(
    session: Session, account_id: int | None = None, list_kind: str | None = None
) -> list[SpamListEntry]:
    query = select(SpamListEntry).order_by(SpamListEntry.account_id, SpamListEntry.added_at)
    if account_id is not None:
        query = query.where(SpamListEntry.account_id == account_id)
    if list_kind is not None:
        query = query.where(SpamListEntry.list_kind == list_kind)
    return list(session.scalars(query))


def add_mark(
    session: Session,
    account_id: int,
    number: str,
    is_spam: bool,
    actor: str,
    *,
    communication_id: str | None = None,
    comment: str | None = None,
    at: dt.datetime | None = None,
) -> SpamMark:
    """Records an account's complaint ("spam") or correction ("not spam") about a caller."""
    mark = SpamMark(
        account_id=account_id,
        number=normalize(number),
        is_spam=is_spam,
        communication_id=communication_id,
        marked_by=actor,
        marked_at=at or _now(),
        comment=comment,
        weight=1,
    )
    session.add(mark)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "antispam_mark",
        mark.id,
        None,
        {"account_id": account_id, "number": mark.number, "is_spam": is_spam},
    )
    return mark


def feedback_frames(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All list entries and marks as frames, for training labels."""
    lists = pd.DataFrame(
        session.execute(select(SpamListEntry.number, SpamListEntry.list_kind)).all(),
        columns=["number", "list_kind"],
    )
    marks = pd.DataFrame(
        session.execute(select(SpamMark.number, SpamMark.is_spam, SpamMark.weight)).all(),
        columns=["number", "is_spam", "weight"],
    )
    return lists, marks


def seed_feedback(session: Session, lists: pd.DataFrame, marks: pd.DataFrame) -> dict[str, int]:
    """Bulk-loads list entries and marks (e.g. the demo's planted feedback, see
    ``data.demo.incoming_calls.plant_feedback``); of two entries for one number, the last wins."""
    lists = lists.drop_duplicates(["account_id", "number"], keep="last")
    entries = [
        {**row, "account_id": int(row["account_id"]), "number": str(row["number"])}
        for row in lists.to_dict("records")
    ]
    judgements = [
        {
            **row,
            "account_id": int(row["account_id"]),
            "number": str(row["number"]),
            "is_spam": bool(row["is_spam"]),
            "weight": int(row["weight"]),
        }
        for row in marks.to_dict("records")
    ]
    if entries:
        session.execute(SpamListEntry.__table__.insert(), entries)  # type: ignore[attr-defined]  # __table__ is a Table
    if judgements:
        session.execute(SpamMark.__table__.insert(), judgements)  # type: ignore[attr-defined]  # __table__ is a Table
    return {"list_entries": len(entries), "marks": len(judgements)}

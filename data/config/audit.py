"""Every change to the configuration keeps who, when, before and after."""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config.models.core import AuditRecord


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    before: Any = None,
    after: Any = None,
    at: dt.datetime | None = None,
) -> AuditRecord:
    entry = AuditRecord(
        at=at or dt.datetime.now().replace(microsecond=0),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def history(session: Session, entity: str, entity_id: Any | None = None) -> list[AuditRecord]:
    query = select(AuditRecord).where(AuditRecord.entity == entity)
    if entity_id is not None:
        query = query.where(AuditRecord.entity_id == str(entity_id))
    return list(session.scalars(query.order_by(AuditRecord.at, AuditRecord.id)))

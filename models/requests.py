"""Training requests from the cabinet: one open request per account, status and progress."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.smarttag import SmartTagTrainingRequest
from models.errors import RegistryError, TrainingAlreadyRunning

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
OPEN = ("pending", "running")


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def request_as_dict(row: SmartTagTrainingRequest) -> dict:
    return {
        "id": row.id,
        "account_id": row.account_id,
        "tags": row.tags,
        "email": row.email,
        "preset": row.preset,
        "status": row.status,
        "progress": round(row.progress or 0.0, 3),
        "message": row.message,
        "failure_reason": row.failure_reason,
        "version_id": row.version_id,
        "run_id": row.run_id,
        "requested_by": row.requested_by,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
    }


def open_request(session: Session, account_id: int) -> SmartTagTrainingRequest | None:
    return session.scalar(
        select(SmartTagTrainingRequest).where(
            SmartTagTrainingRequest.account_id == account_id,
            SmartTagTrainingRequest.status.in_(OPEN),
        )
    )


def request_training(
    session: Session,
    account_id: int,
    tags: Sequence[str],
    email: str,
    actor: str,
    preset: str | None = None,
) -> SmartTagTrainingRequest:
    """Queues a training request; raises TrainingAlreadyRunning while another one is open."""
    tags = [t.strip() for t in tags if t and t.strip()]
    if not tags:
        raise ValueError("tags: choose at least one tag to train")
    if not EMAIL.match(email or ""):
        raise ValueError(f"email: {email!r} is not an e-mail address")
    if preset is not None:
        from models.presets import PRESETS

        if preset not in PRESETS:
            raise ValueError(f"preset: unknown preset {preset!r}; expected one of {list(PRESETS)}")
    existing = open_request(session, account_id)
    if existing is not None:
        raise TrainingAlreadyRunning(account_id, existing.id)
    row = SmartTagTrainingRequest(
        account_id=account_id,
        tags=list(dict.fromkeys(tags)),
        email=email,
        preset=preset,
        status="pending",
        progress=0.0,
        message="waiting for the training job",
        requested_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as error:  # another request won the race
        existing = open_request(session, account_id)
        raise TrainingAlreadyRunning(account_id, existing.id if existing else -1) from error
    audit.record(
        session,
        actor,
        "request",
        "smarttag_training",
        row.id,
        None,
        {"account_id": account_id, "tags": row.tags, "preset": preset},
    )
    return row


def get_request(session: Session, request_id: int) -> SmartTagTrainingRequest:
    row = session.get(SmartTagTrainingRequest, request_id)
    if row is None:
        raise RegistryError(f"no SmartTag training request {request_id}")
    return row


def pending_requests(session: Session) -> list[SmartTagTrainingRequest]:
    return list(
        session.scalars(
            select(SmartTagTrainingRequest)
            .where(SmartTagTrainingRequest.status == "pending")
            .order_by(SmartTagTrainingRequest.id)
        )
    )


def account_requests(session: Session, account_id: int) -> list[dict]:
    rows = session.scalars(
        select(SmartTagTrainingRequest)
        .where(SmartTagTrainingRequest.account_id == account_id)
        .order_by(SmartTagTrainingRequest.id)
    )
    return [request_as_dict(r) for r in rows]


def mark_running(session: Session, request_id: int, run_id: str | None) -> None:
    row = get_request(session, request_id)
    row.status, row.run_id, row.started_at = "running", run_id, _now()
    row.message = "training started"


def update_progress(session: Session, request_id: int, fraction: float, message: str) -> None:
    row = get_request(session, request_id)
    row.progress = max(0.0, min(1.0, float(fraction)))
    row.message = message[:2000]


def finish(
    session: Session,
    request_id: int,
    *,
    succeeded: bool,
    message: str,
    failure_reason: str | None = None,
    version_id: int | None = None,
) -> SmartTagTrainingRequest:
    row = get_request(session, request_id)
    row.status = "succeeded" if succeeded else "failed"
    row.progress = 1.0 if succeeded else row.progress
    row.message = message[:2000]
    row.failure_reason = failure_reason
    row.version_id = version_id if version_id is not None else row.version_id
    row.finished_at = _now()
    return row

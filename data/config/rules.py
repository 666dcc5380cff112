"""Versioned rules. Every change opens a new version with ``valid_from`` and closes the previous
one, so the pipeline can evaluate the rules that were in effect at a communication's time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from data.config import audit
from data.config.models.core import RuleVersion

RULE_KINDS = ("transcription", "autotag")


def account_key(account_id: int | None, rule_id: str) -> str:
    """The stored key of an account's rule. Rule ids are the account's own, so two accounts
    may both have a rule "t1"; rules of no account are the platform's and keep their id."""
    return rule_id if account_id is None else f"{account_id}:{rule_id}"


def plain_id(version: RuleVersion) -> str:
    """The rule id as its account named it."""
    prefix = f"{version.account_id}:"
    if version.account_id is not None and version.rule_key.startswith(prefix):
        return version.rule_key[len(prefix) :]
    return version.rule_key


def _check_kind(kind: str) -> None:
    if kind not in RULE_KINDS:
        raise ValueError(f"unknown rule kind {kind!r}; expected one of {RULE_KINDS}")


def _open_version(session: Session, kind: str, rule_key: str) -> RuleVersion | None:
    return session.scalar(
        select(RuleVersion).where(
            RuleVersion.kind == kind,
            RuleVersion.rule_key == rule_key,
            RuleVersion.valid_to.is_(None),
        )
    )


def put_rule(
    session: Session,
    kind: str,
    rule_key: str,
    payload: dict[str, Any],
    actor: str,
    valid_from: dt.datetime | None = None,
    account_id: int | None = None,
) -> RuleVersion:
    """Creates or changes a rule; the change takes effect at ``valid_from`` (default: now)."""
    _check_kind(kind)
    valid_from = valid_from or dt.datetime.now().replace(microsecond=0)
    current = _open_version(session, kind, rule_key)
    if current is not None and valid_from < current.valid_from:
        raise ValueError(
            f"rule {rule_key}: valid_from {valid_from} precedes the current version's "
            f"{current.valid_from}; history is append-only"
        )
    before = current.payload if current else None
    if current is not None:
        current.valid_to = valid_from
    version = RuleVersion(
        kind=kind,
        rule_key=rule_key,
        version=(current.version + 1) if current else _next_version(session, kind, rule_key),
        account_id=account_id
        if account_id is not None
        else (current.account_id if current else None),
        valid_from=valid_from,
        valid_to=None,
        payload=payload,
        created_by=actor,
    )
    session.add(version)
    audit.record(
        session, actor, "update" if current else "create", f"{kind}_rule", rule_key, before, payload
    )
    session.flush()
    return version


def delete_rule(
    session: Session, kind: str, rule_key: str, actor: str, at: dt.datetime | None = None
) -> None:
    """Closes the rule from ``at`` on; its history stays."""
    _check_kind(kind)
    at = at or dt.datetime.now().replace(microsecond=0)
    current = _open_version(session, kind, rule_key)
    if current is None:
        raise LookupError(f"{kind} rule {rule_key!r} does not exist")
    current.valid_to = at
    audit.record(session, actor, "delete", f"{kind}_rule", rule_key, current.payload, None)
    session.flush()


def _next_version(session: Session, kind: str, rule_key: str) -> int:
    versions = session.scalars(
        select(RuleVersion.version).where(
            RuleVersion.kind == kind, RuleVersion.rule_key == rule_key
        )
    ).all()
    return max(versions, default=0) + 1


def rules_as_of(
    session: Session, kind: str, at: dt.datetime, account_id: int | None = None
) -> list[RuleVersion]:
    """The version of every rule in effect at ``at``."""
    _check_kind(kind)
    query = select(RuleVersion).where(
        RuleVersion.kind == kind,
        RuleVersion.valid_from <= at,
        or_(RuleVersion.valid_to.is_(None), RuleVersion.valid_to > at),
    )
    if account_id is not None:
        query = query.where(
            or_(RuleVersion.account_id == account_id, RuleVersion.account_id.is_(None))
        )
    return list(session.scalars(query.order_by(RuleVersion.rule_key)))


def versions_between(
    session: Session, kind: str, start: dt.datetime, end: dt.datetime
) -> list[RuleVersion]:
    """Every version in effect at some moment of ``[start, end)``: what a day's run needs."""
    _check_kind(kind)
    query = select(RuleVersion).where(
        RuleVersion.kind == kind,
        RuleVersion.valid_from < end,
        or_(RuleVersion.valid_to.is_(None), RuleVersion.valid_to > start),
    )
    return list(session.scalars(query.order_by(RuleVersion.rule_key, RuleVersion.version)))


def current_rules(session: Session, kind: str, account_id: int | None = None) -> list[RuleVersion]:
    """The open version of every rule (of ``account_id`` alone, when given)."""
    _check_kind(kind)
    query = select(RuleVersion).where(RuleVersion.kind == kind, RuleVersion.valid_to.is_(None))
    if account_id is not None:
        query = query.where(RuleVersion.account_id == account_id)
    return list(session.scalars(query.order_by(RuleVersion.rule_key)))


def rule_history(session: Session, kind: str, rule_key: str) -> list[RuleVersion]:
    _check_kind(kind)
    return list(
        session.scalars(
            select(RuleVersion)
            .where(and_(RuleVersion.kind == kind, RuleVersion.rule_key == rule_key))
            .order_by(RuleVersion.version)
        )
    )

"""Speech settings in the config store: transcription rules (versioned, kind ``transcription``),
stereo channel layouts and audited backfill requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import audit, rules
from data.config.models.core import BackfillRequest, RuleVersion
from data.config.models.speech import SpeechChannelLayout
from speech.channels import ChannelLayouts, check_channel_name
from speech.rules import TranscriptionRule, rule_to_payloads, rules_from_versions

RULE_KIND = "transcription"
BACKFILL_KIND = "transcription"


def load_rules(session: Session) -> list[TranscriptionRule]:
    """Every transcription rule with its whole version chain."""
    versions = session.scalars(
        select(RuleVersion)
        .where(RuleVersion.kind == RULE_KIND)
        .order_by(RuleVersion.rule_key, RuleVersion.version)
    ).all()
    return rules_from_versions(versions)


def import_rule(
    session: Session, rule_json: Mapping[str, Any], actor: str, account_id: int | None = None
) -> None:
    """Stores an open-format rule (with ``history``) as versions, one per history step."""
    for valid_from, payload in rule_to_payloads(rule_json):
        rules.put_rule(
            session, RULE_KIND, str(rule_json["id"]), payload, actor, valid_from, account_id
        )


def set_rule_enabled(
    session: Session, rule_key: str, enabled: bool, actor: str, at: dt.datetime | None = None
) -> None:
    """Switches a rule on or off from ``at`` on; calls before keep the old state."""
    current = [v for v in rules.rule_history(session, RULE_KIND, rule_key) if v.valid_to is None]
    if not current:
        raise LookupError(f"transcription rule {rule_key!r} does not exist")
    payload = {**current[0].payload, "enabled": enabled}
    rules.put_rule(session, RULE_KIND, rule_key, payload, actor, at)


def load_layouts(session: Session) -> ChannelLayouts:
    entries = [
        (row.account_id, row.virtual_phone_number or None, row.client_channel)
        for row in session.scalars(select(SpeechChannelLayout))
    ]
    return ChannelLayouts.from_entries(entries)


def set_layout(
    session: Session,
    account_id: int,
    client_channel: str,
    actor: str,
    virtual_phone_number: str | None = None,
) -> SpeechChannelLayout:
    """Sets which channel carries the client, for an account or one of its virtual numbers."""
    check_channel_name(client_channel)
    number = virtual_phone_number or ""
    row = session.scalar(
        select(SpeechChannelLayout).where(
            SpeechChannelLayout.account_id == account_id,
            SpeechChannelLayout.virtual_phone_number == number,
        )
    )
    before = {"client_channel": row.client_channel} if row else None
    if row is None:
        row = SpeechChannelLayout(
            account_id=account_id,
            virtual_phone_number=number,
            client_channel=client_channel,
            updated_by=actor,
        )
        session.add(row)
    else:
        row.client_channel, row.updated_by = client_channel, actor
        row.updated_at = dt.datetime.now().replace(microsecond=0)
    entity_id = f"{account_id}:{number or '*'}"
    audit.record(
        session,
        actor,
        "update" if before else "create",
        "speech_channel_layout",
        entity_id,
        before,
        {"client_channel": client_channel},
    )
    session.flush()
    return row


def request_backfill(
    session: Session, rule_key: str, date_from: dt.date, date_to: dt.date, actor: str
) -> BackfillRequest:
    """An analyst's backfill request; the sensor launches it as a run."""
    if date_to < date_from:
        raise ValueError(f"backfill range ends ({date_to}) before it starts ({date_from})")
    request = BackfillRequest(
        kind=BACKFILL_KIND,
        rule_key=rule_key,
        date_from=date_from,
        date_to=date_to,
        requested_by=actor,
        status="pending",
    )
    session.add(request)
    session.flush()
    audit.record(
        session, actor, "request", "transcription_backfill", request.id, None,
        {"rule_key": rule_key, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
    )  # fmt: skip
    return request


def pending_backfills(session: Session) -> list[BackfillRequest]:
    return list(
        session.scalars(
            select(BackfillRequest)
            .where(BackfillRequest.kind == BACKFILL_KIND, BackfillRequest.status == "pending")
            .order_by(BackfillRequest.id)
        )
    )


def record_backfill_run(
    session: Session,
    actor: str,
    rule_key: str,
    days: list[str],
    summary: Mapping[str, Any],
    run_id: str | None,
) -> None:
    audit.record(
        session, actor, "backfill", "transcription_rule", rule_key, None,
        {"days": days, "run_id": run_id, **dict(summary)},
    )  # fmt: skip

"""Raising events: each event is recorded once by its natural key, and in the same transaction
the rules it matches fan it out into deliveries (one per rule, channel and recipient), rendered
now so that every attempt sends the same bytes. A key seen before raises nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.config.models.notifications import Notification, NotificationVersion
from data.config.models.notifications_outbox import NotificationDelivery, NotificationEvent
from data.notifications import catalogue, templates
from data.notifications.conditions import rule_matches
from data.notifications.secrets import file_link
from data.settings import Settings

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass
class Event:
    """An event to raise. ``occurred_at`` is the account's wall clock (schedules use it);
    ``facts`` are what conditions look at; ``params`` fill the templates."""

    key: str
    event: str
    account_id: int | None
    occurred_at: dt.datetime
    params: dict
    facts: dict = field(default_factory=dict)
    communication_id: str | None = None  # a call with a recording gets a file_link


@dataclass
class Raised:
    events: int = 0
    duplicates: int = 0
    deliveries: int = 0
    outside_schedule: int = 0

    def add(self, other: Raised) -> None:
        for name in ("events", "duplicates", "deliveries", "outside_schedule"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def idempotency_key(event_key: str, notification_id: int, channel: str, recipient: str) -> str:
    text = f"{event_key}\n{notification_id}\n{channel}\n{recipient}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def current_rules(session: Session, events: Iterable[str]) -> list[tuple[Notification, dict, int]]:
    """(rule, payload, version) of every live rule following one of ``events``."""
    wanted = set(events)
    rows = session.execute(
        select(Notification, NotificationVersion)
        .join(NotificationVersion, NotificationVersion.notification_id == Notification.id)
        .where(Notification.deleted_at.is_(None), NotificationVersion.valid_to.is_(None))
        .order_by(Notification.id)
    ).all()
    return [(n, v.payload, v.version) for n, v in rows if v.payload.get("event") in wanted]


def render(payload: dict, event: Event, values: dict) -> list[tuple[str, str, dict]]:
    """(channel, recipient, message) for each recipient of each channel of a rule."""
    spec = catalogue.event(event.event)
    params = [p.name for p in spec.params]
    out = []
    http = payload.get("http")
    if http:
        message = templates.render_http(
            http.get("method", "POST"), http["url"], http.get("template"), values, params
        )
        out.append(("http", http["url"], message))
    email = payload.get("email")
    if email:
        body = templates.fill_text(
            email.get("template") or templates.default_text(spec.title, params), values
        )
        subject = f"{spec.title}: {payload.get('name', '')}".strip()
        for recipient in email["recipients"]:
            out.append(("email", recipient, {"subject": subject, "body": body}))
    sms = payload.get("sms")
    if sms:
        short: list[str] = [
            p for p in ("contact_phone_number", "start_time", "file_link") if p in params
        ]
        text = templates.fill_text(
            sms.get("template") or templates.default_text(spec.title, short), values
        )
        for recipient in sms["recipients"]:
            out.append(("sms", recipient, {"text": text}))
    return out


def template_values(settings: Settings, payload: dict, event: Event, now: dt.datetime) -> dict:
    values = {
        **event.params,
        "event_type": event.event,
        "event_time": event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
        "notification_name": payload.get("name"),
    }
    if event.communication_id and "file_link" not in values:
        spec = catalogue.event(event.event)
        if any(p.name == "file_link" for p in spec.params):
            values["file_link"] = file_link(settings, event.communication_id, now)
    return values


def _deliveries(
    settings: Settings,
    rules: list[tuple[Notification, dict, int]],
    event: Event,
    row: NotificationEvent,
    now: dt.datetime,
    raised: Raised,
) -> list[NotificationDelivery]:
    out = []
    for rule, payload, version in rules:
        if payload.get("event") != event.event:
            continue
        if event.account_id is not None and rule.account_id != event.account_id:
            continue
        facts = {"communication_type": event.params.get("communication_type"), **event.facts}
        if not rule_matches({**payload, "schedule": None}, facts, event.occurred_at):
            continue
        if not rule_matches(payload, facts, event.occurred_at):
            raised.outside_schedule += 1  # matched, but outside the activity schedule: dropped
            continue
        values = template_values(settings, payload, event, now)
        out += _pending(
            row, rule, version, event, render(payload, event, values), now,
            settings.notifications_max_attempts,
        )  # fmt: skip
    return out


def _pending(
    row: NotificationEvent,
    rule: Notification,
    version: int,
    event: Event,
    rendered,
    now: dt.datetime,
    max_attempts: int,
) -> list[NotificationDelivery]:
    """One pending delivery per rendered (channel, recipient, message)."""
    return [
        NotificationDelivery(
            event_id=row.id,
            notification_id=rule.id,
            rule_version=version,
            account_id=rule.account_id,
            channel=channel,
            recipient=recipient,
            message=message,
            idempotency_key=idempotency_key(event.key, rule.id, channel, recipient),
            status=PENDING,
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=now,
            event_time=now,
            created_at=now,
        )
        for channel, recipient, message in rendered
    ]


def raise_events(
    session: Session,
    settings: Settings,
    events: Iterable[Event],
    *,
    source: str,
    now: dt.datetime | None = None,
    rules: list[tuple[Notification, dict, int]] | None = None,
) -> Raised:
    """Records the new events and their deliveries in ``session``'s transaction. Each event is
    written inside a savepoint, so a key another process raised meanwhile is skipped, not an
    error; the caller's commit makes events and deliveries visible together."""
    now = now or utcnow()
    batch: dict[str, Event] = {}
    for event in events:
        catalogue.event(event.event)
        batch.setdefault(event.key, event)
    raised = Raised()
    if not batch:
        return raised
    keys = list(batch)
    seen: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        seen.update(
            session.scalars(select(NotificationEvent.key).where(NotificationEvent.key.in_(chunk)))
        )
    if rules is None:
        rules = current_rules(session, {e.event for e in batch.values()})
    fresh = [event for key, event in batch.items() if key not in seen]
    raised.duplicates += len(batch) - len(fresh)
    try:
        # the common case in one savepoint: every event, then every delivery, two flushes
        with session.begin_nested():
            counted = Raised()
            rows = [_event_row(event, now, source) for event in fresh]
            session.add_all(rows)
            session.flush()
            deliveries = []
            for event, row in zip(fresh, rows, strict=True):
                deliveries += _deliveries(settings, rules, event, row, now, counted)
            session.add_all(deliveries)
            session.flush()
        raised.events += len(rows)
        raised.deliveries += len(deliveries)
        raised.outside_schedule += counted.outside_schedule
        return raised
    except IntegrityError:
        pass  # another process raised some of them meanwhile: one savepoint per event
    for event in fresh:
        try:
            with session.begin_nested():
                row = _event_row(event, now, source)
                session.add(row)
                session.flush()
                counted = Raised()
                deliveries = _deliveries(settings, rules, event, row, now, counted)
                session.add_all(deliveries)
                session.flush()
        except IntegrityError:
            raised.duplicates += 1
            continue
        raised.events += 1
        raised.deliveries += len(deliveries)
        raised.outside_schedule += counted.outside_schedule
    return raised


def _event_row(event: Event, now: dt.datetime, source: str) -> NotificationEvent:
    return NotificationEvent(
        key=event.key,
        event=event.event,
        account_id=event.account_id,
        occurred_at=event.occurred_at,
        raised_at=now,
        source=source,
        params=event.params,
    )


def raise_test(
    session: Session,
    settings: Settings,
    rule: Notification,
    payload: dict,
    version: int,
    now: dt.datetime | None = None,
) -> list[NotificationDelivery]:
    """The cabinet's «Протестировать уведомление»: the rule's templates filled with sample data,
    queued for the rule's addresses regardless of its conditions and schedule."""
    now = now or utcnow()
    name = payload["event"]
    event = Event(
        key=f"test:{rule.id}:{now.isoformat()}:{hashlib.sha256(os.urandom(8)).hexdigest()[:8]}",
        event=name,
        account_id=rule.account_id,
        occurred_at=now,
        params=catalogue.sample(name),
    )
    row = NotificationEvent(
        key=event.key,
        event=name,
        account_id=rule.account_id,
        occurred_at=now,
        raised_at=now,
        source="test",
        params=event.params,
    )
    session.add(row)
    session.flush()
    values = {**template_values(settings, payload, event, now), **preview_extras(name)}
    deliveries = _pending(row, rule, version, event, render(payload, event, values), now, 1)
    session.add_all(deliveries)
    session.flush()
    return deliveries


def preview_extras(event_name: str) -> dict:
    """Sample values the catalogue shows as they would be filled (the sample file_link)."""
    spec = catalogue.event(event_name)
    return {p.name: p.sample for p in spec.params if p.name == "file_link"}


def preview(payload: dict) -> dict:
    """Each channel's message filled with sample data (GET queries decoded)."""
    name = payload["event"]
    values = {**catalogue.sample(name), "notification_name": payload.get("name")}
    event = Event(key="preview", event=name, account_id=None, occurred_at=utcnow(), params=values)
    out: dict = {"http": None, "email": [], "sms": []}
    for channel, recipient, message in render(payload, event, values):
        if channel == "http":
            out["http"] = {
                "method": message["method"],
                "url": message["preview"] if message["method"] == "GET" else message["url"],
                "body": message["body"],
            }
        else:
            out[channel].append({"recipient": recipient, **message})
    return out

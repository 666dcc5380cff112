"""The delivery worker: claims due deliveries with a lease, sends each one and records the
outcome. Every process that delivers (``callscope notifications deliver``, the Dagster sensor,
a test send) runs :func:`deliver_due`.

What "once" means: a delivery ends ``delivered`` at most once, and its attempts are recorded
before each request leaves. A worker killed between sending and recording leaves a delivery
whose lease expires; another worker sends it again with the same ``Idempotency-Key`` (HTTP and
SMS gateway header, e-mail ``Message-ID``), so the network sees at-least-once and a receiver
that keeps the keys it has seen applies it exactly once.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import random
import smtplib
import socket
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, cast

import httpx
from sqlalchemy import Table, and_, bindparam, or_, select, update

from data.config.models.notifications_outbox import NotificationAttempt, NotificationDelivery
from data.config.store import ConfigStore
from data.notifications import hosts, templates
from data.notifications.outbox import DELIVERED, FAILED, PENDING, SENDING, utcnow
from data.settings import Settings


@dataclass
class Policy:
    timeout: float = 10.0  # seconds for a whole attempt
    max_response_bytes: int = 64 * 1024
    backoff_base: float = 2.0
    backoff_cap: float = 3600.0
    batch: int = 200
    per_account_channel: int = 50  # claimed per batch: one account cannot fill a batch
    concurrency: int = 16
    lease_seconds: float | None = None  # default: long enough for a whole lane of time-outs
    allow_private: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "callscope@localhost"
    sms_url: str | None = None
    sms_method: str = "POST"
    sms_template: str = '{"phone": "{{phone}}", "text": "{{text}}"}'

    @classmethod
    def from_settings(cls, settings: Settings, **overrides) -> Policy:
        values: dict[str, Any] = {
            "timeout": settings.notifications_timeout,
            "allow_private": settings.notifications_allow_private_hosts,
            "smtp_host": settings.smtp_host,
            "smtp_port": settings.smtp_port,
            "smtp_sender": settings.smtp_sender,
            "sms_url": settings.notifications_sms_url,
            "sms_method": settings.notifications_sms_method,
            "sms_template": settings.notifications_sms_template,
        }
        return cls(**(values | overrides))


@dataclass
class Outcome:
    status: str  # delivered, retry, failed
    code: int | None = None
    reason: str | None = None


@dataclass
class Report:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0
    ids: list[int] = field(default_factory=list)

    def add(self, other: Report) -> None:
        for name in ("claimed", "delivered", "retried", "failed", "lost_lease"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ids.extend(other.ids)


class _TooLarge(Exception):
    pass


_clients: dict[float, httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(timeout: float) -> httpx.Client:
    """One pooled client per process and time-out (building one costs ~0.1 s of TLS setup)."""
    with _clients_lock:
        if timeout not in _clients:
            _clients[timeout] = httpx.Client(
                timeout=timeout,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            )
        return _clients[timeout]


def _host_refused(url: str, policy: Policy) -> Outcome | None:
    try:
        hosts.check_resolved(url, policy.allow_private)
    except hosts.RefusedHost as error:
        return Outcome("failed", None, f"refused: {error}")
    except ConnectionError as error:
        return Outcome("retry", None, str(error))
    return None


def _http(message: dict, key: str, policy: Policy, check_host: bool = True) -> Outcome:
    url = message["url"]
    if check_host and (refused := _host_refused(url, policy)):
        return refused
    headers = {"Idempotency-Key": key, "User-Agent": "callscope-notifications/1"}
    if message.get("content_type"):
        headers["Content-Type"] = message["content_type"] + "; charset=utf-8"
    body = message["body"].encode() if message.get("body") is not None else None
    deadline = time.monotonic() + policy.timeout
    try:
        note = None
        with _client(policy.timeout).stream(
            message["method"], url, content=body, headers=headers
        ) as response:
            size = 0
            for chunk in response.iter_raw(16 * 1024):
                size += len(chunk)
                if size > policy.max_response_bytes:
                    raise _TooLarge
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("response did not end in time")
    except _TooLarge:
        note = f"response body over {policy.max_response_bytes} bytes, not read"
    except httpx.TimeoutException:
        return Outcome("retry", None, f"timed out after {policy.timeout:g} s")
    except httpx.HTTPError as error:
        return Outcome("retry", None, f"{type(error).__name__}: {error}"[:500])
    return _by_status(response, note)


def _by_status(response: httpx.Response, note: str | None) -> Outcome:
    """Delivered on 2xx; a redirect is not followed; 429 and 5xx are retried."""
    code = response.status_code
    if 200 <= code < 300:
        return Outcome("delivered", code, note)
    if 300 <= code < 400:
        where = response.headers.get("location", "?")
        return Outcome("failed", code, f"redirect to {where} not followed"[:500])
    if code == 429 or code >= 500:
        return Outcome("retry", code, f"HTTP {code}")
    return Outcome("failed", code, f"HTTP {code}")


def _email(recipient: str, message: dict, key: str, policy: Policy) -> Outcome:
    mail = EmailMessage()
    mail["From"] = policy.smtp_sender
    mail["To"] = recipient
    mail["Subject"] = message["subject"]
    mail["Message-ID"] = f"<{key}@callscope>"
    mail["X-Idempotency-Key"] = key
    mail.set_content(message["body"])
    try:
        with smtplib.SMTP(policy.smtp_host, policy.smtp_port, timeout=policy.timeout) as smtp:
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [c for c, _ in error.recipients.values()]
        status = "retry" if all(400 <= c < 500 for c in codes) else "failed"
        return Outcome(status, codes[0] if codes else None, f"recipient refused: {codes}")
    except smtplib.SMTPResponseException as error:
        status = "retry" if 400 <= error.smtp_code < 500 else "failed"
        return Outcome(status, error.smtp_code, f"SMTP {error.smtp_code}: {error.smtp_error!r}")
    except (OSError, smtplib.SMTPException) as error:
        return Outcome("retry", None, f"{type(error).__name__}: {error}"[:500])
    return Outcome("delivered", 250)


def _sms(recipient: str, message: dict, key: str, policy: Policy) -> Outcome:
    if not policy.sms_url:
        return Outcome("failed", None, "no SMS gateway set (CALLSCOPE_NOTIFICATIONS_SMS_URL)")
    request = templates.render_http(
        policy.sms_method,
        policy.sms_url,
        policy.sms_template,
        {"phone": recipient, "text": message["text"]},
        ["phone", "text"],
    )
    # the gateway is the operator's own setting, not an account's recipient
    return _http(request, key, policy, check_host=False)


def send(delivery: NotificationDelivery, policy: Policy) -> Outcome:
    if delivery.channel == "http":
        return _http(delivery.message, delivery.idempotency_key, policy)
    if delivery.channel == "email":
        return _email(delivery.recipient, delivery.message, delivery.idempotency_key, policy)
    if delivery.channel == "sms":
        return _sms(delivery.recipient, delivery.message, delivery.idempotency_key, policy)
    return Outcome("failed", None, f"unknown channel {delivery.channel!r}")


def backoff(attempt: int, policy: Policy) -> float:
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** max(attempt - 1, 0))
    return delay * random.uniform(0.8, 1.2)


def _due(now: dt.datetime):
    return or_(
        and_(NotificationDelivery.status == PENDING, NotificationDelivery.next_attempt_at <= now),
        and_(NotificationDelivery.status == SENDING, NotificationDelivery.lease_until < now),
    )


def claim(
    store: ConfigStore, policy: Policy, worker: str, only: list[int] | None = None
) -> list[tuple[NotificationDelivery, int]]:
    """Leases up to ``policy.batch`` due deliveries, at most ``per_account_channel`` of each
    account and channel, and records an attempt for each in the same transaction, before any
    request leaves. One conditional update marks the due rows with this claim's own owner mark,
    so concurrent workers are safe on SQLite and PostgreSQL alike: a row another worker took
    first is no longer due and is skipped. Returns (delivery, attempt id) pairs in id order."""
    now = utcnow()
    query = select(
        NotificationDelivery.id, NotificationDelivery.account_id, NotificationDelivery.channel
    ).where(_due(now))
    if only is not None:
        query = query.where(NotificationDelivery.id.in_(only))
    query = query.order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
    with store.session() as session:
        candidates = session.execute(query.limit(policy.batch * 5)).all()
    taken: dict[tuple, int] = defaultdict(int)
    chosen = []
    for row_id, account_id, channel in candidates:
        if taken[(account_id, channel)] >= policy.per_account_channel:
            continue
        taken[(account_id, channel)] += 1
        chosen.append(row_id)
        if len(chosen) >= policy.batch:
            break
    if not chosen:
        return []
    seconds = policy.lease_seconds or policy.timeout * (policy.per_account_channel + 2) + 30
    lease = now + dt.timedelta(seconds=seconds)
    owner = f"{worker}/{uuid.uuid4().hex[:8]}"  # this claim's own mark
    with store.session() as session:
        session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id.in_(chosen), _due(now))
            .values(
                status=SENDING,
                lease_owner=owner,
                lease_until=lease,
                attempts=NotificationDelivery.attempts + 1,
            )
        )
        rows = session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.lease_owner == owner)
            .order_by(NotificationDelivery.id)
        ).all()
        if not rows:
            return []
        attempts = [
            NotificationAttempt(
                delivery_id=row.id, number=row.attempts, worker=worker, started_at=now
            )
            for row in rows
        ]
        session.add_all(attempts)
        session.flush()
        pairs = [(row, attempt.id) for row, attempt in zip(rows, attempts, strict=True)]
        session.expunge_all()
    return pairs


def _outcome_values(
    delivery: NotificationDelivery, outcome: Outcome, policy: Policy, now: dt.datetime
) -> dict:
    """The delivery's columns after an attempt (every key present, so rows batch together)."""
    status = outcome.status
    if status == "retry" and delivery.attempts >= delivery.max_attempts:
        status = "failed"
    reason = outcome.reason
    if status == "failed" and outcome.status == "retry":
        reason = f"gave up after {delivery.attempts} attempts: {reason}"
    if status == "retry":
        next_at = now + dt.timedelta(seconds=backoff(delivery.attempts, policy))
    else:
        next_at = delivery.next_attempt_at
    return {
        "b_id": delivery.id,
        "b_owner": delivery.lease_owner,
        "status": {"delivered": DELIVERED, "failed": FAILED}.get(status, PENDING),
        "next_attempt_at": next_at,
        "finished_at": None if status == "retry" else now,
        "response_code": outcome.code,
        "reason": reason or (None if status != "failed" else "failed"),
        "lease_owner": None,
        "lease_until": None,
    }


_DELIVERY_AFTER_ATTEMPT = (
    update(cast(Table, NotificationDelivery.__table__))
    .where(
        NotificationDelivery.__table__.c.id == bindparam("b_id"),
        NotificationDelivery.__table__.c.lease_owner == bindparam("b_owner"),
        NotificationDelivery.__table__.c.status == SENDING,
    )
    .values(
        status=bindparam("status"),
        next_attempt_at=bindparam("next_attempt_at"),
        finished_at=bindparam("finished_at"),
        response_code=bindparam("response_code"),
        reason=bindparam("reason"),
        lease_owner=bindparam("lease_owner"),
        lease_until=bindparam("lease_until"),
    )
)
_ATTEMPT_DONE = (
    update(cast(Table, NotificationAttempt.__table__))
    .where(NotificationAttempt.__table__.c.id == bindparam("b_id"))
    .values(
        finished_at=bindparam("finished_at"),
        outcome=bindparam("outcome"),
        response_code=bindparam("response_code"),
        reason=bindparam("reason"),
    )
)


def _finish_all(session, items: list, policy: Policy) -> list[str]:
    """Records a group of attempts' outcomes with two executemany statements. A row whose lease
    ran out and went to another worker meanwhile is left to that worker (``lost_lease``)."""
    now = utcnow()
    values = [_outcome_values(d, o, policy, now) for d, _, o in items]
    held = set(
        session.scalars(
            select(NotificationDelivery.id).where(
                NotificationDelivery.id.in_([v["b_id"] for v in values]),
                NotificationDelivery.lease_owner.in_({v["b_owner"] for v in values}),
                NotificationDelivery.status == SENDING,
            )
        )
    )
    attempts = [
        {
            "b_id": attempt_id,
            "finished_at": now,
            "outcome": {DELIVERED: "delivered", FAILED: "failed"}.get(v["status"], "retry"),
            "response_code": o.code,
            "reason": o.reason,
        }
        for (_, attempt_id, o), v in zip(items, values, strict=True)
    ]
    session.execute(_ATTEMPT_DONE, attempts)
    mine = [v for v in values if v["b_id"] in held]
    if mine:
        session.execute(_DELIVERY_AFTER_ATTEMPT, mine)
    return [
        a["outcome"] if v["b_id"] in held else "lost_lease"
        for a, v in zip(attempts, values, strict=True)
    ]


def _release(
    session, delivery: NotificationDelivery, attempt_id: int, worker: str, delay: float
) -> str:
    """Puts an untried delivery back: its recorded attempt is marked not sent and not counted."""
    now = utcnow()
    result = session.execute(
        update(NotificationDelivery)
        .where(
            NotificationDelivery.id == delivery.id,
            NotificationDelivery.lease_owner == delivery.lease_owner,
            NotificationDelivery.status == SENDING,
        )
        .values(
            status=PENDING,
            lease_owner=None,
            lease_until=None,
            attempts=NotificationDelivery.attempts - 1,
            next_attempt_at=now + dt.timedelta(seconds=delay),
        )
    )
    session.execute(
        update(NotificationAttempt)
        .where(NotificationAttempt.id == attempt_id)
        .values(finished_at=now, outcome="not_sent", reason="the receiver was down earlier")
    )
    return "released" if result.rowcount == 1 else "lost_lease"


_DONE = object()


def _lane(
    lane: list[tuple[NotificationDelivery, int]], policy: Policy, results: queue.Queue
) -> None:
    """Sends one rule's deliveries to one recipient in event order, handing each outcome to the
    recorder. After a time-out or a refused connection the rest of the lane goes back to the
    queue untried: a receiver that is down costs one attempt per batch, not one per delivery."""
    try:
        for index, (delivery, attempt_id) in enumerate(lane):
            outcome = send(delivery, policy)
            results.put((delivery, attempt_id, outcome))
            if outcome.status == "retry" and outcome.code is None:
                for rest, rest_attempt in lane[index + 1 :]:
                    results.put((rest, rest_attempt, None))
                break
    finally:
        results.put(_DONE)


def _record(store, items, worker, policy, report: Report) -> None:
    """Writes a group of outcomes in one transaction (one commit for many deliveries)."""
    sent = [item for item in items if item[2] is not None]
    untried = [item for item in items if item[2] is None]
    with store.session() as session:
        statuses = _finish_all(session, sent, policy) if sent else []
        for delivery, attempt_id, _ in untried:
            statuses.append(_release(session, delivery, attempt_id, worker, backoff(1, policy)))
    for (delivery, _, _), status in zip(sent + untried, statuses, strict=True):
        report.ids.append(delivery.id)
        if status == "delivered":
            report.delivered += 1
        elif status == "failed":
            report.failed += 1
        elif status == "lost_lease":
            report.lost_lease += 1
        else:
            report.retried += 1


def deliver_batch(
    store: ConfigStore, policy: Policy, worker: str | None = None, only: list[int] | None = None
) -> Report:
    """Claims a batch and sends it, lanes in parallel; outcomes are recorded as they arrive, in
    group commits (a worker killed meanwhile leaves at most the outcomes of that moment
    unrecorded; those deliveries are sent again with the same idempotency key)."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    report = Report()
    claimed = claim(store, policy, worker, only)
    report.claimed = len(claimed)
    lanes: dict[tuple, list[tuple[NotificationDelivery, int]]] = defaultdict(list)
    for delivery, attempt_id in claimed:
        key = (delivery.notification_id, delivery.channel, delivery.recipient)
        lanes[key].append((delivery, attempt_id))
    if not lanes:
        return report
    results: queue.Queue = queue.Queue()
    running = len(lanes)
    with ThreadPoolExecutor(max_workers=min(policy.concurrency, len(lanes))) as pool:
        for lane in lanes.values():
            pool.submit(_lane, lane, policy, results)
        while running:
            items = []
            item = results.get()
            while True:
                if item is _DONE:
                    running -= 1
                else:
                    items.append(item)
                try:
                    item = results.get(timeout=0.005)
                except queue.Empty:
                    break
            if items:
                _record(store, items, worker, policy, report)
    return report


def deliver_due(
    store: ConfigStore,
    policy: Policy,
    *,
    worker: str | None = None,
    only: list[int] | None = None,
    max_batches: int | None = None,
) -> Report:
    """Delivers batches until nothing is due now (retries scheduled later are left for a later
    run) and returns the totals."""
    total = Report()
    batches = 0
    while max_batches is None or batches < max_batches:
        report = deliver_batch(store, policy, worker, only)
        batches += 1
        if not report.claimed:
            break
        total.add(report)
    return total


def outstanding(store: ConfigStore, only: list[int] | None = None) -> int:
    """Deliveries not yet delivered or failed."""
    from sqlalchemy import func

    query = select(func.count()).where(NotificationDelivery.status.in_((PENDING, SENDING)))
    if only is not None:
        query = query.where(NotificationDelivery.id.in_(only))
    with store.session() as session:
        return session.scalar(query.select_from(NotificationDelivery)) or 0


def settle(
    store: ConfigStore,
    policy: Policy,
    *,
    seconds: float,
    only: list[int] | None = None,
    worker: str | None = None,
) -> Report:
    """Delivers, waiting for scheduled retries, until every delivery (of ``only``) is delivered
    or failed, or ``seconds`` pass. For test sends, the demo and tests; the worker proper runs
    :func:`deliver_due` on a schedule instead of waiting."""
    total = Report()
    deadline = time.monotonic() + seconds
    while True:
        report = deliver_due(store, policy, worker=worker, only=only)
        total.add(report)
        if not outstanding(store, only) or time.monotonic() > deadline:
            return total
        time.sleep(min(0.05, policy.backoff_base))

"""Delivery over real loopback receivers: retries with backoff for 5xx and broken connections,
no retry for other 4xx, bounded time and size, no redirects, private hosts refused at send time,
e-mail through aiosmtpd and SMS through an HTTP gateway stub."""

import datetime as dt
import email
import json
import socket

import pytest
from sqlalchemy import select

from data.config.models.notifications_outbox import NotificationAttempt, NotificationDelivery
from data.notifications.delivery import deliver_due, settle
from data.notifications.loopback import Behaviour, Receiver
from data.notifications.outbox import Event
from data.notifications.sources import raise_all
from tests.notifications.conftest import add_rule, policy


def lost_call(i: int) -> Event:
    return Event(
        key=f"lost_call:call:{i}",
        event="lost_call",
        account_id=1,
        occurred_at=dt.datetime(2026, 5, 4, 12, i % 60),
        params={
            "communication_id": i,
            "contact_phone_number": f"7916000{i:04d}",
            "text": 'кавычка " и \\',
        },
        facts={"contact_phone_number": f"7916000{i:04d}"},
    )


def http_rule(store, url, **http):
    return add_rule(
        store,
        {
            "name": "CRM",
            "event": "lost_call",
            "http": {
                "url": url,
                "method": "POST",
                "template": '{"id": {{communication_id}}, "phone": "{{contact_phone_number}}"}',
                **http,
            },
        },
    )


def deliveries(store):
    with store.session() as session:
        return session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.id)).all()


def test_failing_first_tries_are_retried_until_delivered_once(store, settings, receiver):
    receiver.behaviour = Behaviour(fail_first=2)
    http_rule(store, receiver.url + "/hook")
    raise_all(store, settings, [lost_call(i) for i in range(5)], source="test")
    report = settle(store, policy(settings), seconds=30)
    assert report.delivered == 5
    rows = deliveries(store)
    assert {d.status for d in rows} == {"delivered"}
    assert {d.attempts for d in rows} == {3}
    assert len(receiver.applied) == 5
    assert receiver.duplicates == 0
    assert len(receiver.requests) == 15
    keys = {r.key for r in receiver.requests}
    assert keys == {d.idempotency_key for d in rows}
    sent = json.loads(receiver.requests[-1].body)
    assert sent["phone"].startswith("7916000")
    with store.session() as session:
        outcomes = session.scalars(
            select(NotificationAttempt.outcome).where(NotificationAttempt.delivery_id == rows[0].id)
        ).all()
    assert outcomes == ["retry", "retry", "delivered"]


def test_the_last_try_fails_with_its_reason(store, settings, receiver):
    receiver.behaviour = Behaviour(fail_first=100)
    http_rule(store, receiver.url + "/hook")
    raise_all(store, settings, [lost_call(1)], source="test")
    settle(store, policy(settings), seconds=30)
    (row,) = deliveries(store)
    assert row.status == "failed"
    assert row.attempts == settings.notifications_max_attempts
    assert row.response_code == 503
    assert "gave up after 6 attempts: HTTP 503" in row.reason


def test_other_4xx_are_not_retried_and_429_is(store, settings, receiver):
    receiver.behaviour = Behaviour(status=404)
    http_rule(store, receiver.url + "/gone")
    raise_all(store, settings, [lost_call(1)], source="test")
    deliver_due(store, policy(settings))
    (row,) = deliveries(store)
    assert (row.status, row.attempts, row.reason) == ("failed", 1, "HTTP 404")
    receiver.behaviour = Behaviour(status=429)
    raise_all(store, settings, [lost_call(2)], source="test")
    settle(store, policy(settings), seconds=30)
    assert deliveries(store)[1].attempts == settings.notifications_max_attempts


def test_a_receiver_that_hangs_is_cut_off_and_retried(store, settings, receiver):
    receiver.behaviour = Behaviour(hang_seconds=3)
    http_rule(store, receiver.url + "/slow")
    raise_all(store, settings, [lost_call(1), lost_call(2)], source="test")
    report = deliver_due(store, policy(settings, timeout=0.5), max_batches=1)
    rows = deliveries(store)
    assert rows[0].status == "pending"
    assert rows[0].attempts == 1
    assert "timed out after 0.5 s" in rows[0].reason
    # the rest of the lane went back untried: a dead receiver costs one attempt per batch
    assert rows[1].status == "pending"
    assert rows[1].attempts == 0
    assert report.claimed == 2


def test_a_redirect_to_another_host_is_not_followed(store, settings, receiver):
    target = Receiver()
    try:
        receiver.behaviour = Behaviour(redirect_to=target.url + "/elsewhere")
        http_rule(store, receiver.url + "/moved")
        raise_all(store, settings, [lost_call(1)], source="test")
        deliver_due(store, policy(settings))
        (row,) = deliveries(store)
        assert row.status == "failed"
        assert row.response_code == 301
        assert "not followed" in row.reason
        assert target.requests == []
    finally:
        target.close()


def test_a_huge_response_is_not_read(store, settings, receiver):
    receiver.behaviour = Behaviour(body_bytes=10 * 1024 * 1024)
    http_rule(store, receiver.url + "/big")
    raise_all(store, settings, [lost_call(1)], source="test")
    deliver_due(store, policy(settings))
    (row,) = deliveries(store)
    assert row.status == "delivered"
    assert "not read" in row.reason


def test_a_refused_connection_is_retried(store, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http_rule(store, f"http://127.0.0.1:{port}/nobody")
    raise_all(store, settings, [lost_call(1)], source="test")
    settle(store, policy(settings), seconds=30)
    (row,) = deliveries(store)
    assert row.status == "failed"
    assert row.attempts == 6
    assert "ConnectError" in row.reason


def test_private_hosts_are_refused_at_send_time_unless_allowed(store, settings, receiver):
    http_rule(store, receiver.url + "/hook")
    raise_all(store, settings, [lost_call(1)], source="test")
    deliver_due(store, policy(settings, allow_private=False))
    (row,) = deliveries(store)
    assert row.status == "failed"
    assert "127.0.0.1 is a private address" in row.reason
    assert receiver.requests == []


def test_email_and_sms_each_recipient_its_own_delivery(store, settings, mailbox, receiver):
    add_rule(
        store,
        {
            "name": "Почта и SMS",
            "event": "lost_call",
            "email": {
                "recipients": ["a@okna.ru", "b@okna.ru"],
                "template": "Потерянный звонок с %contact_phone_number%: {{text}}",
            },
            "sms": {
                "recipients": ["79161234567", "79031234567"],
                "template": "Пропущен {{contact_phone_number}}",
            },
        },
    )
    raise_all(store, settings, [lost_call(7)], source="test")
    receiver.behaviour = Behaviour(fail_first=1)
    report = settle(
        store,
        seconds=30,
        policy=policy(
            settings,
            smtp_port=mailbox.port,
            sms_url=receiver.url + "/sms",
            sms_template='{"to": "{{phone}}", "message": "{{text}}"}',
        ),
    )
    assert report.delivered == 4
    assert sorted(rcpt[0] for _, rcpt, _ in mailbox.messages) == ["a@okna.ru", "b@okna.ru"]
    message = email.message_from_bytes(mailbox.messages[0][2])
    assert message.get_payload(decode=True).decode().strip() == (
        'Потерянный звонок с 79160000007: кавычка " и \\'
    )
    assert message["Message-ID"].startswith("<")
    texts = sorted(json.loads(r.body)["to"] for r in receiver.applied.values())
    assert texts == ["79031234567", "79161234567"]
    assert {json.loads(r.body)["message"] for r in receiver.applied.values()} == {
        "Пропущен 79160000007"
    }


@pytest.mark.slow
def test_one_dead_account_does_not_hold_back_another(store, settings, receiver):
    dead = Receiver(Behaviour(hang_seconds=5))
    try:
        add_rule(
            store,
            {
                "name": "мёртвый",
                "event": "lost_call",
                "http": {"url": dead.url + "/x", "method": "POST"},
            },
            account_id=2,
        )
        http_rule(store, receiver.url + "/alive")
        alive = [lost_call(i) for i in range(30)]
        # the dead account's events come first, so they are the first due
        events = [Event(**{**e.__dict__, "key": "b" + e.key, "account_id": 2}) for e in alive]
        events += alive
        raise_all(store, settings, events, source="test")
        report = deliver_due(
            store,
            # a timeout a busy machine's live receiver always meets, and the dead one never does
            policy(settings, timeout=1.5, per_account_channel=5, batch=10),
            max_batches=6,
        )
        # five deliveries of the live account per batch while the dead one times out once each
        assert len(receiver.applied) == 30
        assert report.delivered == 30
    finally:
        dead.close()

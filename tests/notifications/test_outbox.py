"""Raising events: matched rules fan out to one delivery per recipient; a key raises once,
whether the nightly run repeats or the live path raised it first; schedules drop events."""

import datetime as dt
import json

import pandas as pd
from sqlalchemy import func, select

from data.config.models.notifications_outbox import NotificationDelivery, NotificationEvent
from data.notifications.sources import raise_communications, raise_day, raise_spam_day
from data.warehouse import Warehouse
from tests.notifications.conftest import add_rule

DAY = dt.date(2026, 5, 4)  # a Monday


def communications(n: int = 6) -> pd.DataFrame:
    rows = []
    for i in range(1, n + 1):
        kind = ["call", "call", "call", "chat", "chat", "offline_message"][(i - 1) % 6]
        start = dt.datetime.combine(DAY, dt.time(10 + i % 8, 5))
        rows.append(
            {
                "communication_id": f"{kind}:{i}",
                "communication_type": kind,
                "id": i,
                "account_id": 1,
                "site_id": 101,
                "campaign_id": 2001,
                "visitor_id": 500 + i,
                "date_time": start,
                "finish_time": start + dt.timedelta(minutes=2),
                "duration": 120,
                "talk_duration": 0 if i % 6 == 2 else 100,
                "is_lost": i % 6 in (2, 5),
                "contact_phone_number": f"7916000000{i % 10}",
                "virtual_phone_number": "74951112233" if i % 2 else "74959998877",
                "employee_ids": [17],
                "employee_group_ids": [],
                "call_records": [f"rec-{i}"] if kind == "call" and i % 6 != 2 else [],
                "turns": json.dumps([{"speaker": "client", "text": f"текст {i}"}]),
            }
        )
    return pd.DataFrame(rows)


def count(store, model, **where):
    with store.session() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_each_matching_rule_and_recipient_is_a_delivery(store, settings):
    recorded = add_rule(
        store,
        {
            "name": "Записи",
            "event": "recorded_call",
            "email": {"recipients": ["a@okna.ru", "b@okna.ru"]},
            "http": {
                "url": "http://127.0.0.1:9/hook",
                "method": "POST",
                "template": '{"link": "{{file_link}}", "n": {{communication_id}}}',
            },
        },
    )
    add_rule(
        store,
        {"name": "Чужой", "event": "recorded_call", "email": {"recipients": ["x@other.ru"]}},
        account_id=2,
    )
    raised = raise_communications(store, settings, communications())
    # calls 1 and 3 are answered and recorded; call 2 is lost without a recording
    assert count(store, NotificationEvent, event="recorded_call") == 2
    assert count(store, NotificationEvent, event="lost_call") == 1
    assert count(store, NotificationEvent, event="missed_chat") == 1
    assert count(store, NotificationEvent, event="chat_finished") == 1
    assert count(store, NotificationEvent, event="offline_message") == 1
    assert count(store, NotificationDelivery, notification_id=recorded) == 6  # 2 calls x 3
    assert raised.deliveries == 6
    with store.session() as session:
        http = session.scalars(
            select(NotificationDelivery).where(NotificationDelivery.channel == "http")
        ).all()
    body = json.loads(http[0].message["body"])
    assert body["n"] in (1, 3)
    assert "/api/v1/recording-links/call:" in body["link"]


def test_the_seed_examples_route_calls_by_number(store, settings):
    def number_rule(name, field, number):
        condition = {"field": field, "operator": "equals", "values": [number]}
        return add_rule(
            store,
            {
                "name": name,
                "event": "incoming_call",
                "email": {"recipients": ["a@okna.ru"]},
                "condition_groups": [[condition]],
            },
        )

    from_number = number_rule("С номера", "contact_phone_number", "79160000003")
    to_number = number_rule("На номер", "virtual_phone_number", "74959998877")
    raise_communications(store, settings, communications())
    with store.session() as session:

        def numbers(rule_id):
            rows = session.execute(
                select(NotificationEvent.params)
                .join(NotificationDelivery, NotificationDelivery.event_id == NotificationEvent.id)
                .where(NotificationDelivery.notification_id == rule_id)
            ).scalars()
            return sorted(p["communication_id"] for p in rows)

        assert numbers(from_number) == [3]
        assert numbers(to_number) == [2]


def test_outside_the_schedule_nothing_is_queued(store, settings):
    add_rule(
        store,
        {
            "name": "Ночью",
            "event": "call_finished",
            "email": {"recipients": ["a@okna.ru"]},
            "schedule": [{"days": [1], "start": "12:00", "end": "13:00"}],
        },
    )
    raised = raise_communications(store, settings, communications())
    # calls start at 11:05, 12:05 and 13:05 and end two minutes later: only the 12:07 one
    assert raised.deliveries == 1
    assert raised.outside_schedule == 2


def test_a_rerun_raises_nothing_new_and_live_first_means_nightly_adds_nothing(
    store, settings, tmp_path
):
    add_rule(store, {"name": "Все", "event": "call_finished", "email": {"recipients": ["a@b.ru"]}})
    add_rule(
        store,
        {
            "name": "Теги",
            "event": "tag_set",
            "tags": ["Целевой"],
            "email": {"recipients": ["a@b.ru"]},
        },
    )
    comms = communications()
    warehouse = Warehouse(tmp_path / "warehouse")
    warehouse.write_partition("communications", DAY, comms)
    warehouse.write_partition(
        "tag_assignments",
        DAY,
        pd.DataFrame(
            {
                "communication_id": ["call:1", "call:1", "chat:4"],
                "communication_type": ["call", "call", "chat"],
                "tag": ["Целевой", "Спам", "ЦЕЛЕВОЙ"],
                "source": ["autotag", "system", "smarttag"],
                "source_ref": ["r1@1", "spam", "smarttag:1@v1"],
                "probability": [1.0, 1.0, 0.9],
                "evidence": ["{}", "{}", "{}"],
            }
        ),
    )
    warehouse.write_partition(
        "transcripts",
        DAY,
        pd.DataFrame(
            {
                "communication_id": ["call:1", "call:3"],
                "call_id": [1, 3],
                "status": ["ok", "error"],
                "turns": ['[{"speaker": "client", "text": "алло"}]', "[]"],
            }
        ),
    )
    warehouse.write_partition(
        "spam_verdicts",
        DAY,
        pd.DataFrame(
            {
                "number": ["79990001122", "79990003344"],
                "score": [0.99, 0.1],
                "is_spam": [True, False],
                "reasons": ['["short calls"]', "[]"],
                "model_version": "v1",
            }
        ),
    )
    live = raise_communications(store, settings, comms.iloc[:2])
    first = raise_day(store, settings, warehouse, DAY)
    again = raise_day(store, settings, warehouse, DAY)
    assert raise_spam_day(store, settings, warehouse, DAY).events == 1
    assert raise_spam_day(store, settings, warehouse, DAY).events == 0
    assert live.events > 0
    assert first.duplicates == live.events
    assert again.events == 0
    assert again.deliveries == 0
    assert count(store, NotificationEvent, event="tag_set") == 2  # autotag + system tag
    assert count(store, NotificationEvent, event="smarttag_tag_set") == 1
    assert count(store, NotificationEvent, event="transcript_ready") == 1
    assert count(store, NotificationEvent, event="number_flagged_spam") == 1
    assert count(store, NotificationDelivery) == 3 + 1  # 3 finished calls + the one tag

"""On PostgreSQL, two processes raising the same event at once: the one that commits second
finds the key taken, skips that event and still raises the rest of its batch."""

import threading

import pytest
from sqlalchemy import func, select

from data.config.models.notifications_outbox import NotificationDelivery, NotificationEvent
from data.config.store import ConfigStore
from data.notifications.outbox import raise_events
from tests.notifications.conftest import add_rule, seed
from tests.notifications.test_delivery import lost_call


@pytest.mark.postgres
def test_a_race_on_one_key_raises_it_once(postgres_url, settings):
    store = ConfigStore(postgres_url)
    seed(store)
    add_rule(store, {"name": "CRM", "event": "lost_call", "email": {"recipients": ["a@b.ru"]}})
    first_inserted, second_done, results = threading.Event(), threading.Event(), {}

    def first():
        with store.session() as session:
            results["first"] = raise_events(session, settings, [lost_call(1)], source="live")
            first_inserted.set()
            second_done.wait(2)  # the second raiser now waits on our uncommitted key

    def second():
        first_inserted.wait()
        with store.session() as session:
            events = [lost_call(1), lost_call(2)]
            results["second"] = raise_events(session, settings, events, source="nightly")
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["first"].events == 1
    assert (results["second"].events, results["second"].duplicates) == (1, 1)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(NotificationEvent)) == 2
        assert session.scalar(select(func.count()).select_from(NotificationDelivery)) == 2
    store.dispose()

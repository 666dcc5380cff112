"""The live path raises notification events as it writes: a rule fires within the poll, and a
re-poll of the same window adds nothing."""

import pytest
from sqlalchemy import func, select

from data.config.models.core import Account
from data.config.models.notifications_outbox import NotificationDelivery, NotificationEvent
from tests.data.live_world import MINUTE, World
from tests.notifications.conftest import add_rule


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLSCOPE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLSCOPE_NOTIFICATIONS_SECRET", "test-secret")
    w = World(tmp_path)
    yield w
    w.close()


def _count(world, model, **where):
    with world.store.session() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def _deliveries(world, rule_id):
    return _count(world, NotificationDelivery, notification_id=rule_id)


def test_a_matching_rule_gets_one_outbox_row_across_two_polls_of_the_same_window(world):
    account = world.account()
    with world.store.session() as session:
        if session.get(Account, 6) is None:
            session.add(Account(id=6, name="Другой"))
    finished = add_rule(world.store, {"name": "Звонки", "event": "call_finished",
                                      "email": {"recipients": ["a@okna.ru"]}}, account_id=5)  # fmt: skip
    lost_tag = add_rule(world.store, {
        "name": "Потерянные", "event": "tag_set", "email": {"recipients": ["b@okna.ru"]},
        "condition_groups": [[{"field": "tag", "operator": "equals",
                               "values": ["потерянный"]}]],
    }, account_id=5)  # fmt: skip
    other = add_rule(world.store, {"name": "Чужой", "event": "call_finished",
                                   "email": {"recipients": ["x@other.ru"]}}, account_id=6)  # fmt: skip
    account.call(world.now - 5 * MINUTE)
    lost = account.call(world.now - 4 * MINUTE, lost=True)
    first = world.poll()
    assert first["processed"] == 2
    tags = {(r["communication_id"], r["tag"]) for r in world.rows("tag_assignments")}
    assert (f"call:{lost['id']}", "Потерянный") in tags
    assert _deliveries(world, finished) == 2  # raised within the poll
    assert _deliveries(world, lost_tag) == 1
    assert _count(world, NotificationEvent, event="transcript_ready") == 1

    world.now += MINUTE  # the next poll's window overlaps the first: the same call again
    world.poll()
    assert _deliveries(world, finished) == 2
    assert _deliveries(world, lost_tag) == 1
    assert _deliveries(world, other) == 0
    assert _count(world, NotificationEvent, event="call_finished") == 2


def test_an_updated_call_raises_only_its_new_events(world):
    account = world.account()
    rule = add_rule(world.store, {"name": "Записи", "event": "recorded_call",
                                  "email": {"recipients": ["a@okna.ru"]}}, account_id=5)  # fmt: skip
    lost = add_rule(world.store, {"name": "Потерянные", "event": "lost_call",
                                  "email": {"recipients": ["a@okna.ru"]}}, account_id=5)  # fmt: skip
    call = account.call(world.now - 10 * MINUTE, lost=True)
    world.poll()
    assert _deliveries(world, lost) == 1
    assert _deliveries(world, rule) == 0
    from data.live.simulate import wav_bytes

    account.account.recordings[f"rec{call['id']}"] = wav_bytes(40, 1)
    account._write_dialogue(call["id"], 40)
    account.account.upsert("calls", dict(call, is_lost=False, talk_duration=40,
                                         total_duration=50, call_records=[f"rec{call['id']}"]))  # fmt: skip
    world.now += MINUTE
    world.poll()
    world.now += MINUTE
    world.poll()
    assert _deliveries(world, rule) == 1
    assert _deliveries(world, lost) == 1

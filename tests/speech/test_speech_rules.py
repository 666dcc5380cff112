"""Transcription rules: filters, history as of call time, backfill, and the config store."""

import datetime as dt

import pytest

from data.config import audit
from data.config import rules as rule_store
from data.config.store import ConfigStore
from speech.config import import_rule, load_layouts, load_rules, set_layout, set_rule_enabled
from speech.rules import (
    REASON_NO_MATCH,
    REASON_NO_RULES,
    REASON_SITE_INACTIVE,
    CallFacts,
    RuleFormatError,
    normalize_phone,
    rules_from_json,
    select_call,
    select_for_backfill,
)

RULE_T1 = {
    "id": "t1",
    "virtual_phone_numbers": ["74951234567"],
    "employee_ids": None,
    "employee_group_ids": None,
    "site_ids": None,
    "campaign_ids": [12, 13],
    "history": [
        {"from": "2026-05-01 00:00:00", "enabled": True},
        {"from": "2026-05-03 14:00:00", "enabled": False},
        {"from": "2026-05-03 16:00:00", "enabled": True},
    ],
}


def call(at="2026-05-03 10:00:00", **fields):
    values = {"id": 1, "start_time": dt.datetime.fromisoformat(at), "virtual_phone_number": "74951234567",
              "site_id": 1, "campaign_id": 12, "employee_ids": (5,), "employee_group_ids": (7,)}  # fmt: skip
    values.update(fields)
    return CallFacts(**values)


@pytest.mark.parametrize(
    ("at", "selected"),
    [
        ("2026-04-30 23:59:59", False),  # before the rule existed
        ("2026-05-01 00:00:00", True),
        ("2026-05-03 13:59:59", True),
        ("2026-05-03 14:00:00", False),  # off from 14:00
        ("2026-05-03 15:59:59", False),
        ("2026-05-03 16:00:00", True),  # on again from 16:00
    ],
)
def test_rule_is_evaluated_as_of_call_start(at, selected):
    decision = select_call(call(at), rules_from_json([RULE_T1]))
    assert decision.selected is selected
    assert decision.rule_id == ("t1" if selected else None)


def test_reasons_name_why_a_call_is_not_selected():
    rules = rules_from_json([RULE_T1])
    assert select_call(call(), []).reason == REASON_NO_RULES
    assert select_call(call("2026-05-03 15:00:00"), rules).reason == "rule t1 disabled at call time"
    assert select_call(call(campaign_id=99), rules).reason == REASON_NO_MATCH
    assert select_call(call(site_is_active=False), rules).reason == REASON_SITE_INACTIVE


def test_every_set_filter_must_match_and_null_does_not_restrict():
    rule = {**RULE_T1, "employee_ids": [5, 6], "employee_group_ids": [7], "site_ids": [1]}
    rules = rules_from_json([rule])
    assert select_call(call(), rules).selected
    assert not select_call(call(employee_ids=(8,)), rules).selected
    assert not select_call(call(employee_group_ids=()), rules).selected
    assert not select_call(call(site_id=2), rules).selected
    assert not select_call(call(virtual_phone_number="74950000000"), rules).selected
    assert not select_call(call(virtual_phone_number=None), rules).selected
    open_rule = {"id": "all", "history": [{"from": "2026-01-01 00:00:00", "enabled": True}]}
    assert select_call(call(campaign_id=None, site_id=None), rules_from_json([open_rule])).selected


def test_first_matching_enabled_rule_wins():
    broad = {"id": "broad", "history": [{"from": "2026-01-01 00:00:00", "enabled": True}]}
    rules = rules_from_json([RULE_T1, broad])
    assert select_call(call(), rules).rule_id == "t1"
    assert select_call(call("2026-05-03 15:00:00"), rules).rule_id == "broad"


def test_phone_numbers_match_in_any_notation():
    assert normalize_phone("+7 (495) 123-45-67") == normalize_phone("84951234567") == "74951234567"
    rules = rules_from_json([RULE_T1])
    assert select_call(call(virtual_phone_number="8 (495) 123-45-67"), rules).selected


def test_backfill_ignores_off_windows_but_keeps_filters():
    rule = rules_from_json([RULE_T1])[0]
    assert select_for_backfill(call("2026-05-03 15:00:00"), rule)
    assert select_for_backfill(call("2026-04-20 10:00:00"), rule)  # before it existed
    assert not select_for_backfill(call("2026-05-03 15:00:00", campaign_id=1), rule)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r.pop("id"), "id"),
        (lambda r: r.update(history=[]), "history"),
        (lambda r: r["history"][1].update({"from": "3 May"}), "history[1].from"),
        (lambda r: r["history"][2].update({"enabled": "yes"}), "history[2].enabled"),
        (lambda r: r["history"][2].update({"from": "2026-05-02 00:00:00"}), "history[2].from"),
        (lambda r: r.update(campaign_ids="12"), "campaign_ids"),
        (lambda r: r.update(employee_ids=["x"]), "employee_ids"),
    ],
)
def test_bad_rules_name_the_field(mutate, field):
    import copy

    rule = copy.deepcopy(RULE_T1)
    mutate(rule)
    with pytest.raises(RuleFormatError) as caught:
        rules_from_json(
            [{"id": "ok", "history": [{"from": "2026-01-01 00:00:00", "enabled": True}]}, rule]
        )
    assert caught.value.index == 1
    assert caught.value.field == field


def test_rules_round_trip_through_the_versioned_store(config_url):
    store = ConfigStore(config_url)
    with store.session() as session:
        import_rule(session, RULE_T1, actor="analyst")
    with store.session() as session:
        stored = load_rules(session)
        history = rule_store.rule_history(session, "transcription", "t1")
    assert [v.payload["enabled"] for v in history] == [True, False, True]
    expected = rules_from_json([RULE_T1])[0]
    assert [(s.valid_from, s.valid_to, s.enabled, s.filters) for s in stored[0].versions] == [
        (s.valid_from, s.valid_to, s.enabled, s.filters) for s in expected.versions
    ]
    for at, expected in (("2026-05-03 13:00:00", True), ("2026-05-03 15:00:00", False),
                         ("2026-05-03 17:00:00", True)):  # fmt: skip
        assert select_call(call(at), stored).selected is expected
    with store.session() as session:
        set_rule_enabled(session, "t1", False, actor="analyst", at=dt.datetime(2026, 5, 4, 9, 0))
    with store.session() as session:
        stored = load_rules(session)
    assert select_call(call("2026-05-03 17:00:00"), stored).selected  # the past keeps its state
    assert not select_call(call("2026-05-04 10:00:00"), stored).selected
    store.dispose()


def test_channel_layouts_are_stored_audited_and_resolved(config_url):
    store = ConfigStore(config_url)
    with store.session() as session:
        set_layout(session, 10, "right", actor="admin")
        set_layout(session, 10, "left", actor="admin", virtual_phone_number="+7 495 111-22-33")
        set_layout(session, 10, "left", actor="lead")  # a change, not a second row
    with store.session() as session:
        layouts = load_layouts(session)
        entries = audit.history(session, "speech_channel_layout", "10:*")
    assert layouts.client_channel(10, "74950000000") == 0
    assert layouts.client_channel(10, "74951112233") == 0
    assert layouts.client_channel(11, None) == 0
    assert [(e.actor, e.before, e.after) for e in entries] == [
        ("admin", None, {"client_channel": "right"}),
        ("lead", {"client_channel": "right"}, {"client_channel": "left"}),
    ]
    with (
        pytest.raises(ValueError, match="client channel must be one of"),
        store.session() as session,
    ):
        set_layout(session, 10, "middle", actor="admin")
    store.dispose()

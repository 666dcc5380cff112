"""Condition groups, include/exclude, the cabinet's two examples and activity schedules."""

import datetime as dt

from data.notifications.conditions import groups_hold, in_schedule, rule_matches

CALL = {
    "communication_type": "call",
    "contact_phone_number": "79161234567",
    "virtual_phone_number": "74951112233",
    "site_id": 101,
    "campaign_id": 2001,
    "tags": ["Целевой"],
    "employee_ids": [17],
    "employee_group_ids": [7],
    "duration": 95,
    "talk_duration": 80,
    "direction": "in",
}
MONDAY_NOON = dt.datetime(2026, 5, 4, 12, 0)


def cond(field, operator, *values, exclude=False):
    return {"field": field, "operator": operator, "values": list(values), "exclude": exclude}


def test_example_1_calls_from_one_number():
    rule = {"condition_groups": [[cond("contact_phone_number", "equals", "+7 916 123-45-67")]]}
    assert rule_matches(rule, CALL, MONDAY_NOON)
    other = {**CALL, "contact_phone_number": "79031234567"}
    assert not rule_matches(rule, other, MONDAY_NOON)


def test_example_2_calls_to_one_virtual_number():
    rule = {"condition_groups": [[cond("virtual_phone_number", "equals", "74951112233")]]}
    assert rule_matches(rule, CALL, MONDAY_NOON)
    assert not rule_matches(rule, {**CALL, "virtual_phone_number": "74950000000"}, MONDAY_NOON)


def test_all_in_a_group_any_group_and_exclude():
    moscow_long = [
        cond("contact_phone_number", "starts_with", "7916"),
        cond("duration", "at_least", 60),
    ]
    not_target = [cond("tag", "equals", "целевой", exclude=True)]
    groups = [moscow_long, not_target]
    assert groups_hold(groups, CALL)  # the first group holds
    short = {**CALL, "duration": 30}
    assert not groups_hold(groups, short)  # first fails on duration; second: tag present
    untagged_short = {**short, "tags": ["Спам"]}
    assert groups_hold(groups, untagged_short)  # second group: the excluded tag is absent


def test_every_field_matches_its_own_value():
    pairs = [
        cond("site_id", "equals", 101),
        cond("campaign_id", "equals", 2001, 3000),
        cond("tag", "equals", "ЦЕЛЕВОЙ"),
        cond("employee_id", "equals", 17),
        cond("employee_group_id", "equals", 7),
        cond("talk_duration", "at_most", 80),
        cond("direction", "equals", "in"),
        cond("communication_type", "equals", "call"),
        cond("virtual_phone_number", "starts_with", "7495"),
    ]
    for condition in pairs:
        assert groups_hold([[condition]], CALL), condition
        assert not groups_hold([[{**condition, "exclude": True}]], CALL), condition
    assert not groups_hold([[cond("employee_group_id", "equals", 8)]], CALL)


def test_schedule_in_the_accounts_wall_clock_with_a_night_window():
    working = [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}]
    assert in_schedule(working, MONDAY_NOON)
    assert not in_schedule(working, dt.datetime(2026, 5, 9, 12, 0))  # Saturday
    assert not in_schedule(working, dt.datetime(2026, 5, 4, 18, 0))
    night = [{"days": [5], "start": "22:00", "end": "06:00"}]
    assert in_schedule(night, dt.datetime(2026, 5, 8, 23, 0))  # Friday night
    assert in_schedule(night, dt.datetime(2026, 5, 9, 5, 59))  # …into Saturday morning
    assert not in_schedule(night, dt.datetime(2026, 5, 9, 23, 0))
    assert in_schedule(None, MONDAY_NOON)


def test_site_campaign_and_tag_filters():
    assert rule_matches({"site_ids": [101], "tags": ["целевой"]}, CALL, MONDAY_NOON)
    assert not rule_matches({"campaign_ids": [9]}, CALL, MONDAY_NOON)
    assert not rule_matches({"enabled": False}, CALL, MONDAY_NOON)

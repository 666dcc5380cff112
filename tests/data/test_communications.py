import datetime as dt
import json

import pandas as pd

from data.communications import build_communications
from data.warehouse import Warehouse
from tests.rows import call_row

SITES = pd.DataFrame(
    [
        {
            "id": 1,
            "account_id": 7,
            "is_active": True,
            "target_call_min_duration": 30,
            "second_communication_period": 7,
        }
    ]
)


def _call(id_, when, talk, visitor, lost=False):
    return call_row(id_, when, talk, visitor=visitor, lost=lost)


def _write_calls(wh, calls):
    frame = pd.DataFrame(calls)
    for day, part in frame.groupby(frame["start_time"].dt.date):
        wh.write_partition("calls", day, part.reset_index(drop=True))


def _day(wh, day):
    return (
        build_communications(wh, dt.date.fromisoformat(day), SITES)
        .to_pandas()
        .set_index("communication_id")
    )


def test_call_attributes_follow_the_site_settings(tmp_path):
    wh = Warehouse(tmp_path)
    _write_calls(
        wh,
        [
            _call(1, "2026-05-01 10:00", 100, visitor=1),  # first, target
            _call(2, "2026-05-03 10:00", 20, visitor=1),  # shorter than 30 s: off-target
            _call(3, "2026-05-05 10:00", 60, visitor=1),  # target again within 7 days: repeat
            _call(4, "2026-05-20 10:00", 60, visitor=1),  # beyond the period: not repeat
            _call(5, "2026-05-20 11:00", 0, visitor=2, lost=True),  # lost, someone else's first
        ],
    )
    c = _day(wh, "2026-05-01")
    assert c.loc["call:1", ["is_primary", "is_target", "is_repeat", "is_lost"]].tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert c.loc["call:1", "account_id"] == 7
    c = _day(wh, "2026-05-03")
    assert c.loc["call:2", ["is_primary", "is_target", "is_repeat"]].tolist() == [
        False,
        False,
        False,
    ]
    assert _day(wh, "2026-05-05").loc["call:3", "is_repeat"]
    c = _day(wh, "2026-05-20")
    assert not c.loc["call:4", "is_repeat"]
    assert c.loc["call:5", ["is_lost", "is_target", "is_primary"]].tolist() == [True, False, True]


def test_chats_and_leads_become_dialogues_with_client_and_employee(tmp_path):
    wh = Warehouse(tmp_path)
    messages = [
        {"date_time": "2026-05-01 10:00:10", "source": "visitor", "text": "Нужна ипотека"},
        {"date_time": "2026-05-01 10:00:40", "source": "operator", "text": "Подскажу!"},
    ]
    wh.write_partition(
        "chats",
        "2026-05-01",
        pd.DataFrame(
            [
                {
                    "id": 9,
                    "date_time": pd.Timestamp("2026-05-01 10:00"),
                    "status": "closed",
                    "site_id": 1,
                    "campaign_id": 5,
                    "visitor_id": 3,
                    "employee_id": 1,
                    "duration": 40,
                    "messages": json.dumps(messages, ensure_ascii=False),
                    "channel": "direct",
                    "utm_source": None,
                    "utm_medium": None,
                    "utm_campaign": None,
                }
            ]
        ),
    )
    wh.write_partition(
        "offline_messages",
        "2026-05-01",
        pd.DataFrame(
            [
                {
                    "id": 4,
                    "date_time": pd.Timestamp("2026-05-01 11:00"),
                    "site_id": 1,
                    "campaign_id": 5,
                    "visitor_id": 3,
                    "text": "Перезвоните по ипотеке",
                    "visitor_phone_number": "79160000000",
                    "channel": "direct",
                    "utm_source": None,
                    "utm_medium": None,
                    "utm_campaign": None,
                }
            ]
        ),
    )
    c = _day(wh, "2026-05-01")
    chat_turns = json.loads(c.loc["chat:9", "turns"])
    assert [(t["speaker"], t["text"], t["start"]) for t in chat_turns] == [
        ("client", "Нужна ипотека", 10),
        ("employee", "Подскажу!", 40),
    ]
    assert c.loc["chat:9", ["is_lost", "is_target", "is_primary"]].tolist() == [False, True, True]
    assert json.loads(c.loc["offline_message:4", "turns"]) == [
        {"speaker": "client", "text": "Перезвоните по ипотеке", "start": 0, "end": 0}
    ]
    assert not c.loc["offline_message:4", "is_primary"]  # the same visitor chatted first


def test_a_day_does_not_depend_on_which_days_ran_before(tmp_path):
    wh = Warehouse(tmp_path)
    _write_calls(wh, [_call(1, "2026-05-01 10:00", 100, 1), _call(2, "2026-05-02 10:00", 100, 1)])
    first = _day(wh, "2026-05-02")
    wh.write_partition(
        "communications", "2026-05-01", build_communications(wh, dt.date(2026, 5, 1), SITES)
    )
    pd.testing.assert_frame_equal(first, _day(wh, "2026-05-02"))

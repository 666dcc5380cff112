"""A day's plan from warehouse-shaped frames (lists as arrays, times as timestamps)."""

import numpy as np
import pandas as pd

from speech.channels import ChannelLayouts
from speech.plan import plan_day, records_by_call, summarize, transcripts_frame
from speech.rules import rules_from_json

RULE = {"id": "t1", "site_ids": [1], "history": [{"from": "2026-05-01 00:00:00", "enabled": True}]}


def communications():
    return pd.DataFrame(
        {
            "communication_id": ["call:1", "call:2", "call:3", "chat:9"],
            "communication_type": ["call", "call", "call", "chat"],
            "id": [1, 2, 3, 9],
            "account_id": [10, 10, 10, 10],
            "site_id": [1, 2, 1, 1],
            "campaign_id": [None, None, None, None],
            "date_time": pd.to_datetime(["2026-05-03 10:00:00"] * 4),
            "duration": [120, 60, 30, 0],
            "virtual_phone_number": ["74951112233", "74951112233", None, None],
            "employee_ids": [np.array([5]), np.array([], dtype=int), np.array([5]), np.array([5])],
            "employee_group_ids": [np.array([], dtype=int)] * 4,
            "site_is_active": [True, True, True, True],
            "call_records": [
                np.array(["r1", "r1b"]),
                np.array(["r2"]),
                np.array([], dtype=str),
                None,
            ],
        }
    )


def test_plan_selects_builds_jobs_and_explains_the_rest():
    frame = communications()
    layouts = ChannelLayouts.from_entries([(10, "74951112233", "right")])
    plan = plan_day(frame, rules_from_json([RULE]), layouts, "/recordings", records_by_call(frame))
    assert [(j.call_id, j.record_ids, j.client_channel, j.rule_id) for j in plan.jobs] == [
        (1, ("r1", "r1b"), 1, "t1")
    ]
    reasons = {r["call_id"]: r["reason"] for r in plan.rows}
    assert reasons == {2: "no rule matches", 3: "no recording"}  # the chat is not a call
    assert plan.selected_seconds == 120
    assert plan.calls == 3


def test_summary_counts_and_no_rules_note():
    frame = communications()
    plan = plan_day(frame, [], ChannelLayouts(), "/recordings", records_by_call(frame))
    table = transcripts_frame(plan.rows)
    assert list(table["call_id"]) == [1, 2, 3]
    summary = summarize(table, rules_configured=False)
    assert summary["not_selected"] == 3
    assert summary["selected"] == 0
    assert summary["not_selected_reasons"] == {"no transcription rule": 3}
    assert "no transcription rules configured" in summary["note"]

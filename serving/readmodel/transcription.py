"""The cost preview of transcription rules: which calls of a period they select, and the
audio minutes and price of those calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from data.warehouse import Warehouse
from serving.access.rights import EffectiveRights
from serving.readmodel.engine import connect, files_of
from speech.plan import call_facts
from speech.rules import TranscriptionRule, select_call

CALL_COLUMNS = (
    "id",
    "date_time AS start_time",
    "virtual_phone_number",
    "site_id",
    "campaign_id",
    "employee_ids",
    "employee_group_ids",
    "account_id",
    "site_is_active",
    "duration",
)


def preview(
    warehouse: Warehouse,
    rights: EffectiveRights,
    rules: Sequence[TranscriptionRule],
    date_from: dt.datetime,
    date_till: dt.datetime,
) -> tuple[int, int, float]:
    """(calls in the period the caller may see, calls selected, audio minutes selected)."""
    files = files_of(warehouse, "communications", date_from.date(), date_till.date())
    if not files:
        return 0, 0, 0.0
    sql = (
        f"SELECT {', '.join(CALL_COLUMNS)} FROM {warehouse.scan('communications', files)} "
        f"WHERE communication_type = 'call' AND date_time BETWEEN ? AND ? "
        f"AND {rights.visibility_sql(account_column='account_id')}"
    )
    with connect() as con:
        result = con.execute(sql, [date_from, date_till])
        names = [d[0] for d in result.description]
        calls = selected = 0
        seconds = 0.0
        while chunk := result.fetchmany(10_000):
            for values in chunk:
                row = dict(zip(names, values, strict=True))
                calls += 1
                if select_call(call_facts(row), rules).selected:
                    selected += 1
                    seconds += float(row["duration"] or 0)
    return calls, selected, seconds / 60.0

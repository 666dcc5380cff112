"""Checks the incoming-call log row by row: every row is either accepted, with its caller
normalised, or rejected with the reasons it failed. Nothing is dropped silently."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from antispam.phones import UNPARSEABLE, normalize_numbers
from data.contracts.tables import INCOMING_CALLS
from data.errors import InputError

REQUIRED_COLUMNS = tuple(INCOMING_CALLS.names)
QUARANTINE_COLUMNS = ["source_table", "source_file", "line", "reason", "payload"]


@dataclass
class CheckedCalls:
    """Accepted rows (with an int64 ``caller``) and the rejected ones with their reasons."""

    accepted: pa.Table
    rejected: pd.DataFrame  # line (1-based row in the source), field, reason, payload

    @property
    def rows_in(self) -> int:
        return self.accepted.num_rows + len(self.rejected)

    def quarantine_rows(self, source_table: str, source_file: str) -> pd.DataFrame:
        frame = self.rejected.assign(source_table=source_table, source_file=source_file)
        frame["reason"] = frame["field"] + ": " + frame["reason"]
        return frame[QUARANTINE_COLUMNS].reset_index(drop=True)


def require_columns(table: pa.Table, source: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(source, None, missing[0], "required column is missing")


def check_calls(table: pa.Table, *, not_after: dt.datetime, source: str = "") -> CheckedCalls:
    """Accepts rows with a parseable caller, both durations and ``start_time <= not_after``.

    ``not_after`` is the end of the log's day (or the moment of the run): a call stamped later
    than that cannot have happened yet.
    """
    require_columns(table, source)
    table = table.select(list(REQUIRED_COLUMNS))
    try:
        table = table.cast(_typed_schema(table.schema))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise InputError(source, None, None, f"columns have unexpected types: {error}") from None
    caller = normalize_numbers(table["contact_phone_number"])
    start = table["start_time"]
    checks = [
        ("contact_phone_number", caller == UNPARSEABLE, "not a phone number"),
        ("start_time", _null(start), "missing"),
        (
            "start_time",
            _after(start, not_after),
            f"in the future (after {not_after:%Y-%m-%d %H:%M:%S})",
        ),
        ("talk_duration", _null(table["talk_duration"]), "missing"),
        ("total_duration", _null(table["total_duration"]), "missing"),
        ("talk_duration", _negative(table["talk_duration"]), "negative"),
        ("total_duration", _negative(table["total_duration"]), "negative"),
        ("account_id", _null(table["account_id"]), "missing"),
        ("virtual_phone_number", _null(table["virtual_phone_number"]), "missing"),
        ("is_lost", _null(table["is_lost"]), "missing"),
    ]
    bad = np.zeros(table.num_rows, dtype=bool)
    first_field = np.full(table.num_rows, None, dtype=object)
    first_reason = np.full(table.num_rows, None, dtype=object)
    for field, failing, reason in checks:
        new = failing & ~bad
        first_field[new] = field
        first_reason[new] = reason
        bad |= failing
    accepted = table.filter(pa.array(~bad)).append_column(
        "caller", pa.array(caller[~bad], pa.int64())
    )
    return CheckedCalls(accepted, _rejected_rows(table, bad, first_field, first_reason))


def _typed_schema(schema: pa.Schema) -> pa.Schema:
    typed = INCOMING_CALLS.arrow_schema()
    return pa.schema([typed.field(name) for name in schema.names])


def _null(column) -> np.ndarray:
    return pc.is_null(column).to_numpy(zero_copy_only=False)


def _negative(column) -> np.ndarray:
    return pc.fill_null(pc.less(column, 0), False).to_numpy(zero_copy_only=False)


def _after(column, moment: dt.datetime) -> np.ndarray:
    limit = pa.scalar(moment, pa.timestamp("us"))
    return pc.fill_null(pc.greater(column, limit), False).to_numpy(zero_copy_only=False)


def _rejected_rows(table: pa.Table, bad: np.ndarray, field, reason) -> pd.DataFrame:
    index = np.flatnonzero(bad)
    if not len(index):
        return pd.DataFrame(
            {
                "line": pd.Series(dtype=np.int64),
                **{c: pd.Series(dtype=object) for c in ("field", "reason", "payload")},
            }
        )
    rows = table.take(pa.array(index)).to_pylist()
    payload = [json.dumps(r, ensure_ascii=False, default=str) for r in rows]
    detail = [
        f"{why}: {row.get(f)!r}" if why == "not a phone number" else why
        for row, f, why in zip(rows, field[index], reason[index], strict=True)
    ]
    return pd.DataFrame(
        {"line": index + 1, "field": field[index], "reason": detail, "payload": payload}
    )

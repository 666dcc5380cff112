"""The daily per-caller rollup: one row per caller and day with everything the window needs.

Every column merges across days by sum, max or bitwise OR, so a 6-month window is an
aggregation over ~183 x active callers rollup rows instead of a re-read of the raw calls.
"""

from __future__ import annotations

import itertools

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from antispam import sketch

ROLLUP_TABLE = "spam_rollup_daily"
NIGHT_HOURS = (22, 8)  # [22:00, 08:00) local time
DURATION_EDGES = (5, 10, 20, 40, 80, 160, 320)  # seconds; bins [0,5), [5,10), ..., [320, inf)
DURATION_BINS = [f"dur_{i}" for i in range(len(DURATION_EDGES) + 1)]
ACCOUNT_WORDS = [f"acc_bits_{w}" for w in range(sketch.WORDS)]
VIRTUAL_WORDS = [f"vn_bits_{w}" for w in range(sketch.WORDS)]


def _sketch_inputs(calls: pa.Table) -> pa.Table:
    accounts = sketch.word_columns(sketch.bit_positions(calls["account_id"].to_numpy()))
    virtual = sketch.word_columns(sketch.bit_positions(_as_keys(calls["virtual_phone_number"])))
    for w in range(sketch.WORDS):
        calls = calls.append_column(ACCOUNT_WORDS[w], pa.array(accounts[str(w)], pa.uint64()))
        calls = calls.append_column(VIRTUAL_WORDS[w], pa.array(virtual[str(w)], pa.uint64()))
    return calls


def _as_keys(numbers: pa.ChunkedArray) -> np.ndarray:
    """Virtual numbers are digit strings: hashing them as integers is ten times cheaper."""
    try:
        return pc.cast(numbers, pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return numbers.to_numpy(zero_copy_only=False)


def daily_rollup(
    calls: pa.Table, con: duckdb.DuckDBPyConnection | None = None, *, by_date: bool = False
) -> pa.Table:
    """Per-caller aggregates of one day's accepted calls (see ``validate.check_calls``).

    With ``by_date`` the calls may span many days: rows are per (date, caller), with ``date``
    the local date of ``start_time``.
    """
    if con is None:
        con = duckdb.connect()
        # A day is small: one thread avoids paying for coordination it cannot amortise.
        con.execute(f"SET threads = {1 if calls.num_rows < 1_000_000 else 2}")
    if by_date:
        calls = calls.append_column("date", pc.cast(calls["start_time"], pa.date32()))
    key = "date, caller" if by_date else "caller"
    con.register("_day_calls", _sketch_inputs(calls))
    try:
        return con.execute(_rollup_sql(key)).to_arrow_table()
    finally:
        con.unregister("_day_calls")


def _rollup_sql(key: str) -> str:
    # Calls are first folded per caller and hour (a few rows per caller), then per caller; the
    # gaps and the exact distinct counts need the single calls and are joined at the end.
    night_from, night_to = NIGHT_HOURS
    bins = ", ".join(
        f"count(*) FILTER (WHERE {cond}) AS {name}"
        for cond, name in zip(_bin_conditions(), DURATION_BINS, strict=True)
    )
    bin_sums = ", ".join(f"sum({name})::INTEGER AS {name}" for name in DURATION_BINS)
    words = ", ".join(f"bit_or({c}) AS {c}" for c in ACCOUNT_WORDS + VIRTUAL_WORDS)
    return f"""
    WITH hourly AS (
        SELECT {key}, hour(start_time) AS h, count(*) AS n,
            count(*) FILTER (WHERE NOT is_lost) AS answered,
            count(*) FILTER (WHERE total_duration < 10) AS short_calls,
            sum(total_duration) AS sum_duration,
            {bins}, {words}
        FROM _day_calls GROUP BY {key}, h),
    per_caller AS (
        SELECT {key},
            sum(n)::INTEGER AS calls,
            sum(answered)::INTEGER AS answered,
            sum(short_calls)::INTEGER AS short_calls,
            coalesce(sum(n) FILTER (WHERE h >= {night_from} OR h < {night_to}), 0)::INTEGER
                AS night_calls,
            max(n)::INTEGER AS max_hour_calls,
            count(*)::INTEGER AS active_hours,
            sum(sum_duration)::BIGINT AS sum_duration,
            {bin_sums}, {words}
        FROM hourly GROUP BY {key}),
    gaps AS (
        SELECT {key}, epoch(start_time) - epoch(lag(start_time) OVER (
            PARTITION BY {key} ORDER BY start_time)) AS gap
        FROM _day_calls),
    regularity AS (
        SELECT {key}, count(gap)::INTEGER AS n_gaps,
            CASE WHEN count(gap) >= 3 AND avg(gap) > 0 THEN stddev_pop(gap) / avg(gap) END AS cv
        FROM gaps GROUP BY {key}),
    distincts AS (
        SELECT {key}, count(DISTINCT account_id)::INTEGER AS accounts_day,
            count(DISTINCT virtual_phone_number)::INTEGER AS virtual_numbers_day
        FROM _day_calls GROUP BY {key})
    SELECT {key}, calls, answered, short_calls, night_calls, max_hour_calls, active_hours,
        n_gaps, coalesce(cv, 0)::DOUBLE AS gap_cv_sum, (cv IS NOT NULL)::INTEGER AS gap_cv_days,
        sum_duration, accounts_day, virtual_numbers_day,
        {", ".join(DURATION_BINS)}, {", ".join(ACCOUNT_WORDS + VIRTUAL_WORDS)}
    FROM per_caller JOIN regularity USING ({key}) JOIN distincts USING ({key})
    ORDER BY {key}
    """


def _bin_conditions() -> list[str]:
    edges = (0, *DURATION_EDGES)
    conditions = [
        f"total_duration >= {lo} AND total_duration < {hi}" for lo, hi in itertools.pairwise(edges)
    ]
    return [*conditions, f"total_duration >= {DURATION_EDGES[-1]}"]


def empty_rollup() -> pa.Table:
    """The rollup's schema with no rows (a day with no calls still gets its partition)."""
    fields = [("caller", pa.int64())]
    fields += [
        (name, pa.int32())
        for name in (
            "calls",
            "answered",
            "short_calls",
            "night_calls",
            "max_hour_calls",
            "active_hours",
            "n_gaps",
        )
    ]
    fields += [("gap_cv_sum", pa.float64()), ("gap_cv_days", pa.int32())]
    fields += [("sum_duration", pa.int64())]
    fields += [("accounts_day", pa.int32()), ("virtual_numbers_day", pa.int32())]
    fields += [(name, pa.int32()) for name in DURATION_BINS]
    fields += [(name, pa.uint64()) for name in ACCOUNT_WORDS + VIRTUAL_WORDS]
    return pa.table({n: pa.array(np.empty(0), t) for n, t in fields})

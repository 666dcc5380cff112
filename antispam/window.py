"""Caller features over the window ending on the scoring date, summed from daily rollups.

The window is the ``window_days`` days ending on (and including) ``as_of``. A caller is scored
when it made at least ``min_calls`` calls that reached at least ``min_accounts`` accounts: with
fewer it cannot fit the spam criteria (mass calls to different clients), so it is reported as
not spam without being scored (see docs/antispam.md). The accounts gate counts set bits of the
sketch, which can only under-count by a collision (about 4 % at 5 accounts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from antispam import sketch
from antispam.rollup import ACCOUNT_WORDS, DURATION_BINS, DURATION_EDGES, VIRTUAL_WORDS

DEFAULT_WINDOW_DAYS = 183
DEFAULT_MIN_CALLS = 5
DEFAULT_MIN_ACCOUNTS = 5

FEATURES = [
    "calls",
    "distinct_accounts",
    "distinct_virtual_numbers",
    "accounts_per_call",
    "median_duration",
    "short_share",
    "answered_share",
    "max_hour_calls",
    "burst_hour_ratio",
    "burst_day_ratio",
    "gap_cv",
    "night_share",
    "lifetime_days",
    "active_days",
    "calls_per_active_day",
    "one_ring_share",
    "repeat_day_share",
]
_UPPER_EDGE = 2 * DURATION_EDGES[-1]
# The daily gap CVs are summed as integers in units of 1e-9: an integer sum is the same in any
# order, so days, months and threads merge to exactly the same window.
GAP_CV_SCALE = 1_000_000_000


MAX_WINDOW_DAYS = 3660  # ten years: beyond any log the platform keeps


def window_bounds(as_of: dt.date, window_days: int) -> tuple[dt.date, dt.date]:
    """First and last day of the window; ValueError (one line) for a window that cannot be."""
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"window_days must be between 1 and {MAX_WINDOW_DAYS}, got {window_days}")
    try:
        return as_of - dt.timedelta(days=window_days - 1), as_of
    except OverflowError:
        raise ValueError(
            f"a window of {window_days} days ending on {as_of} would start before year 1"
        ) from None


def _account_bits_sql() -> str:
    return " + ".join(f"bit_count(bit_or({c}))::INTEGER" for c in ACCOUNT_WORDS)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def complete_months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the calendar months lying wholly inside [start, end]."""
    month = start if start.day == 1 else next_month(start)
    months = []
    while next_month(month) - dt.timedelta(days=1) <= end:
        months.append(month)
        month = next_month(month)
    return months


def daily_ranges(
    start: dt.date, end: dt.date, months: Sequence[dt.date]
) -> list[tuple[dt.date, dt.date]]:
    """The parts of [start, end] not covered by ``months`` (calendar months inside it)."""
    ranges, cursor = [], start
    for month in sorted(months):
        last = next_month(month) - dt.timedelta(days=1)
        if month.day != 1 or month < cursor or last > end:
            raise ValueError(f"months {list(months)} are not distinct months inside {start}..{end}")
        if cursor < month:
            ranges.append((cursor, month - dt.timedelta(days=1)))
        cursor = last + dt.timedelta(days=1)
    if cursor <= end:
        ranges.append((cursor, end))
    return ranges


# Every tier row (a caller's day or a caller's month) in one shape, merged by the same sums,
# maxima and ORs: a day is a month of one active day.
_SUMMED = (
    "calls",
    "answered",
    "short_calls",
    "night_calls",
    "active_hours",
    "n_gaps",
    "sum_duration",
    *DURATION_BINS,
    "gap_cv_units",
    "gap_cv_days",
    "active_days",
    "account_days",
)
_MAXED = ("max_hour_calls", "max_day_calls", "max_accounts_day", "max_virtual_day")


def daily_rows_sql(source: str, ranges: Sequence[tuple[dt.date, dt.date]]) -> str:
    where = " OR ".join(f"date BETWEEN DATE '{lo}' AND DATE '{hi}'" for lo, hi in ranges)
    return f"""
    SELECT caller, calls, answered, short_calls, night_calls, active_hours, n_gaps,
        sum_duration, {", ".join(DURATION_BINS)},
        round(gap_cv_sum * {GAP_CV_SCALE})::BIGINT AS gap_cv_units, gap_cv_days,
        1 AS active_days, accounts_day AS account_days, max_hour_calls, calls AS max_day_calls,
        accounts_day AS max_accounts_day, virtual_numbers_day AS max_virtual_day,
        date AS first_day, date AS last_day, {", ".join(ACCOUNT_WORDS + VIRTUAL_WORDS)}
    FROM {source} WHERE {where or "false"}
    """


def _tier_rows_sql(
    source: str,
    start: dt.date,
    end: dt.date,
    monthly: str | None = None,
    months: Sequence[dt.date] = (),
) -> str:
    """The window's rows: daily rollups outside ``months`` plus the monthly rollups of
    ``months`` (read from ``monthly``, a table expression with ``date`` = the month's first day).
    """
    daily = daily_rows_sql(source, daily_ranges(start, end, months))
    if not months:
        return daily
    listed = ", ".join(f"DATE '{m}'" for m in months)
    return f"""{daily}
    UNION ALL BY NAME
    SELECT * EXCLUDE (date) FROM {monthly} WHERE date IN ({listed})
    """


def merge_sql(rows: str) -> str:
    """Per caller, the merge of tier rows (``rows`` is a query in the shape above)."""
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in _SUMMED)
    maxima = ", ".join(f"max({c})::INTEGER AS {c}" for c in _MAXED)
    words = ", ".join(f"bit_or({c}) AS {c}" for c in ACCOUNT_WORDS + VIRTUAL_WORDS)
    return f"""
    SELECT caller, {sums}, {maxima},
        min(first_day) AS first_day, max(last_day) AS last_day, {words}
    FROM ({rows}) GROUP BY caller
    """


def _eligible_sql(rows: str, min_calls: int, min_accounts: int) -> str:
    # Only the calls and the account bits: a narrow pass that finds the few callers to score.
    return f"""
    SELECT caller FROM ({rows})
    GROUP BY caller
    HAVING sum(calls) >= {int(min_calls)}
       AND greatest({_account_bits_sql()}, max(max_accounts_day)) >= {int(min_accounts)}
    """


def window_features(
    con: duckdb.DuckDBPyConnection,
    source: str,
    as_of: dt.date,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_calls: int = DEFAULT_MIN_CALLS,
    min_accounts: int = DEFAULT_MIN_ACCOUNTS,
    *,
    monthly: str | None = None,
    months: Sequence[dt.date] = (),
) -> pd.DataFrame:
    """One row per scorable caller (see the module note): ``caller`` plus ``FEATURES``.

    ``source`` is a DuckDB table expression over daily rollup rows with a ``date`` column. With
    ``monthly`` (monthly rollups, see ``tiers``) the complete ``months`` inside the window are
    read from it instead of from their days; the features are the same.
    """
    start, end = window_bounds(as_of, window_days)
    rows = _tier_rows_sql(source, start, end, monthly, months)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _eligible AS " + _eligible_sql(rows, min_calls, min_accounts)
    )
    try:
        sums = con.execute(
            merge_sql(f"SELECT * FROM ({rows}) SEMI JOIN _eligible USING (caller)")
        ).df()
    finally:
        con.execute("DROP TABLE IF EXISTS _eligible")
    return derive_features(sums.sort_values("caller", ignore_index=True))


def callers_seen(
    con: duckdb.DuckDBPyConnection,
    source: str,
    as_of: dt.date,
    window_days: int = DEFAULT_WINDOW_DAYS,
    *,
    monthly: str | None = None,
    months: Sequence[dt.date] = (),
) -> int:
    """About how many callers the window holds, scored or not (HyperLogLog: one cheap pass)."""
    start, end = window_bounds(as_of, window_days)
    rows = _tier_rows_sql(source, start, end, monthly, months)
    return int(con.execute(f"SELECT approx_count_distinct(caller) FROM ({rows})").fetchone()[0])  # type: ignore[index]  # an aggregate returns one row


def caller_counts(
    con: duckdb.DuckDBPyConnection, source: str, as_of: dt.date, window_days: int
) -> duckdb.DuckDBPyRelation:
    """Every caller seen in the window with its calls and accounts reached (a lazy relation)."""
    start, end = window_bounds(as_of, window_days)
    return con.sql(
        f"SELECT caller, sum(calls)::BIGINT AS calls, "
        f"greatest({_account_bits_sql()}, max(accounts_day)) AS accounts FROM {source} "
        f"WHERE date BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY caller ORDER BY caller"
    )


def derive_features(sums: pd.DataFrame) -> pd.DataFrame:
    """Ratios, the duration median, sketch estimates and regularity from the window sums."""
    calls = sums["calls"].to_numpy(dtype=np.float64)
    out = pd.DataFrame({"caller": sums["caller"].to_numpy(dtype=np.int64), "calls": calls})
    accounts = sketch.estimate(sums[ACCOUNT_WORDS].to_numpy(dtype=np.uint64))
    virtual = sketch.estimate(sums[VIRTUAL_WORDS].to_numpy(dtype=np.uint64))
    out["distinct_accounts"] = np.maximum(accounts, sums["max_accounts_day"].to_numpy())
    out["distinct_virtual_numbers"] = np.maximum(virtual, sums["max_virtual_day"].to_numpy())
    out["accounts_per_call"] = np.minimum(1.0, out["distinct_accounts"] / calls)
    out["median_duration"] = _histogram_median(sums[DURATION_BINS].to_numpy(dtype=np.float64))
    out["short_share"] = sums["short_calls"].to_numpy() / calls
    out["answered_share"] = sums["answered"].to_numpy() / calls
    out["max_hour_calls"] = sums["max_hour_calls"].to_numpy(dtype=np.float64)
    active_hours = sums["active_hours"].to_numpy(dtype=np.float64)
    active_days = sums["active_days"].to_numpy(dtype=np.float64)
    out["burst_hour_ratio"] = out["max_hour_calls"] / (calls / active_hours)
    out["burst_day_ratio"] = sums["max_day_calls"].to_numpy() / (calls / active_days)
    out["gap_cv"] = _gap_cv(sums)
    out["night_share"] = sums["night_calls"].to_numpy() / calls
    first = pd.to_datetime(sums["first_day"]).to_numpy()
    last = pd.to_datetime(sums["last_day"]).to_numpy()
    out["lifetime_days"] = ((last - first) / np.timedelta64(1, "D")).astype(np.float64) + 1
    out["active_days"] = active_days
    out["calls_per_active_day"] = calls / active_days
    # Under 5 s in all: a ring or two and gone (wangiri) or an instant hang-up.
    out["one_ring_share"] = sums["dur_0"].to_numpy() / calls
    # The share of (account, day) contacts that went to an account already called on an
    # earlier day: the repeat relationships of couriers and partners against a dialer working
    # down a list. A saturated sketch only knows "at least", so the share is unknown there.
    account_days = np.maximum(sums["account_days"].to_numpy(dtype=np.float64), 1.0)
    distinct = np.minimum(out["distinct_accounts"].to_numpy(), account_days)
    repeat = np.clip(1.0 - distinct / account_days, 0.0, 1.0)
    out["repeat_day_share"] = np.where(accounts >= sketch.SATURATED, np.nan, repeat)
    return out


def _gap_cv(sums: pd.DataFrame) -> np.ndarray:
    """Mean over active days of the coefficient of variation of the gaps between calls.

    An auto-dialer works at a steady pace within a day (small CV) even when its daily volume
    changes; people call in irregular clusters. Days with fewer than three gaps say nothing, so
    a caller without such a day has no value (missing).
    """
    days = sums["gap_cv_days"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = sums["gap_cv_units"].to_numpy(dtype=np.float64) / GAP_CV_SCALE
        return np.where(days > 0, total / days, np.nan)


def _histogram_median(counts: np.ndarray) -> np.ndarray:
    """Median duration from the binned counts, interpolated linearly inside its bin."""
    lower = np.array((0, *DURATION_EDGES), dtype=np.float64)
    upper = np.array((*DURATION_EDGES, _UPPER_EDGE), dtype=np.float64)
    cumulative = np.cumsum(counts, axis=1)
    half = cumulative[:, -1:] / 2.0
    k = np.argmax(cumulative >= half, axis=1)
    rows = np.arange(len(counts))
    before = np.where(k > 0, cumulative[rows, np.maximum(k - 1, 0)], 0.0)
    inside = np.maximum(counts[rows, k], 1.0)
    fraction = np.clip((half[:, 0] - before) / inside, 0.0, 1.0)
    return lower[k] + fraction * (upper[k] - lower[k])

"""The warehouse steps: the daily rollup, the nightly scoring and the policy for a day's calls.
Each step replaces whole partitions, so running a day again gives the same tables."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from antispam import policy, tiers
from antispam.behaviour import fitted_default
from antispam.rollup import ROLLUP_TABLE, daily_rollup, empty_rollup
from antispam.scoring import VERDICT_TABLE, Scorer, score, verdict_table
from antispam.validate import check_calls
from antispam.window import (
    DEFAULT_MIN_CALLS,
    DEFAULT_WINDOW_DAYS,
    callers_seen,
    complete_months,
    daily_ranges,
    window_bounds,
    window_features,
)
from data.ingest.landing import quarantine_table
from data.ingest.validate import QUARANTINE_SCHEMA
from data.warehouse import Warehouse

SOURCE_TABLE = "incoming_calls"
WRITE_ID_KEY = b"callscope.write_id"


def with_write_id(table: pa.Table) -> pa.Table:
    """Stamps a fresh id into the file's footer, so every rewrite of a day changes the
    fingerprint the monthly tier records (``tiers.file_fingerprint``), even with equal rows."""
    metadata = {**(table.schema.metadata or {}), WRITE_ID_KEY: uuid.uuid4().hex.encode()}
    return table.replace_schema_metadata(metadata)


@dataclass
class RollupResult:
    day: dt.date
    rows_in: int
    accepted: int
    quarantined: int
    callers: int
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        return self.rows_in == self.accepted + self.quarantined


def build_rollup(
    warehouse: Warehouse, day: dt.date, now: dt.datetime | None = None
) -> RollupResult:
    """Checks the day's incoming calls, quarantines bad rows and writes the day's rollup."""
    files = warehouse.files(SOURCE_TABLE, day, day)
    table = pq.read_table(files[0]) if files else None
    if table is not None and "date" in table.column_names:
        table = table.drop_columns(["date"])
    end_of_day = dt.datetime.combine(day, dt.time.max)
    not_after = min(end_of_day, now) if now else end_of_day
    if table is None or table.num_rows == 0:
        warehouse.write_partition(ROLLUP_TABLE, day, with_write_id(empty_rollup()))
        warehouse.write_partition(
            quarantine_table(ROLLUP_TABLE), day, QUARANTINE_SCHEMA.empty_table()
        )
        return RollupResult(day, 0, 0, 0, 0)
    checked = check_calls(table, not_after=not_after, source=str(files[0]))
    rollup = daily_rollup(checked.accepted) if checked.accepted.num_rows else empty_rollup()
    warehouse.write_partition(ROLLUP_TABLE, day, with_write_id(rollup))
    quarantine = checked.quarantine_rows(SOURCE_TABLE, str(files[0]))
    warehouse.write_partition(
        quarantine_table(ROLLUP_TABLE),
        day,
        pa.Table.from_pandas(quarantine, schema=QUARANTINE_SCHEMA, preserve_index=False),
    )
    reasons = checked.rejected["field"] + ": " + checked.rejected["reason"].str.split(":").str[0]
    return RollupResult(
        day,
        rows_in=checked.rows_in,
        accepted=checked.accepted.num_rows,
        quarantined=len(checked.rejected),
        callers=rollup.num_rows,
        reasons=reasons.value_counts().to_dict(),
    )


@dataclass
class ScoringResult:
    as_of: dt.date
    window: tuple[dt.date, dt.date]
    rollup_days: int
    rollup_rows: int
    scored: int
    flagged: int
    model_version: str
    verdicts: pd.DataFrame
    monthly_rows: int = 0  # of ``rollup_rows``, those read from the monthly tier
    months: list[dt.date] = field(default_factory=list)
    months_from_days: list[dt.date] = field(default_factory=list)  # closed, tier not ready

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.scored if self.scored else 0.0


def score_window(
    warehouse: Warehouse,
    as_of: dt.date,
    scorer: Scorer | None,
    model_version: str | None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_calls: int = DEFAULT_MIN_CALLS,
    *,
    write: bool = True,
    memory_limit: str = "6GB",
    monthly: bool = True,
    labels: pd.DataFrame | None = None,
) -> ScoringResult:
    """Scores every caller with at least ``min_calls`` calls in the window from the rollups.

    With ``monthly`` the complete months inside the window whose monthly tier is ready (see
    ``antispam.tiers``; built by ``build_months``, never here) are read from it, every other day
    from the daily rollups; the verdicts are the same either way. Without a ``scorer`` (no
    trained model promoted) the label-free behaviour scorer decides, its threshold set from
    the window's callers (``labels``, the accounts' lists and marks, move it: see
    ``BehaviourScorer.fit``).
    """
    start, end = window_bounds(as_of, window_days)
    files = warehouse.files(ROLLUP_TABLE, start, end)
    if not files:
        raise LookupError(f"no {ROLLUP_TABLE} partitions between {start} and {end}")
    closed = complete_months(start, end) if monthly else []
    closed = [m for m in closed if warehouse.files(ROLLUP_TABLE, *tiers.month_days(m))]
    months = tiers.ready_months(warehouse, closed)
    daily = [
        f
        for lo, hi in daily_ranges(start, end, months)
        for f in warehouse.files(ROLLUP_TABLE, lo, hi)
    ]
    monthly_files = [warehouse.partition_path(tiers.MONTHLY_TABLE, m) for m in months]
    daily_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in daily)
    monthly_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in monthly_files)
    days_source = warehouse.scan(ROLLUP_TABLE, daily or files)
    months_source = warehouse.scan(tiers.MONTHLY_TABLE, monthly_files) if months else None
    with duckdb.connect() as con:
        tiers.configure(con, memory_limit)
        features = window_features(
            con, days_source, as_of, window_days, min_calls, monthly=months_source, months=months
        )
        seen = (
            callers_seen(con, days_source, as_of, window_days, monthly=months_source, months=months)
            if scorer is None
            else None
        )
    if scorer is None:
        scorer = fitted_default(features, seen, labels)
        model_version = scorer.version
    if model_version is None:
        raise ValueError("a scorer passed in needs its model version")
    verdicts = score(features, scorer, model_version)
    if write:
        warehouse.write_partition(VERDICT_TABLE, as_of, verdict_table(verdicts))
    return ScoringResult(
        as_of,
        (start, end),
        len(files),
        daily_rows + monthly_rows,
        len(verdicts),
        int(verdicts["is_spam"].sum()),
        model_version,
        verdicts,
        monthly_rows=monthly_rows,
        months=months,
        months_from_days=[m for m in closed if m not in months],
    )


@dataclass
class MonthsResult:
    built: dict[dt.date, str]  # month -> why it was (re)built
    rows_written: int
    ready: list[dt.date]  # closed months of the windows with daily rollups, ready now
    not_ready: list[dt.date]  # the same, still stale (a day rewritten during the build)


def build_months(
    warehouse: Warehouse,
    days: Iterable[dt.date],
    window_days: int = DEFAULT_WINDOW_DAYS,
    memory_limit: str = "6GB",
) -> MonthsResult:
    """Makes the monthly tier ready for the windows ending on ``days``: builds each closed
    month inside them that is missing (the month that ended on the day) or stale (one of its
    days added, removed or run again since)."""
    months = sorted({m for d in days for m in complete_months(*window_bounds(d, window_days))})
    with duckdb.connect() as con:
        tiers.configure(con, memory_limit)
        built = tiers.ensure_months(warehouse, months, con)
    rows = sum(
        pq.ParquetFile(warehouse.partition_path(tiers.MONTHLY_TABLE, m)).metadata.num_rows
        for m in built
    )
    with_days = [m for m in months if warehouse.files(ROLLUP_TABLE, *tiers.month_days(m))]
    ready = tiers.ready_months(warehouse, with_days)
    return MonthsResult(built, rows, ready, [m for m in with_days if m not in ready])


@dataclass
class PolicyResult:
    day: dt.date
    calls: int
    blocked_blacklist: int
    blocked_antispam: int
    tagged: int


def _columns_of(warehouse: Warehouse, day: dt.date) -> set[str]:
    """The columns every file of the day's communications has."""
    schemas = [set(pq.read_schema(f).names) for f in warehouse.files("communications", day, day)]
    return set.intersection(*schemas) if schemas else set()


def apply_policy_day(
    warehouse: Warehouse, policies: dict[int, policy.AccountPolicy], day: dt.date
) -> PolicyResult:
    """Tags and blocks the day's calls (``communications`` of type call)."""
    columns = ["communication_id", "account_id", "contact_phone_number", "date_time"]
    calls = warehouse.read(
        "communications",
        day,
        day,
        columns=columns + [c for c in ("site_is_active",) if c in _columns_of(warehouse, day)],
        where="communication_type = 'call'",
    )
    flagged = policy.verdicts_in_effect(warehouse, day)
    decisions = policy.decide(calls.drop(columns=["date"], errors="ignore"), flagged, policies)
    blocked = policy.blocked_rows(decisions)
    tags = policy.tag_rows(decisions)
    warehouse.write_partition(policy.BLOCKED_TABLE, day, blocked)
    warehouse.write_partition(policy.SPAM_TAGS_TABLE, day, tags)
    return PolicyResult(
        day,
        calls=len(calls),
        blocked_blacklist=blocked["reason"].to_pylist().count(policy.REASON_BLACKLIST),
        blocked_antispam=blocked["reason"].to_pylist().count(policy.REASON_ANTISPAM),
        tagged=tags.num_rows,
    )

"""The monthly tier: a window read from months and edge days equals the window of the days,
and a month is ready only while it matches exactly the daily partitions it was built from."""

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from antispam import nightly, tiers
from antispam.rollup import ROLLUP_TABLE
from antispam.window import complete_months, daily_ranges, window_features
from data.warehouse import Warehouse

MARCH = dt.date(2026, 3, 1)
AS_OF = dt.date(2026, 4, 4)


def test_complete_months_and_the_days_left_around_them():
    start, end = dt.date(2025, 12, 30), dt.date(2026, 6, 30)
    months = complete_months(start, end)
    assert months == [dt.date(2026, m, 1) for m in range(1, 7)]
    assert daily_ranges(start, end, months) == [(dt.date(2025, 12, 30), dt.date(2025, 12, 31))]
    assert complete_months(dt.date(2026, 3, 2), dt.date(2026, 4, 29)) == []
    assert daily_ranges(dt.date(2026, 3, 1), dt.date(2026, 4, 4), [dt.date(2026, 3, 1)]) == [
        (dt.date(2026, 4, 1), dt.date(2026, 4, 4))
    ]
    # A month in the middle that is not ready leaves a gap read from its days.
    assert daily_ranges(start, end, [m for m in months if m.month != 3]) == [
        (dt.date(2025, 12, 30), dt.date(2025, 12, 31)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ]
    with pytest.raises(ValueError, match="not distinct months"):
        daily_ranges(dt.date(2026, 3, 2), dt.date(2026, 4, 4), [dt.date(2026, 3, 1)])


def _features(warehouse: Warehouse, as_of: dt.date, window_days: int, tiered: bool):
    start = as_of - dt.timedelta(days=window_days - 1)
    with duckdb.connect() as con:
        tiers.configure(con, "1GB")
        if tiered:
            tiers.ensure_months(warehouse, complete_months(start, as_of), con)
        months = tiers.ready_months(warehouse, complete_months(start, as_of)) if tiered else []
        monthly = (
            warehouse.scan(
                tiers.MONTHLY_TABLE,
                [warehouse.partition_path(tiers.MONTHLY_TABLE, m) for m in months],
            )
            if months
            else None
        )
        features = window_features(
            con,
            warehouse.scan(ROLLUP_TABLE),
            as_of,
            window_days,
            1,
            1,
            monthly=monthly,
            months=months,
        )
    return features, months


@pytest.fixture
def copy(platform, tmp_path) -> Warehouse:
    """The platform's daily rollups in a warehouse of the test's own."""
    shutil.copytree(platform.warehouse.table_dir(ROLLUP_TABLE), tmp_path / ROLLUP_TABLE)
    return Warehouse(tmp_path)


@pytest.mark.parametrize(
    ("as_of", "window_days"),
    [(AS_OF, 183), (dt.date(2026, 3, 31), 31), (dt.date(2026, 4, 2), 20)],
)
def test_tiered_window_has_exactly_the_features_of_the_daily_window(copy, as_of, window_days):
    daily, _ = _features(copy, as_of, window_days, tiered=False)
    tiered, months = _features(copy, as_of, window_days, tiered=True)
    assert months == ([MARCH] if window_days > 20 else [])
    assert len(daily) > 100
    pd.testing.assert_frame_equal(tiered, daily, check_exact=True)


def _without_busiest_caller(warehouse: Warehouse, day: dt.date) -> None:
    table = pq.read_table(warehouse.partition_path(ROLLUP_TABLE, day))
    busiest = table["caller"][pc.index(table["calls"], pc.max(table["calls"])).as_py()]
    rest = table.filter(pc.not_equal(table["caller"], busiest))
    warehouse.write_partition(ROLLUP_TABLE, day, nightly.with_write_id(rest))


def _same_rows_written_again(warehouse: Warehouse, day: dt.date) -> None:
    table = pq.read_table(warehouse.partition_path(ROLLUP_TABLE, day))
    warehouse.write_partition(ROLLUP_TABLE, day, nightly.with_write_id(table))


def _removed(warehouse: Warehouse, day: dt.date) -> None:
    warehouse.delete_partition(ROLLUP_TABLE, day)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_without_busiest_caller, "days rewritten: 2026-03-10"),
        (_same_rows_written_again, "days rewritten: 2026-03-10"),
        (_removed, "days removed: 2026-03-10"),
    ],
)
def test_a_changed_day_makes_its_month_stale_until_rebuilt(copy, change, reason):
    build = nightly.build_months(copy, [AS_OF])
    assert build.built == {MARCH: "not built"}
    assert build.ready == [MARCH]
    assert set(tiers.built_from(copy, MARCH)) == {f"2026-03-{d:02d}" for d in range(1, 32)}
    assert nightly.build_months(copy, [AS_OF]).built == {}  # nothing changed, nothing rebuilt

    change(copy, dt.date(2026, 3, 10))
    assert tiers.staleness(copy, MARCH) == reason
    assert nightly.build_months(copy, [AS_OF]).built == {MARCH: reason}
    assert tiers.is_fresh(copy, MARCH)
    tiered, _ = _features(copy, AS_OF, 183, tiered=True)
    daily, _ = _features(copy, AS_OF, 183, tiered=False)
    pd.testing.assert_frame_equal(tiered, daily, check_exact=True)


def test_a_day_added_to_a_built_month_makes_it_stale(copy, tmp_path):
    day = copy.partition_path(ROLLUP_TABLE, dt.date(2026, 3, 20))
    kept = tmp_path / "kept.parquet"
    shutil.move(day, kept)
    nightly.build_months(copy, [AS_OF])
    assert "2026-03-20" not in tiers.built_from(copy, MARCH)
    shutil.move(kept, day)
    assert tiers.staleness(copy, MARCH) == "days added: 2026-03-20"
    assert nightly.build_months(copy, [AS_OF]).built == {MARCH: "days added: 2026-03-20"}
    assert "2026-03-20" in tiers.built_from(copy, MARCH)


def test_the_scoring_reads_only_ready_months_and_never_builds_them(copy, trained):
    model, _ = trained
    daily = nightly.score_window(
        copy, AS_OF, model, "v", write=False, memory_limit="1GB", monthly=False
    )
    before = nightly.score_window(copy, AS_OF, model, "v", write=False, memory_limit="1GB")
    assert before.months == []
    assert before.months_from_days == [MARCH]
    assert not copy.has_table(tiers.MONTHLY_TABLE)  # the scoring built nothing

    nightly.build_months(copy, [AS_OF])
    tiered = nightly.score_window(copy, AS_OF, model, "v", write=False, memory_limit="1GB")
    assert tiered.months == [MARCH]
    assert tiered.months_from_days == []
    assert tiered.rollup_rows < daily.rollup_rows
    assert tiered.flagged > 0
    pd.testing.assert_frame_equal(tiered.verdicts, daily.verdicts, check_exact=True)
    pd.testing.assert_frame_equal(before.verdicts, daily.verdicts, check_exact=True)

    # A day run again after the build: March is read from its days until it is rebuilt.
    _without_busiest_caller(copy, dt.date(2026, 3, 10))
    stale = nightly.score_window(copy, AS_OF, model, "v", write=False, memory_limit="1GB")
    assert stale.months == []
    assert stale.months_from_days == [MARCH]
    fresh = nightly.score_window(
        copy, AS_OF, model, "v", write=False, memory_limit="1GB", monthly=False
    )
    pd.testing.assert_frame_equal(stale.verdicts, fresh.verdicts, check_exact=True)


def test_the_month_build_covers_every_window_of_a_backfill(copy):
    # Windows ending on 31 March and 4 April share March; 20-day windows have no closed month.
    result = nightly.build_months(copy, [dt.date(2026, 3, 31), AS_OF], window_days=31)
    assert result.built == {MARCH: "not built"}
    assert result.not_ready == []
    assert nightly.build_months(copy, [dt.date(2026, 3, 30)], window_days=20).ready == []

"""The monthly tier: a window read from months and edge days equals the window of the days."""

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


def test_complete_months_and_the_days_left_at_the_edges():
    start, end = dt.date(2025, 12, 30), dt.date(2026, 6, 30)
    months = complete_months(start, end)
    assert months == [dt.date(2026, m, 1) for m in range(1, 7)]
    assert daily_ranges(start, end, months) == [(dt.date(2025, 12, 30), dt.date(2025, 12, 31))]
    assert complete_months(dt.date(2026, 3, 2), dt.date(2026, 4, 29)) == []
    assert daily_ranges(dt.date(2026, 3, 1), dt.date(2026, 4, 4), [dt.date(2026, 3, 1)]) == [
        (dt.date(2026, 4, 1), dt.date(2026, 4, 4))
    ]
    with pytest.raises(ValueError):
        daily_ranges(dt.date(2026, 3, 2), dt.date(2026, 4, 4), [dt.date(2026, 3, 1)])


def _features(warehouse: Warehouse, as_of: dt.date, window_days: int, tiered: bool):
    start = as_of - dt.timedelta(days=window_days - 1)
    with duckdb.connect() as con:
        tiers.configure(con, "1GB")
        months = (
            tiers.ensure_months(warehouse, complete_months(start, as_of), con) if tiered else []
        )
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
    [(dt.date(2026, 4, 4), 183), (dt.date(2026, 3, 31), 31), (dt.date(2026, 4, 2), 20)],
)
def test_tiered_window_has_exactly_the_features_of_the_daily_window(copy, as_of, window_days):
    daily, _ = _features(copy, as_of, window_days, tiered=False)
    tiered, months = _features(copy, as_of, window_days, tiered=True)
    assert months == ([dt.date(2026, 3, 1)] if window_days > 20 else [])
    assert len(daily) > 100
    pd.testing.assert_frame_equal(tiered, daily, check_exact=True)


def test_a_day_run_again_rebuilds_its_month(copy):
    march = dt.date(2026, 3, 1)
    _features(copy, dt.date(2026, 4, 4), 183, tiered=True)
    assert tiers.is_fresh(copy, march)
    # The 10th is rolled up again without its busiest caller.
    day = copy.partition_path(ROLLUP_TABLE, dt.date(2026, 3, 10))
    table = pq.read_table(day)
    busiest = table["caller"][pc.index(table["calls"], pc.max(table["calls"])).as_py()]
    copy.write_partition(
        ROLLUP_TABLE, dt.date(2026, 3, 10), table.filter(pc.not_equal(table["caller"], busiest))
    )
    assert not tiers.is_fresh(copy, march)
    tiered, _ = _features(copy, dt.date(2026, 4, 4), 183, tiered=True)
    daily, _ = _features(copy, dt.date(2026, 4, 4), 183, tiered=False)
    pd.testing.assert_frame_equal(tiered, daily, check_exact=True)


def test_nightly_verdicts_are_the_same_with_and_without_the_monthly_tier(copy, trained):
    model, _ = trained
    as_of = dt.date(2026, 4, 4)
    tiered = nightly.score_window(copy, as_of, model, "v", write=False, memory_limit="1GB")
    daily = nightly.score_window(
        copy, as_of, model, "v", write=False, memory_limit="1GB", monthly=False
    )
    assert tiered.months == [dt.date(2026, 3, 1)] and daily.months == []
    assert tiered.rollup_rows < daily.rollup_rows
    assert tiered.flagged > 0
    pd.testing.assert_frame_equal(tiered.verdicts, daily.verdicts, check_exact=True)

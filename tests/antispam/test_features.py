import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from antispam import sketch
from antispam.rollup import daily_rollup
from antispam.validate import check_calls
from antispam.window import window_features
from data.contracts.tables import INCOMING_CALLS


def _table(rows):
    return pa.Table.from_pylist(
        rows,
        schema=INCOMING_CALLS.arrow_schema(),
    )


def _call(when, number="79160000001", account=1, total=60, lost=False, virtual=None):
    return {
        "start_time": when,
        "contact_phone_number": number,
        "account_id": account,
        "virtual_phone_number": virtual or f"7495000{account:04d}",
        "talk_duration": 0 if lost else total,
        "total_duration": total,
        "is_lost": lost,
    }


def _features(rows, as_of, window_days=183, min_calls=1):
    checked = check_calls(_table(rows), not_after=dt.datetime(2030, 1, 1))
    with duckdb.connect() as con:
        con.register("r", daily_rollup(checked.accepted, by_date=True))
        return window_features(con, "r", as_of, window_days, min_calls, 1).set_index("caller")


def test_window_features_of_a_hand_built_caller():
    day1, day2 = dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 4)
    rows = [
        # day 1: five calls to five accounts, 10:00-10:40 every 10 minutes, all 5 s, two at night
        *[
            _call(day1 + dt.timedelta(hours=10, minutes=10 * i), account=i + 1, total=5)
            for i in range(5)
        ],
        _call(day1 + dt.timedelta(hours=23), account=1, total=120, lost=True),
        _call(day1 + dt.timedelta(hours=23, minutes=30), account=2, total=200),
        # day 2: one long answered call
        _call(day2 + dt.timedelta(hours=12), account=1, total=300),
    ]
    f = _features(rows, dt.date(2026, 5, 10)).loc[79160000001]
    assert f["calls"] == 8
    assert f["distinct_accounts"] == pytest.approx(5, abs=0.5)
    assert f["short_share"] == pytest.approx(5 / 8)
    assert f["answered_share"] == pytest.approx(7 / 8)
    assert f["night_share"] == pytest.approx(2 / 8)
    assert f["max_hour_calls"] == 5
    # 8 calls in 3 active hours (10:00, 23:00, 12:00); the 10:00 hour has 5 of them
    assert f["burst_hour_ratio"] == pytest.approx(5 / (8 / 3))
    assert f["burst_day_ratio"] == pytest.approx(7 / (8 / 2))
    assert f["lifetime_days"] == 4
    assert f["active_days"] == 2
    assert 0 < f["median_duration"] < 10  # five of eight calls last 5 s
    assert not np.isnan(f["gap_cv"])


def test_clockwork_caller_has_lower_gap_variation_than_a_person():
    day = dt.datetime(2026, 5, 1, 9)
    robot = [
        _call(day + dt.timedelta(seconds=120 * i), number="79160000002", account=i % 50 + 1)
        for i in range(100)
    ]
    gaps = [5, 300, 20, 1800, 60, 7, 900, 45, 2400, 30]
    person, t = [], day
    for g in gaps:
        t += dt.timedelta(seconds=g)
        person.append(_call(t, number="79160000003"))
    f = _features(robot + person, dt.date(2026, 5, 1))
    assert f.loc[79160000002, "gap_cv"] < 0.05
    assert f.loc[79160000003, "gap_cv"] > 0.8


def test_summing_daily_rollups_equals_rolling_up_the_whole_window_at_once():
    rng = np.random.default_rng(1)
    base = dt.datetime(2026, 5, 1)
    rows = [
        _call(
            base + dt.timedelta(seconds=int(s)),
            number=f"7916000{n:04d}",
            account=int(a),
            total=int(d),
            lost=bool(lost),
        )
        for s, n, a, d, lost in zip(
            rng.integers(0, 10 * 86400, 3000),
            rng.integers(0, 40, 3000),
            rng.integers(1, 80, 3000),
            rng.integers(1, 400, 3000),
            rng.random(3000) < 0.2,
            strict=True,
        )
    ]
    table = check_calls(_table(rows), not_after=dt.datetime(2030, 1, 1)).accepted
    days = pa.compute.cast(table["start_time"], pa.date32())
    per_day = []
    for day in sorted(set(days.to_pylist())):
        part = daily_rollup(table.filter(pa.compute.equal(days, pa.scalar(day))))
        per_day.append(part.append_column("date", pa.array([day] * part.num_rows, pa.date32())))
    with duckdb.connect() as con:
        con.register("incremental", pa.concat_tables(per_day))
        con.register("at_once", daily_rollup(table, by_date=True))
        a = window_features(con, "incremental", dt.date(2026, 5, 10), 30, 1, 1)
        b = window_features(con, "at_once", dt.date(2026, 5, 10), 30, 1, 1)
    assert len(a) == 40
    np.testing.assert_allclose(
        a.drop(columns="caller").to_numpy(), b.drop(columns="caller").to_numpy()
    )


def test_window_excludes_days_outside_it_and_small_callers():
    rows = [
        _call(dt.datetime(2026, 1, 1, 10)),
        *[_call(dt.datetime(2026, 5, 1, 10 + i)) for i in range(3)],
    ]
    f = _features(rows, dt.date(2026, 5, 1), window_days=30)
    assert f.loc[79160000001, "calls"] == 3
    assert _features(rows, dt.date(2026, 5, 1), window_days=30, min_calls=4).empty


def test_callers_reaching_few_accounts_are_not_scored():
    day = dt.datetime(2026, 5, 1, 10)
    loyal = [
        _call(day + dt.timedelta(minutes=i), number="79160000004", account=1 + i % 4)
        for i in range(30)
    ]
    spread = [
        _call(day + dt.timedelta(minutes=i), number="79160000005", account=1 + i % 5)
        for i in range(6)
    ]
    checked = check_calls(_table(loyal + spread), not_after=dt.datetime(2030, 1, 1))
    with duckdb.connect() as con:
        con.register("r", daily_rollup(checked.accepted, by_date=True))
        scored = window_features(con, "r", dt.date(2026, 5, 1))
    assert scored["caller"].tolist() == [79160000005]


def test_sketch_merges_by_or_and_stays_within_its_stated_error():
    rng = np.random.default_rng(7)
    for n in (10, 100, 300):
        values = rng.choice(10**9, size=n, replace=False)
        words = sketch.word_columns(sketch.bit_positions(values))
        whole = np.array([np.bitwise_or.reduce(words[str(w)]) for w in range(sketch.WORDS)])
        halves = [
            np.array([np.bitwise_or.reduce(words[str(w)][part]) for w in range(sketch.WORDS)])
            for part in (slice(0, n // 2), slice(n // 2, n))
        ]
        np.testing.assert_array_equal(whole, halves[0] | halves[1])
        assert sketch.estimate(whole)[0] == pytest.approx(n, rel=0.2)
    full = np.full((1, sketch.WORDS), np.iinfo(np.uint64).max, dtype=np.uint64)
    assert sketch.estimate(full)[0] == sketch.SATURATED

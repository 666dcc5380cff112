import datetime as dt

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from antispam.phones import normalize_numbers
from data.demo.incoming_calls import KINDS, generate_incoming_calls, plant_feedback

START, END = dt.date(2026, 6, 1), dt.date(2026, 6, 10)


def _generate(root, seed=1, **kwargs):
    return generate_incoming_calls(
        root / "incoming_calls", START, END, [7, 8, 9], calls_per_day=2000, seed=seed, **kwargs
    )


def test_writes_daily_hive_partitions_with_the_contract_columns(tmp_path):
    truth = _generate(tmp_path)
    days = sorted(p.name for p in (tmp_path / "incoming_calls").iterdir())
    assert days == [f"date={START + dt.timedelta(days=i)}" for i in range(10)]
    table = pq.read_table(tmp_path / "incoming_calls" / days[0] / "part.parquet")
    assert table.column_names == [
        "start_time",
        "contact_phone_number",
        "account_id",
        "virtual_phone_number",
        "talk_duration",
        "total_duration",
        "is_lost",
    ]
    total = duckdb.sql(f"SELECT count(*) FROM '{tmp_path}/incoming_calls/*/part.parquet'")
    assert total.fetchone()[0] == truth.rows
    # every kind keeps a minimum number of callers, so a small log runs a little denser
    assert 0.8 * 20_000 < truth.rows < 1.6 * 20_000
    assert truth.path == tmp_path / "ground_truth" / "spam_numbers.csv"
    written = pd.read_csv(truth.path, dtype=str)
    assert set(written["kind"]) == set(KINDS)
    assert written["number"].is_unique


def test_same_seed_same_log_other_seed_other_log(tmp_path):
    a, b, _c = (
        _generate(tmp_path / name, seed=seed) for name, seed in (("a", 1), ("b", 1), ("c", 2))
    )
    first = pq.read_table(tmp_path / "a" / "incoming_calls" / f"date={END}" / "part.parquet")
    again = pq.read_table(tmp_path / "b" / "incoming_calls" / f"date={END}" / "part.parquet")
    other = pq.read_table(tmp_path / "c" / "incoming_calls" / f"date={END}" / "part.parquet")
    assert first.equals(again)
    assert not first.equals(other)
    assert a.numbers.equals(b.numbers)


def test_several_processes_write_the_same_log_as_one(tmp_path):
    one = _generate(tmp_path / "one", seed=4)
    two = _generate(tmp_path / "two", seed=4, workers=2)
    assert one.rows == two.rows
    assert one.planted_bad == two.planted_bad
    for day in range(10):
        part = f"date={START + dt.timedelta(days=day)}/part.parquet"
        first = pq.read_table(tmp_path / "one" / "incoming_calls" / part)
        assert first.equals(pq.read_table(tmp_path / "two" / "incoming_calls" / part))
    assert (tmp_path / "one" / "ground_truth" / "spam_numbers.csv").read_bytes() == (
        tmp_path / "two" / "ground_truth" / "spam_numbers.csv"
    ).read_bytes()


def test_calls_are_in_time_order_and_days_differ(tmp_path):
    _generate(tmp_path)
    first = pq.read_table(tmp_path / "incoming_calls" / f"date={START}" / "part.parquet")
    second = pq.read_table(
        tmp_path / "incoming_calls" / f"date={START + dt.timedelta(days=1)}" / "part.parquet"
    )
    times = first["start_time"].to_numpy()
    on_the_day = times < pd.Timestamp(START + dt.timedelta(days=1)).to_datetime64()
    assert (pd.Series(times[on_the_day]).diff().dropna() >= pd.Timedelta(0)).all()
    # Each day has its own random stream: the same callers, not the same calls.
    assert first["total_duration"].to_pylist()[:50] != second["total_duration"].to_pylist()[:50]


def test_the_platform_reaches_beyond_the_given_accounts(tmp_path):
    _generate(tmp_path, platform_accounts=50)
    accounts = duckdb.sql(
        f"SELECT DISTINCT account_id FROM '{tmp_path}/incoming_calls/*/part.parquet'"
    ).fetchnumpy()["account_id"]
    assert {7, 8, 9} <= set(accounts.tolist())
    assert len(accounts) == 50


def test_untidy_numbers_belong_to_planted_callers_and_bad_rows_are_counted(tmp_path):
    truth = _generate(tmp_path)
    log = pq.read_table(tmp_path / "incoming_calls").to_pandas()
    untidy = log[~log["contact_phone_number"].str.fullmatch(r"7\d{10}")]
    normalised = normalize_numbers(
        pq.read_table(tmp_path / "incoming_calls")["contact_phone_number"]
    )
    known = set(truth.numbers["number"].astype("int64"))
    parsed = normalised[normalised > 0]
    assert set(parsed.tolist()) <= known
    assert len(untidy) > truth.planted_bad["unparseable_number"]  # mostly re-written numbers
    assert (normalised < 0).sum() == truth.planted_bad["unparseable_number"]
    assert log["talk_duration"].isna().sum() == truth.planted_bad["missing_duration"]
    future = log["start_time"].dt.date > pd.to_datetime(log["date"].astype(str)).dt.date
    assert future.sum() == truth.planted_bad["future"]


def test_planted_callers_behave_as_their_kind(tmp_path):
    truth = _generate(tmp_path)
    log = duckdb.sql(f"""
        SELECT contact_phone_number AS number, count(*) AS calls,
               count(DISTINCT account_id) AS accounts,
               avg((total_duration < 10)::INT) AS short
        FROM '{tmp_path}/incoming_calls/*/part.parquet' GROUP BY 1""").df()
    frame = log.merge(truth.numbers, on="number")
    by_kind = frame.groupby("kind").median(numeric_only=True)
    assert by_kind.loc["robocaller", "accounts"] > 20 * by_kind.loc["ordinary", "accounts"]
    assert by_kind.loc["robocaller", "short"] > 0.3 > by_kind.loc["legit_high_volume", "short"]
    assert by_kind.loc["legit_high_volume", "accounts"] > 10


def test_feedback_labels_a_share_of_each_kind(tmp_path):
    truth = _generate(tmp_path)
    feedback = plant_feedback(truth, [7, 8, 9], START, END, seed=1)
    kinds = truth.numbers.set_index("number")["kind"]
    black = feedback.lists[feedback.lists["list_kind"] == "black"]["number"].map(kinds)
    white = feedback.lists[feedback.lists["list_kind"] == "white"]["number"].map(kinds)
    assert set(black) <= {"robocaller", "bursty"}
    assert set(white) == {"legit_high_volume"}
    complaints = feedback.marks[feedback.marks["is_spam"]]["number"].map(kinds)
    assert (complaints.isin(["robocaller", "bursty"])).mean() > 0.9
    assert set(feedback.marks["account_id"]) <= {7, 8, 9}
    assert {"added_by", "added_at", "comment"} <= set(feedback.lists.columns)

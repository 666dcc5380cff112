"""Scoring (and training on) a plain Parquet file of incoming calls, without the warehouse.

The file is checked first; a bad row stops the run with its row number, field and reason.
The rollups are built in memory, one per caller and day, then summed over the window exactly
as the nightly run does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from antispam.behaviour import fitted_default
from antispam.phones import parse_number
from antispam.rollup import daily_rollup
from antispam.scoring import Scorer, score
from antispam.training import has_model, load_current
from antispam.validate import check_calls
from antispam.window import (
    DEFAULT_MIN_ACCOUNTS,
    DEFAULT_MIN_CALLS,
    caller_counts,
    window_bounds,
    window_features,
)
from data.errors import InputError

SPAM_LABELS = {"1", "spam", "true", "robocaller", "bursty"}
LEGIT_LABELS = {"0", "legit", "false", "ordinary", "legit_high_volume", "not_spam"}


@dataclass
class WindowData:
    con: duckdb.DuckDBPyConnection
    source: str
    as_of: dt.date
    window_days: int


def load_window(
    path: Path, as_of: dt.date, window_days: int, now: dt.datetime | None = None
) -> WindowData:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise InputError(path, None, None, f"cannot read Parquet: {error}") from None
    checked = check_calls(table, not_after=now or dt.datetime.now(), source=str(path))
    if len(checked.rejected):
        first = checked.rejected.iloc[0]
        raise InputError(path, int(first["line"]), first["field"], first["reason"])
    start, end = window_bounds(as_of, window_days)
    calls = checked.accepted
    day = pa.compute.cast(calls["start_time"], pa.date32())
    inside = pa.compute.and_(
        pa.compute.greater_equal(day, pa.scalar(start)), pa.compute.less_equal(day, pa.scalar(end))
    )
    con = duckdb.connect()
    rollups = daily_rollup(calls.filter(inside), con, by_date=True)
    con.register("_rollups", rollups)
    return WindowData(con, "_rollups", as_of, window_days)


def choose_scorer(
    models_dir: Path, features: pd.DataFrame, callers_seen: int | None = None
) -> tuple[Scorer, str]:
    """The promoted trained model, or (none promoted) the label-free behaviour scorer with its
    threshold set from this window's callers."""
    if has_model(models_dir):
        model, version = load_current(models_dir)
        return model, version
    scorer = fitted_default(features, callers_seen)
    return scorer, scorer.version


def score_file(
    path: Path,
    as_of: dt.date,
    window_days: int,
    models_dir: Path,
    min_calls: int = DEFAULT_MIN_CALLS,
    min_accounts: int = DEFAULT_MIN_ACCOUNTS,
    now: dt.datetime | None = None,
) -> Iterator[dict]:
    """One result per caller seen in the window, in number order."""
    data = load_window(path, as_of, window_days, now)
    features = window_features(data.con, data.source, as_of, window_days, min_calls, min_accounts)
    seen = data.con.execute(f"SELECT count(DISTINCT caller) FROM {data.source}").fetchone()[0]  # type: ignore[index]  # an aggregate returns one row
    scorer, version = choose_scorer(models_dir, features, seen)
    verdicts = score(features, scorer, version)
    scored = {
        number: (float(value), bool(flag), json.loads(why))
        for number, value, flag, why in zip(
            verdicts["number"],
            verdicts["score"],
            verdicts["is_spam"],
            verdicts["reasons"],
            strict=True,
        )
    }
    too_few = [f"fewer than {min_calls} calls in the window: not enough behaviour to judge"]
    one_place = [f"reached fewer than {min_accounts} accounts: not a mass caller"]
    counts = caller_counts(data.con, data.source, as_of, window_days)
    while batch := counts.fetchmany(10_000):
        for caller, calls, _accounts in batch:
            number = str(caller)
            if number in scored:
                value, flag, why = scored[number]
                yield {"number": number, "score": round(value, 6), "is_spam": flag, "reasons": why}
            else:
                why = too_few if calls < min_calls else one_place
                yield {"number": number, "score": 0.0, "is_spam": False, "reasons": why}


def read_labels(path: Path) -> pd.DataFrame:
    """A CSV with ``number`` and ``label`` (1/0, spam/legit) or ``kind`` (the demo's truth)."""
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(path, None, None, f"cannot read CSV: {error}") from None
    column = "label" if "label" in frame.columns else "kind" if "kind" in frame.columns else None
    if "number" not in frame.columns or column is None:
        raise InputError(path, 1, "number", "needs a number column and a label (or kind) column")
    callers, labels = [], []
    for index, (number, value) in enumerate(zip(frame["number"], frame[column], strict=True)):
        line = index + 2
        parsed = parse_number(number)
        if parsed is None:
            raise InputError(path, line, "number", f"not a phone number: {number!r}")
        key = str(value).strip().lower()
        if key not in SPAM_LABELS | LEGIT_LABELS:
            raise InputError(path, line, column, f"unknown label {value!r}")
        callers.append(parsed)
        labels.append(int(key in SPAM_LABELS))
    return pd.DataFrame({"caller": np.array(callers, dtype=np.int64), "label": labels})

"""A small platform generated once per session: 45 days of incoming calls with planted
robocallers, bursty callers and legitimate high-volume callers, rolled up day by day."""

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd
import pytest

from antispam import nightly
from antispam.rollup import ROLLUP_TABLE
from antispam.training import label_numbers, train
from antispam.window import window_features
from data.demo.incoming_calls import IncomingCallsTruth, generate_incoming_calls, plant_feedback
from data.warehouse import Warehouse

START = dt.date(2026, 3, 1)
END = dt.date(2026, 4, 4)
ACCOUNTS = list(range(1, 11))


@dataclass
class Platform:
    start: dt.date
    end: dt.date
    warehouse: Warehouse
    truth: IncomingCallsTruth
    labels: pd.DataFrame
    features: pd.DataFrame
    rollups: list


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    root = tmp_path_factory.mktemp("antispam-warehouse")
    warehouse = Warehouse(root)
    truth = generate_incoming_calls(
        root / "incoming_calls",
        START,
        END,
        ACCOUNTS,
        calls_per_day=4000,
        seed=3,
        platform_accounts=200,
    )
    rollups = [
        nightly.build_rollup(warehouse, START + dt.timedelta(days=i))
        for i in range((END - START).days + 1)
    ]
    feedback = plant_feedback(
        truth, ACCOUNTS, START, END, seed=3, ordinary_not_spam_share=0.2, spam_complaint_share=0.8
    )
    labels = label_numbers(feedback.lists, feedback.marks)
    with duckdb.connect() as con:
        features = window_features(con, warehouse.scan(ROLLUP_TABLE), END, 183)
    return Platform(START, END, warehouse, truth, labels, features, rollups)


@pytest.fixture(scope="session")
def trained(platform):
    return train(platform.features, platform.labels, seed=0)


@pytest.fixture(scope="session")
def kinds_of(platform):
    """The planted kind of each number (ground truth)."""
    truth = platform.truth.numbers.set_index("number")["kind"]

    def lookup(_platform, numbers) -> pd.Series:
        return pd.Series([truth.get(str(n), "unknown") for n in numbers])

    return lookup

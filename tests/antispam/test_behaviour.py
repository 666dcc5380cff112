"""The label-free behaviour scorer on an independent world, its threshold, labels and reasons."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from antispam.behaviour import BehaviourScorer, fitted_default, list_evenness
from antispam.policy import SPAM_TAG
from antispam.rollup import daily_rollup
from antispam.validate import check_calls
from antispam.window import FEATURES, derive_features, window_features
from benchmarks.antispam_worlds import SPAM_KINDS, generate_world, per_kind, world_features
from tagging.rules import is_system_tag


@pytest.fixture(scope="module")
def world():
    # A seed the scorer was never built on, small enough for the suite.
    generated = generate_world(7, scale=0.08, ordinary=20_000)
    features, seen = world_features(generated)
    return generated, features, seen


@pytest.mark.slow
def test_default_scorer_finds_every_spam_kind_and_spares_look_alikes(world):
    generated, features, seen = world
    scorer = fitted_default(features, callers_seen=seen)
    flagged = set(features.loc[scorer.predict(features).astype(bool), "caller"].astype(str))
    table = per_kind(generated.truth, flagged)
    spam, legit = table[table["spam"]], table[~table["spam"]]
    assert set(spam.index) == set(SPAM_KINDS)
    assert (spam["flagged"] / spam["numbers"]).min() >= 0.9, table
    assert legit["flagged"].sum() <= 0.001 * legit["numbers"].sum(), table
    # look-alikes are scored (they pass the gate), they are just not flagged
    assert (
        features["caller"]
        .astype(str)
        .isin(generated.truth.loc[generated.truth["kind"] == "courier", "number"])
        .any()
    )


def test_numbers_in_any_notation_are_one_caller_each(world):
    generated, _, seen = world
    written = generated.calls["contact_phone_number"].to_pandas()
    assert written.str.startswith("+7 (").any()
    assert written.str.startswith("8 ").any()
    assert written.nunique() > seen == len(generated.truth)


def test_flagged_numbers_carry_reasons_in_cabinet_words(world):
    _, features, seen = world
    scorer = fitted_default(features, callers_seen=seen)
    flagged = features[scorer.predict(features).astype(bool)]
    reasons = scorer.reasons(flagged)
    assert len(reasons) == len(flagged) > 0
    assert all(r and r[0].startswith("Звонки разным клиентам") for r in reasons)
    assert any("Короткие звонки" in " ".join(r) for r in reasons)


def _frame(scores_like: dict[str, np.ndarray]) -> pd.DataFrame:
    n = len(next(iter(scores_like.values())))
    base = {name: np.ones(n) for name in FEATURES}
    base.update(
        median_duration=np.full(n, 120.0),
        short_share=np.zeros(n),
        one_ring_share=np.zeros(n),
        answered_share=np.full(n, 0.9),
        gap_cv=np.ones(n),
        repeat_day_share=np.zeros(n),
    )
    base.update(scores_like)
    return pd.DataFrame(base)


def _callers(rng, n, accounts_scale, new_per_day=1.0):
    accounts = 5 + rng.exponential(accounts_scale, n)
    return _frame({"distinct_accounts": accounts, "active_days": accounts / new_per_day})


def test_threshold_ignores_how_much_spam_there_is():
    rng = np.random.default_rng(0)
    ordinary = _callers(rng, 5000, 4.0)
    spam = _frame(
        {
            "distinct_accounts": np.full(3000, 400.0),
            "active_days": np.full(3000, 5.0),
            "median_duration": np.full(3000, 8.0),
            "short_share": np.full(3000, 0.8),
        }
    )
    alone = BehaviourScorer().fit(ordinary, callers_seen=50_000)
    mixed = BehaviourScorer().fit(pd.concat([ordinary, spam]), callers_seen=53_000)
    assert mixed.threshold_ == pytest.approx(alone.threshold_, rel=0.02)
    assert mixed.predict(spam).all()


def test_busier_ordinary_callers_raise_the_threshold_above_the_evidence_level():
    rng = np.random.default_rng(1)
    calm = BehaviourScorer().fit(_callers(rng, 5000, 2.0), callers_seen=5000)
    busy = BehaviourScorer().fit(_callers(rng, 5000, 30.0, 3.0), callers_seen=5000)
    assert calm.threshold_ == calm.min_score
    assert busy.threshold_ > busy.min_score
    assert busy.calibration_["fence"] > calm.calibration_["fence"]


def test_labelled_legitimate_numbers_lift_the_threshold_over_them():
    rng = np.random.default_rng(2)
    callers = _callers(rng, 2000, 2.0)
    partner = _frame({"distinct_accounts": np.array([600.0]), "active_days": np.array([30.0])})
    data = pd.concat([callers, partner], ignore_index=True)
    unlabelled = BehaviourScorer().fit(data)
    assert unlabelled.predict(partner).all()
    y = np.full(len(data), -1)
    y[-1] = 0
    labelled = BehaviourScorer().fit(data, y)
    assert not labelled.predict(partner).any()
    assert labelled.calibration_["labelled_legit"] == 1


@pytest.mark.slow
def test_one_caller_with_a_million_calls_is_scored():
    n = 1_000_000
    rng = np.random.default_rng(3)
    start = np.datetime64("2026-06-01T00:00:00")
    seconds = np.sort(rng.integers(0, 30 * 86_400, n))
    calls = pa.table(
        {
            "start_time": pa.array((start + seconds.astype("timedelta64[s]")).astype("M8[us]")),
            "contact_phone_number": pa.array(["+7 (916) 123-45-67"] * n),
            "account_id": pa.array(rng.integers(1, 50_000, n)),
            "virtual_phone_number": pa.array(["74950000001"] * n),
            "talk_duration": pa.array(np.zeros(n, np.int64)),
            "total_duration": pa.array(rng.integers(0, 4, n)),
            "is_lost": pa.array(np.ones(n, bool)),
        }
    )
    checked = check_calls(calls, not_after=dt.datetime(2026, 7, 1))
    import duckdb

    with duckdb.connect() as con:
        con.register("_r", daily_rollup(checked.accepted, con, by_date=True))
        features = window_features(con, "_r", dt.date(2026, 6, 30), 183)
    assert features["caller"].tolist() == [79161234567]
    assert features["calls"].iloc[0] == n
    scorer = fitted_default(features)
    assert scorer.predict(features).tolist() == [1]


def test_saturated_sketch_leaves_repeat_share_unknown():
    sums = pd.DataFrame(
        {
            "caller": [1],
            "calls": [5000],
            "answered": [0],
            "short_calls": [5000],
            "night_calls": [0],
            "max_hour_calls": [100],
            "active_hours": [50],
            "gap_cv_units": [0],
            "gap_cv_days": [0],
            "active_days": [20],
            "max_day_calls": [250],
            "max_accounts_day": [250],
            "max_virtual_day": [1],
            "account_days": [5000],
            "first_day": [dt.date(2026, 6, 1)],
            "last_day": [dt.date(2026, 6, 20)],
            **{f"dur_{i}": [5000 if i == 0 else 0] for i in range(8)},
            **{f"acc_bits_{w}": [np.uint64(2**64 - 1)] for w in range(4)},
            **{f"vn_bits_{w}": [np.uint64(1)] for w in range(4)},
        }
    )
    features = derive_features(sums)
    assert np.isnan(features["repeat_day_share"].iloc[0])
    assert features["one_ring_share"].iloc[0] == 1.0
    assert BehaviourScorer().fit(features).predict(features).tolist() == [1]


def test_spam_tag_is_one_spelling_compared_the_russian_way():
    assert SPAM_TAG == "спам"
    assert is_system_tag("Спам")
    assert is_system_tag(" СПАМ ")
    assert is_system_tag(SPAM_TAG)
    assert not is_system_tag("спамер")


def test_labels_reach_the_default_scorer_by_caller():
    rng = np.random.default_rng(4)
    callers = _callers(rng, 500, 2.0)
    partner = _frame({"distinct_accounts": np.array([600.0]), "active_days": np.array([30.0])})
    features = pd.concat([callers, partner], ignore_index=True)
    features["caller"] = np.arange(len(features), dtype=np.int64) + 79_000_000_000
    legit = pd.DataFrame({"caller": [features["caller"].iloc[-1]], "label": [0]})
    assert fitted_default(features).predict(partner).all()
    assert not fitted_default(features, labels=legit).predict(partner).any()


def _same_accounts_daily(**behaviour):
    # 300 accounts, 93% of contacts to an account already called: ~107 accounts a day for 40 days
    return _frame(
        {
            "distinct_accounts": np.array([300.0]),
            "repeat_day_share": np.array([0.93]),
            "active_days": np.array([40.0]),
            **{name: np.array([value]) for name, value in behaviour.items()},
        }
    )


def test_a_dialer_re_calling_the_same_accounts_is_flagged_and_a_route_desk_is_not():
    rng = np.random.default_rng(5)
    ordinary = _callers(rng, 5000, 2.0)
    scorer = BehaviourScorer().fit(ordinary, callers_seen=50_000)
    redialer = _same_accounts_daily(
        median_duration=8.0, short_share=0.6, one_ring_share=0.2, answered_share=0.5, gap_cv=0.08
    )
    route_desk = _same_accounts_daily(
        median_duration=20.0, short_share=0.05, one_ring_share=0.0, answered_share=0.8, gap_cv=1.0
    )
    assert scorer.predict(redialer).tolist() == [1]
    assert scorer.predict(route_desk).tolist() == [0]
    parts = scorer.parts(redialer).iloc[0]
    # few new accounts: the persistent dialling decided, not the mass reach
    assert parts["persistent"]
    assert parts["new_accounts"] == pytest.approx(21.0)
    assert parts["daily_accounts"] == pytest.approx(300 / 0.07 / 40)
    reason = scorer.reasons(redialer)[0][0]
    assert "107 accounts a day over 40 active days, the same ones again" in reason


def test_labelled_spam_under_the_evidence_level_lowers_it_to_find_the_rest():
    rng = np.random.default_rng(6)
    ordinary = _callers(rng, 5000, 2.0)
    # a campaign just under the evidence level: 20 numbers alike, 8 of them complained about
    campaign = _same_accounts_daily(
        median_duration=60.0, short_share=0.4, one_ring_share=0.05, answered_share=0.8, gap_cv=1.0
    )
    campaign = pd.concat([campaign] * 20, ignore_index=True)
    campaign["distinct_accounts"] = np.linspace(150.0, 290.0, 20)
    campaign["calls_per_active_day"] = 1000.0  # favours some accounts: no list evidence
    data = pd.concat([ordinary, campaign], ignore_index=True)
    unlabelled = BehaviourScorer().fit(data, callers_seen=50_000)
    spam_scores = unlabelled.decision_function(campaign)
    assert (spam_scores < unlabelled.threshold_).all()
    assert (spam_scores > unlabelled.calibration_["fence"]).all()
    y = np.full(len(data), -1)
    y[-18:-10] = 1  # the campaign's 3rd to 10th numbers
    labelled = BehaviourScorer().fit(data, y, callers_seen=50_000)
    assert labelled.threshold_ >= labelled.calibration_["fence"]
    assert labelled.predict(campaign).tolist() == [0, 0] + [1] * 18
    assert not labelled.predict(ordinary).any()
    # a legitimate label above the labelled spam keeps the threshold over it
    y[0] = 0
    data.loc[0, list(campaign.columns)] = campaign.iloc[-1].to_numpy()
    guarded = BehaviourScorer().fit(data, y, callers_seen=50_000)
    assert guarded.threshold_ > guarded.decision_function(data.iloc[[0]])[0]


def test_too_few_spam_labels_leave_the_evidence_level():
    rng = np.random.default_rng(7)
    data = _callers(rng, 3000, 2.0)
    y = np.full(len(data), -1)
    y[:2] = 1
    assert BehaviourScorer().fit(data, y).threshold_ == BehaviourScorer().fit(data).threshold_


def _daily_reach(rng, pool, weights, calls_a_day, days):
    """Distinct accounts a day (mean) and over the window for draws from ``pool``."""
    p = weights / weights.sum()
    draws = [rng.choice(pool, calls_a_day, p=p) for _ in range(days)]
    daily = np.mean([len(np.unique(d)) for d in draws])
    return len(np.unique(np.concatenate(draws))), daily


@pytest.mark.parametrize(("list_size", "calls_a_day"), [(30, 150), (150, 60), (400, 100)])
def test_a_list_worked_evenly_reaches_what_even_draws_would(list_size, calls_a_day):
    rng = np.random.default_rng(list_size)
    pool = np.arange(list_size)
    distinct, daily = _daily_reach(rng, pool, np.ones(list_size), calls_a_day, 30)
    even = list_evenness(np.array([distinct]), np.array([daily]), np.array([calls_a_day]))
    assert even[0] == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize(("pool_size", "calls_a_day"), [(40, 120), (150, 60), (300, 100)])
def test_people_favouring_some_contacts_reach_fewer_than_even_draws(pool_size, calls_a_day):
    rng = np.random.default_rng(pool_size)
    pool = np.arange(pool_size)
    weights = rng.pareto(1.2, pool_size) + 0.05
    distinct, daily = _daily_reach(rng, pool, weights, calls_a_day, 120)
    even = list_evenness(np.array([distinct]), np.array([daily]), np.array([calls_a_day]))
    assert even[0] < 0.8


def test_a_message_dialer_at_human_pace_is_flagged_for_working_its_list_evenly():
    rng = np.random.default_rng(8)
    scorer = BehaviourScorer().fit(_callers(rng, 5000, 2.0), callers_seen=50_000)
    # a recorded message on 60 % of calls, human pace: only 40 % machine-like
    behaviour = dict(
        median_duration=20.0, short_share=0.4, one_ring_share=0.2, answered_share=0.6, gap_cv=1.0
    )
    # 107 accounts a day out of 300: what 132 calls a day drawn evenly from 300 accounts reach
    even = _same_accounts_daily(calls_per_active_day=132.0, **behaviour)
    # the same reach from 400 calls a day: a few accounts called far more often than the rest
    favouring = _same_accounts_daily(calls_per_active_day=400.0, **behaviour)
    assert list_evenness(np.array([300.0]), np.array([107.0]), np.array([132.0]))[0] == (
        pytest.approx(1.0, abs=0.01)
    )
    assert scorer.predict(even).tolist() == [1]
    assert scorer.predict(favouring).tolist() == [0]
    assert "обзвон по списку / works down a list" in scorer.reasons(even)[0][0]
    assert "works down a list" not in " ".join(scorer.reasons(favouring)[0])

"""The platform-wide incoming-call log of the demo: ordinary customers, legitimate high-volume
callers (delivery services, banks' call centres), robocallers and bursty spam callers.

One day at a time, vectorised with numpy, straight to Hive-partitioned Parquet
(``<out_dir>/date=YYYY-MM-DD/part.parquet``, the warehouse layout), so 100M calls stream
through a bounded amount of memory. The callers are drawn once from the seed; each day then has
a random stream of its own (spawned from the seed), so days can be written by several processes
and the log is the same whatever their number. The ground truth (number, kind) is written
beside the data.

A small share of rows is deliberately untidy, as real logs are: numbers written as
``+7 (916) 123-45-67``, ``8 916 123 45 67`` and so on, plus a few unparseable numbers, missing
durations and calls dated in the future, so that validation and quarantine have work to do.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

KINDS = ("ordinary", "legit_high_volume", "robocaller", "bursty")
SPAM_KINDS = ("robocaller", "bursty")

# Share of all calls made by each kind of caller, and calls per active day of one number.
_SHARE = {"legit_high_volume": 0.05, "robocaller": 0.06, "bursty": 0.02}
_DAILY_RATE = {"legit_high_volume": 60.0, "robocaller": 150.0, "bursty": 120.0}
_ACTIVE_DAYS = {"legit_high_volume": 0.7, "robocaller": 0.25, "bursty": 0.05}
_MIN_NUMBERS = {"legit_high_volume": 8, "robocaller": 16, "bursty": 10}
_ORDINARY_CALLS_PER_NUMBER = 4.0

_UNTIDY_SHARE = 0.005
_BAD_NUMBER_SHARE = 0.0002
_MISSING_DURATION_SHARE = 0.0002
_FUTURE_SHARE = 0.0001
_BAD_NUMBERS = np.array(["не определен", "anonymous", "12-34", "+7 (9", "000"], dtype=object)

# Hour-of-day profile of people calling businesses (local time).
_PEOPLE_HOURS = np.array(
    [2, 1, 1, 1, 1, 2, 5, 15, 45, 80, 95, 100, 95, 95, 95, 90, 85, 75, 60, 45, 30, 18, 9, 4],
    dtype=float,
)


@dataclass
class IncomingCallsTruth:
    """What was planted: every caller number with its kind, and the counts written."""

    path: Path
    numbers: pd.DataFrame  # number (E.164 digits, str), kind
    rows: int = 0
    days: int = 0
    planted_bad: dict[str, int] = field(default_factory=dict)

    def of_kind(self, *kinds: str) -> set[str]:
        return set(self.numbers.loc[self.numbers["kind"].isin(kinds), "number"])


@dataclass
class _Ragged:
    """Per-owner lists in one flat array: owner i owns flat[offset[i] : offset[i] + size[i]]."""

    flat: np.ndarray
    offset: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, lists: list[np.ndarray]) -> _Ragged:
        size = np.array([len(x) for x in lists], dtype=np.int64)
        return cls(np.concatenate(lists), np.cumsum(size) - size, size)

    def pick(self, rng, owners: np.ndarray) -> np.ndarray:
        """One random element of each owner's list."""
        return self.flat[self.offset[owners] + rng.integers(0, self.size[owners])]


@dataclass
class _Population:
    n_accounts: int
    numbers: dict[str, np.ndarray]
    ordinary_weights: np.ndarray
    ordinary_home: np.ndarray
    hv_profile: np.ndarray  # 0 delivery service, 1 bank call centre
    hv_accounts: _Ragged
    robo_span: np.ndarray  # (first day index, last day index)
    robo_hours: np.ndarray  # (first hour, working hours)
    robo_message: np.ndarray  # seconds of the recorded message (0 = silent hang-up)
    robo_slow: np.ndarray  # slow, uneven dialers
    bursty_span: np.ndarray
    bursty_burst_days: list[set[int]]


def generate_incoming_calls(
    out_dir: Path,
    start: dt.date,
    end: dt.date,
    accounts: list[int],
    calls_per_day: int,
    seed: int,
    *,
    truth_path: Path | None = None,
    platform_accounts: int = 500,
    workers: int = 1,
) -> IncomingCallsTruth:
    """Writes one Parquet partition per day from ``start`` to ``end`` (inclusive) and the ground
    truth CSV (default ``<out_dir>/../ground_truth/spam_numbers.csv``).

    ``calls_per_day`` is the average volume; every planted kind keeps a minimum number of
    callers, so a small log runs somewhat denser. The log is platform-wide: besides
    ``accounts`` it holds calls to other accounts of the platform (ids above the largest given
    one) up to ``platform_accounts`` in all, since a spammer shows itself by calling many of
    them. ``workers`` processes write the days; the files do not depend on it.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if not accounts:
        raise ValueError("at least one account is needed")
    out_dir = Path(out_dir)
    truth_path = Path(truth_path or out_dir.parent / "ground_truth" / "spam_numbers.csv")
    days = (end - start).days + 1
    rng = np.random.default_rng(seed)
    account_ids = np.asarray(accounts, dtype=np.int64)
    others = max(0, platform_accounts - len(account_ids))
    account_ids = np.concatenate([account_ids, account_ids.max() + 1 + np.arange(others)])
    population = _make_population(rng, days, calls_per_day, len(account_ids))
    plan = _DayPlan(
        population, _virtual_numbers(rng, len(account_ids)), account_ids, calls_per_day, out_dir
    )
    day_seeds = np.random.SeedSequence(seed).spawn(days)
    tasks = [(i, start + dt.timedelta(days=i), day_seeds[i]) for i in range(days)]

    truth = IncomingCallsTruth(path=truth_path, numbers=_truth_frame(population.numbers))
    truth.planted_bad = {"unparseable_number": 0, "missing_duration": 0, "future": 0}
    if workers > 1 and days > 1:
        # Spawned, not forked: the caller may hold threads (DuckDB, BLAS) that fork would copy.
        with ProcessPoolExecutor(
            min(workers, days),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(plan,),
        ) as pool:
            written = list(pool.map(_write_day_in_worker, tasks))
    else:
        written = [_write_day(plan, *task) for task in tasks]
    for rows, bad in written:
        truth.rows += rows
        for reason, n in bad.items():
            truth.planted_bad[reason] += n
    truth.days = days
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    _write_truth(population.numbers, truth_path)
    return truth


@dataclass
class _DayPlan:
    """Everything a day needs besides its own random stream."""

    population: _Population
    virtual_numbers: _Ragged
    account_ids: np.ndarray
    calls_per_day: int
    out_dir: Path


def _write_day(plan: _DayPlan, index: int, day: dt.date, seed) -> tuple[int, dict[str, int]]:
    rng = np.random.default_rng(seed)
    bad = {"unparseable_number": 0, "missing_duration": 0, "future": 0}
    frame = _day_calls(rng, plan.population, index, day, plan.calls_per_day, plan.account_ids)
    table = _to_arrow(rng, frame, plan.virtual_numbers, day, bad)
    target = plan.out_dir / f"date={day.isoformat()}" / "part.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target, compression="zstd")
    return table.num_rows, bad


_WORKER_PLAN: _DayPlan | None = None


def _init_worker(plan: _DayPlan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _write_day_in_worker(task) -> tuple[int, dict[str, int]]:
    if _WORKER_PLAN is None:
        raise RuntimeError("the worker was started without its day plan")
    return _write_day(_WORKER_PLAN, *task)


# -- population -------------------------------------------------------------------------------
def _make_population(rng, days: int, calls_per_day: int, n_accounts: int) -> _Population:
    total = calls_per_day * days
    counts = {}
    for kind in ("legit_high_volume", "robocaller", "bursty"):
        per_number = _DAILY_RATE[kind] * max(1.0, _ACTIVE_DAYS[kind] * days)
        counts[kind] = max(_MIN_NUMBERS[kind], round(_SHARE[kind] * total / per_number))
    counts["ordinary"] = max(50, round(0.87 * total / _ORDINARY_CALLS_PER_NUMBER))

    pool = _unique_mobile_numbers(rng, sum(counts.values()))
    numbers, offset = {}, 0
    for kind in KINDS:
        numbers[kind] = pool[offset : offset + counts[kind]]
        offset += counts[kind]

    # Heavy-tailed propensity: most customers call once or twice, a few call one shop often.
    weights = rng.lognormal(0.0, 1.2, counts["ordinary"])
    home = rng.integers(0, n_accounts, counts["ordinary"])

    n_hv = counts["legit_high_volume"]
    hv_profile = np.arange(n_hv) % 2
    hv_accounts = [
        rng.choice(n_accounts, size=max(1, int(n_accounts * rng.uniform(0.3, 0.9))), replace=False)
        for _ in range(n_hv)
    ]

    robo_len = np.maximum(2, (days * rng.uniform(0.1, 0.5, counts["robocaller"])).astype(int))
    robo_first = rng.integers(0, np.maximum(1, days - robo_len + 1))
    robo_span = np.stack([robo_first, np.minimum(days - 1, robo_first + robo_len - 1)], axis=1)
    working = rng.integers(6, 11, counts["robocaller"])
    robo_hours = np.stack([rng.integers(0, 24 - working), working], axis=1)
    # A third leave a recorded message (15-35 s), the rest hang up within a few seconds.
    robo_message = np.where(
        rng.random(counts["robocaller"]) < 0.33, rng.integers(15, 36, counts["robocaller"]), 0
    )
    # Three in ten dial slowly and unevenly (a dozen calls a day), which is harder to tell.
    robo_slow = rng.random(counts["robocaller"]) < 0.3

    bursty_len = np.maximum(5, (days * rng.uniform(0.2, 0.6, counts["bursty"])).astype(int))
    bursty_first = rng.integers(0, np.maximum(1, days - bursty_len + 1))
    bursty_span = np.stack(
        [bursty_first, np.minimum(days - 1, bursty_first + bursty_len - 1)], axis=1
    )
    burst_days = []
    for first, last in bursty_span:
        span = np.arange(first, last + 1)
        n_bursts = max(1, round(len(span) * _ACTIVE_DAYS["bursty"] / 0.3))
        burst_days.append(set(rng.choice(span, size=min(len(span), n_bursts), replace=False)))

    return _Population(
        n_accounts=n_accounts,
        numbers=numbers,
        ordinary_weights=np.cumsum(weights / weights.sum()),
        ordinary_home=home,
        hv_profile=hv_profile,
        hv_accounts=_Ragged.of(hv_accounts),
        robo_span=robo_span,
        robo_hours=robo_hours,
        robo_message=robo_message,
        robo_slow=robo_slow,
        bursty_span=bursty_span,
        bursty_burst_days=burst_days,
    )


def _unique_mobile_numbers(rng, n: int) -> np.ndarray:
    """n distinct Russian mobile numbers as E.164 digits (79XXXXXXXXX)."""
    return 79_000_000_000 + _distinct(rng, n, 1_000_000_000)


def _distinct(rng, n: int, span: int) -> np.ndarray:
    """n distinct integers in [0, span), in random order: the running sum of geometric gaps
    (mean a little under span / n) is strictly increasing, so no draw repeats."""
    if n > span:
        raise ValueError(f"cannot draw {n} distinct values below {span}")
    while True:
        values = np.cumsum(rng.geometric(min(1.0, 1.05 * n / span), n)) - 1
        if n == 0 or values[-1] < span:
            return rng.permutation(values)


def _virtual_numbers(rng, n_accounts: int) -> _Ragged:
    """One to four Moscow virtual numbers (7495XXXXXXX) per account, as E.164 digits."""
    pool = 74_950_000_000 + _distinct(rng, n_accounts * 4, 10_000_000)
    sizes = rng.integers(1, 5, n_accounts)
    return _Ragged.of([pool[i * 4 : i * 4 + k] for i, k in enumerate(sizes)])


def _truth_frame(numbers: dict[str, np.ndarray]) -> pd.DataFrame:
    table = _truth_table(numbers)
    return pd.DataFrame(
        {
            "number": pd.arrays.ArrowStringArray(table["number"].combine_chunks()),
            "kind": table["kind"].to_pandas().astype(object),
        }
    )


def _truth_table(numbers: dict[str, np.ndarray]) -> pa.Table:
    values = np.concatenate([numbers[kind] for kind in KINDS])
    codes = np.repeat(np.arange(len(KINDS), dtype=np.int8), [len(numbers[k]) for k in KINDS])
    return pa.table(
        {
            "number": pc.cast(pa.array(values, pa.int64()), pa.string()),
            "kind": pa.DictionaryArray.from_arrays(codes, pa.array(KINDS)),
        }
    )


def _write_truth(numbers: dict[str, np.ndarray], path: Path) -> None:
    table = _truth_table(numbers)
    table = table.set_column(1, "kind", pc.cast(table["kind"], pa.string()))
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))


# -- one day ----------------------------------------------------------------------------------
def _day_calls(rng, pop: _Population, index: int, day: dt.date, calls_per_day: int, accounts):
    weekday = day.weekday() < 5
    parts = [
        _ordinary_day(rng, pop, calls_per_day, weekday),
        _high_volume_day(rng, pop, weekday),
        _robocaller_day(rng, pop, index),
        _bursty_day(rng, pop, index),
    ]
    frame = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    frame["account_id"] = accounts[frame["account"]]
    midnight = np.datetime64(day.isoformat(), "s")
    frame["start_time"] = midnight + np.clip(frame["second"], 0, 86_399).astype("timedelta64[s]")
    order = np.argsort(frame["start_time"], kind="stable")
    return {key: value[order] for key, value in frame.items()}


def _calls(number, account, second, talk, wait, lost):
    return {
        "number": number.astype(np.int64),
        "account": account.astype(np.int64),
        "second": second.astype(np.int64),
        "talk": np.where(lost, 0, talk).astype(np.int64),
        "total": (wait + np.where(lost, 0, talk)).astype(np.int64),
        "lost": lost.astype(bool),
    }


def _people_seconds(rng, n: int, hours: np.ndarray = _PEOPLE_HOURS) -> np.ndarray:
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    return hour * 3600 + rng.integers(0, 3600, n)


def _ordinary_day(rng, pop: _Population, calls_per_day: int, weekday: bool):
    spam_and_hv = sum(_SHARE.values())
    n = rng.poisson(calls_per_day * (1 - spam_and_hv) * (1.0 if weekday else 0.6))
    # Sorted draws make the lookup walk the table in order (ten times faster at 20M callers);
    # the calls are put in time order afterwards, so the sort leaves no trace.
    who = np.searchsorted(pop.ordinary_weights, np.sort(rng.random(n)))
    who = np.minimum(who, len(pop.ordinary_home) - 1)
    account = np.where(
        rng.random(n) < 0.85, pop.ordinary_home[who], rng.integers(0, pop.n_accounts, n)
    )
    lost = rng.random(n) < 0.15
    # Some people hang up at once or get cut off: short calls exist among customers too.
    hang_up = rng.random(n) < 0.08
    talk = np.where(hang_up, rng.integers(1, 9, n), rng.lognormal(np.log(100), 0.9, n))
    wait = rng.integers(3, 25, n)
    return _calls(pop.numbers["ordinary"][who], account, _people_seconds(rng, n), talk, wait, lost)


def _high_volume_day(rng, pop: _Population, weekday: bool):
    numbers = pop.numbers["legit_high_volume"]
    active = rng.random(len(numbers)) < (0.95 if weekday else 0.25)
    rate = _DAILY_RATE["legit_high_volume"] * rng.uniform(0.6, 1.4, len(numbers))
    per_number = np.where(active, rng.poisson(rate), 0)
    who = np.repeat(np.arange(len(numbers)), per_number)
    n = len(who)
    account = pop.hv_accounts.pick(rng, who)
    # Working hours 09:00-21:00, no clockwork rhythm: people dial one after another.
    second = 9 * 3600 + rng.integers(0, 12 * 3600, n)
    bank = pop.hv_profile[who] == 1
    # Couriers: "I am at the door" calls, mostly 10-40 s; banks: long conversations.
    talk = np.where(bank, rng.lognormal(np.log(150), 0.6, n), rng.lognormal(np.log(20), 0.6, n))
    lost = rng.random(n) < np.where(bank, 0.25, 0.12)
    wait = np.where(bank, rng.integers(15, 40, n), rng.integers(5, 25, n))
    return _calls(numbers[who], account, second, talk, wait, lost)


def _robocaller_day(rng, pop: _Population, index: int):
    numbers = pop.numbers["robocaller"]
    active = (pop.robo_span[:, 0] <= index) & (index <= pop.robo_span[:, 1])
    active &= rng.random(len(numbers)) < 0.9
    rate = _DAILY_RATE["robocaller"] * rng.uniform(0.3, 2.0, len(numbers))
    rate = np.where(pop.robo_slow, rate * 0.1, rate)
    per_number = np.where(active, rng.poisson(rate), 0)
    who = np.repeat(np.arange(len(numbers)), per_number)
    n = len(who)
    # An auto-dialer works through its list at a steady pace with a little jitter.
    rank = np.arange(n) - np.repeat(np.cumsum(per_number) - per_number, per_number)
    hours = pop.robo_hours[who, 1] * 3600
    step = hours / np.maximum(1, per_number[who])
    jitter = np.where(pop.robo_slow[who], 0.6, 0.1)
    second = pop.robo_hours[who, 0] * 3600 + rank * step + rng.uniform(-1, 1, n) * jitter * step
    account = rng.integers(0, pop.n_accounts, n)
    message = pop.robo_message[who]
    talk = np.where(message > 0, message + rng.integers(-3, 4, n), rng.integers(1, 8, n))
    lost = rng.random(n) < 0.45
    wait = rng.integers(1, 12, n)
    return _calls(numbers[who], account, second, talk, wait, lost)


def _bursty_day(rng, pop: _Population, index: int):
    numbers = pop.numbers["bursty"]
    in_span = (pop.bursty_span[:, 0] <= index) & (index <= pop.bursty_span[:, 1])
    burst = np.array([index in days for days in pop.bursty_burst_days], dtype=bool) & in_span
    # Quiet days: the odd call; burst days: a campaign crammed into an hour or two.
    per_number = np.where(
        burst,
        rng.poisson(_DAILY_RATE["bursty"] * rng.uniform(0.4, 2.0, len(numbers))),
        np.where(in_span, rng.poisson(0.3, len(numbers)), 0),
    )
    who = np.repeat(np.arange(len(numbers)), per_number)
    n = len(who)
    in_burst = burst[who]
    burst_start = rng.integers(8 * 3600, 20 * 3600, len(numbers))[who]
    burst_len = rng.integers(1800, 7200, len(numbers))[who]
    second = np.where(
        in_burst,
        burst_start + (rng.random(n) * burst_len).astype(np.int64),
        _people_seconds(rng, n),
    )
    account = rng.integers(0, pop.n_accounts, n)
    talk = np.where(rng.random(n) < 0.75, rng.integers(1, 10, n), rng.integers(10, 60, n))
    lost = rng.random(n) < 0.4
    wait = rng.integers(1, 15, n)
    return _calls(numbers[who], account, second, talk, wait, lost)


# -- untidy rows and Arrow ---------------------------------------------------------------------
def _to_arrow(rng, frame, virtual_numbers, day: dt.date, planted_bad: dict[str, int]) -> pa.Table:
    n = len(frame["number"])
    phones = pc.cast(pa.array(frame["number"]), pa.string())
    untidy = np.flatnonzero(rng.random(n) < _UNTIDY_SHARE)
    bad_number = np.flatnonzero(rng.random(n) < _BAD_NUMBER_SHARE)
    if len(untidy) or len(bad_number):
        phones = np.asarray(phones.to_numpy(zero_copy_only=False), dtype=object)
        phones[untidy] = [_untidy(rng, p) for p in phones[untidy]]
        phones[bad_number] = rng.choice(_BAD_NUMBERS, size=len(bad_number))
        phones = pa.array(phones, pa.string())
    planted_bad["unparseable_number"] += len(bad_number)

    talk = pa.array(frame["talk"], pa.int64())
    total = pa.array(frame["total"], pa.int64())
    missing = rng.random(n) < _MISSING_DURATION_SHARE
    if missing.any():
        talk = pa.array(frame["talk"], pa.int64(), mask=missing)
        total = pa.array(frame["total"], pa.int64(), mask=missing)
    planted_bad["missing_duration"] += int(missing.sum())

    start = frame["start_time"].copy()
    future = rng.random(n) < _FUTURE_SHARE
    start[future] += rng.integers(2, 400, int(future.sum())).astype("timedelta64[D]")
    planted_bad["future"] += int(future.sum())

    virtual = virtual_numbers.pick(rng, frame["account"])
    return pa.table(
        {
            "start_time": pa.array(start.astype("datetime64[us]")),
            "contact_phone_number": phones,
            "account_id": pa.array(frame["account_id"], pa.int64()),
            "virtual_phone_number": pc.cast(pa.array(virtual), pa.string()),
            "talk_duration": talk,
            "total_duration": total,
            "is_lost": pa.array(frame["lost"]),
        }
    )


def _untidy(rng, digits: str) -> str:
    """The same number as a person or an old PBX would write it."""
    d = digits[1:]
    style = int(rng.integers(0, 5))
    if style == 0:
        return f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    if style == 1:
        return f"8 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}"
    if style == 2:
        return f"8({d[:3]}){d[3:]}"
    if style == 3:
        return f"+7-{d[:3]}-{d[3:6]}-{d[6:]}"
    return f"+{digits}"


# -- what accounts say about callers ----------------------------------------------------------
@dataclass
class SpamFeedback:
    """Black/white list entries and spam marks accounts left, derived from the ground truth.

    ``lists``: account_id, list_kind (black/white), number, added_by, added_at, comment.
    ``marks``: account_id, number, is_spam, marked_by, marked_at, comment, weight.
    """

    lists: pd.DataFrame
    marks: pd.DataFrame


def plant_feedback(
    truth: IncomingCallsTruth,
    accounts: list[int],
    start: dt.date,
    end: dt.date,
    seed: int,
    *,
    spam_complaint_share: float = 0.5,
    spam_blacklist_share: float = 0.15,
    high_volume_whitelist_share: float = 0.5,
    ordinary_not_spam_share: float = 0.1,
    wrong_complaints_per_spam_complaint: float = 0.05,
) -> SpamFeedback:
    """Who complained about whom: a share of spammers gets complaints or a black-list entry, a
    share of legitimate callers gets white-listed or marked "not spam", and a few legitimate
    callers get a complaint by mistake (labels are never perfectly clean)."""
    rng = np.random.default_rng(seed + 1)
    numbers = truth.numbers
    spam = numbers[numbers["kind"].isin(SPAM_KINDS)]["number"].to_numpy()
    high_volume = numbers[numbers["kind"] == "legit_high_volume"]["number"].to_numpy()
    ordinary = numbers[numbers["kind"] == "ordinary"]["number"].to_numpy()
    span = max(1, (end - start).days) * 86_400

    def when(n: int) -> list[dt.datetime]:
        base = dt.datetime.combine(start, dt.time())
        return [base + dt.timedelta(seconds=int(s)) for s in rng.integers(0, span, n)]

    def pick(values: np.ndarray, share: float) -> np.ndarray:
        return values[rng.random(len(values)) < share]

    blacklisted = pick(spam, spam_blacklist_share)
    whitelisted = pick(high_volume, high_volume_whitelist_share)
    lists = pd.DataFrame(
        {
            "account_id": rng.choice(accounts, len(blacklisted) + len(whitelisted)),
            "list_kind": ["black"] * len(blacklisted) + ["white"] * len(whitelisted),
            "number": np.concatenate([blacklisted, whitelisted]).astype(str),
            "added_by": "demo-user",
            "added_at": when(len(blacklisted) + len(whitelisted)),
            "comment": ["навязчивая реклама"] * len(blacklisted)
            + ["наш партнёр"] * len(whitelisted),
        }
    )
    complained = pick(spam, spam_complaint_share)
    complaints = np.repeat(complained, rng.integers(1, 4, len(complained)))
    not_spam = pick(ordinary, ordinary_not_spam_share)
    legit = np.concatenate([ordinary, high_volume])
    n_mistaken = min(len(legit), round(len(complained) * wrong_complaints_per_spam_complaint))
    mistaken = rng.choice(legit, size=n_mistaken, replace=False)
    marked = np.concatenate([complaints, not_spam, mistaken]).astype(str)
    is_spam = np.concatenate(
        [
            np.ones(len(complaints), bool),
            np.zeros(len(not_spam), bool),
            np.ones(len(mistaken), bool),
        ]
    )
    marks = pd.DataFrame(
        {
            "account_id": rng.choice(accounts, len(marked)),
            "number": marked,
            "is_spam": is_spam,
            "marked_by": "demo-user",
            "marked_at": when(len(marked)),
            "comment": np.where(is_spam, "спам", "не спам"),
            "weight": 1,
        }
    )
    return SpamFeedback(lists=lists, marks=marks)

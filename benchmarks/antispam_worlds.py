"""Independent platform worlds for judging antispam on behaviour it was not built on.

Not the demo generator (``data.demo.incoming_calls``): here every spam kind and every
legitimate look-alike is drawn by a function of its own, and each world draws its own mixture
of kinds and its own parameters (volumes, durations, answered shares, lifetimes) from its seed,
so the kinds vary independently of one another and of the scorer's development.

Spam kinds: ``robocaller`` (steady auto-dialer, weeks), ``rotation`` (numbers that live one to
three days), ``one_day`` (one day of mass dialling), ``telemarketer`` (people holding short real
conversations, weekdays, human pace), ``wangiri`` (one ring, never answered, any hour),
``mimic`` (a dialer that keeps business hours, human pace and ordinary durations),
``redialer`` (a persistent robocaller re-dialling the same list of accounts day after day, so
it reaches few *new* accounts; added after the demo generator's steady robocallers on its
500-account platform were missed, see docs/antispam.md).
Legitimate kinds: ``ordinary`` (customers), ``shopper`` (calls many dealers in a day or two),
``courier`` (a route of shops, short calls, every working day), ``partner_desk`` (a partner's
desk calling its partner accounts, long conversations), ``dispatcher`` (a pool of accounts, many
short calls, seven days a week and nights), ``callback_centre`` (calls back accounts that asked,
a few times each), ``mixed_format`` (customers whose number is written differently each time),
``follow_up`` (a client chasing deals: the same two to twelve accounts every working day,
often unanswered), ``route_desk`` (a delivery or route desk calling the same tens to hundreds of shops
every working day with short calls, some unanswered).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

SPAM_KINDS = (
    "robocaller",
    "rotation",
    "one_day",
    "telemarketer",
    "wangiri",
    "mimic",
    "redialer",
)
LEGIT_KINDS = (
    "ordinary",
    "shopper",
    "courier",
    "partner_desk",
    "dispatcher",
    "callback_centre",
    "mixed_format",
    "follow_up",
    "route_desk",
)
END = dt.date(2026, 6, 30)
DAYS = 183
DAY = 86_400


@dataclass
class World:
    seed: int
    calls: pa.Table  # the incoming-call log (raw numbers in their written form)
    truth: pd.DataFrame  # number (E.164 digits), kind, is_spam
    mixture: dict[str, int] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)


class _Log:
    def __init__(self, rng: np.random.Generator, accounts: int, start: dt.date, days: int):
        self.rng, self.accounts, self.days = rng, accounts, days
        self.origin = np.datetime64(start.isoformat(), "s")
        self.weekday = start.weekday()
        self.parts: list[tuple] = []
        self.truth: list[tuple[int, str]] = []
        self.next_number = 79_000_000_000 + int(rng.integers(0, 10**8))
        # Account popularity: a few big dealers, a long tail of small shops.
        weights = 1.0 / np.arange(1, accounts + 1) ** 0.8
        self.popular = np.cumsum(rng.permutation(weights))
        self.popular /= self.popular[-1]

    def number(self, kind: str) -> int:
        self.next_number += int(self.rng.integers(1, 50))
        self.truth.append((self.next_number, kind))
        return self.next_number

    def popular_accounts(self, n: int) -> np.ndarray:
        return np.searchsorted(self.popular, self.rng.random(n)) + 1

    def add(self, number, seconds, accounts, talk, total, lost):
        n = len(seconds)
        if n:
            self.parts.append(
                (np.full(n, number, np.int64), seconds, accounts, talk, total, lost.astype(bool))
            )


def _day_times(rng, days, per_day, hours=(9, 20), pace="human"):
    """Call times (seconds from the log's start) on ``days`` with ``per_day`` calls each."""
    out = []
    for day, n in zip(days, per_day, strict=True):
        if n <= 0:
            continue
        lo, hi = hours[0] * 3600, hours[1] * 3600
        if pace == "steady":
            start = lo + rng.uniform(0, 3600)
            step = max(20.0, min((hi - start) / n, rng.uniform(60, 600)))
            gaps = step * rng.normal(1, 0.05, n).clip(0.8, 1.2)
            t = start + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
        else:
            t = np.sort(rng.uniform(lo, hi, n))
        out.append(day * DAY + np.minimum(t, DAY - 1))
    return np.concatenate(out) if out else np.empty(0)


def _durations(rng, n, answered_share, talk_median, talk_spread=0.6, ring=(5, 25)):
    lost = rng.random(n) >= answered_share
    talk = np.where(lost, 0, rng.lognormal(np.log(max(talk_median, 1)), talk_spread, n)).astype(
        np.int64
    )
    wait = rng.integers(ring[0], ring[1] + 1, n)
    return talk, talk + wait, lost


def _active_days(log, first, lifetime, weekdays_only):
    span = np.arange(first, min(log.days, first + lifetime))
    if weekdays_only:
        span = span[(span + log.weekday) % 7 < 5]
    return span


# -- spam --------------------------------------------------------------------------------------
def _robocaller(log, p):
    rng = log.rng
    number = log.number("robocaller")
    life = int(rng.integers(5, p["robo_life"]))
    days = _active_days(log, int(rng.integers(0, log.days - 5)), life, rng.random() < 0.5)
    per_day = rng.integers(p["robo_min"], p["robo_max"], len(days))
    t = _day_times(rng, days, per_day, (8, 21), "steady")
    message = rng.random(len(t)) < p["robo_answer"]
    talk = np.where(message, rng.integers(12, 40, len(t)), 0)
    total = talk + rng.integers(0, 8, len(t))
    log.add(number, t, rng.integers(1, log.accounts + 1, len(t)), talk, total, ~message)


def _rotation(log, p):
    rng = log.rng
    first = int(rng.integers(0, log.days - 40))
    for _ in range(int(rng.integers(3, 12))):  # one operation, several short-lived numbers
        number = log.number("rotation")
        days = np.arange(first, min(log.days, first + int(rng.integers(1, 4))))
        per_day = rng.integers(p["rot_min"], p["rot_max"], len(days))
        t = _day_times(rng, days, per_day, (9, 20), "steady" if rng.random() < 0.5 else "human")
        talk, total, lost = _durations(rng, len(t), p["rot_answer"], p["rot_talk"], ring=(2, 15))
        log.add(number, t, rng.integers(1, log.accounts + 1, len(t)), talk, total, lost)
        first = min(log.days - 3, first + len(days) + int(rng.integers(0, 3)))


def _one_day(log, p):
    rng = log.rng
    number = log.number("one_day")
    days = np.array([int(rng.integers(0, log.days))])
    per_day = rng.integers(p["oneday_min"], p["oneday_max"], 1)
    t = _day_times(rng, days, per_day, (9, 19), "human")
    talk, total, lost = _durations(rng, len(t), p["oneday_answer"], p["oneday_talk"], ring=(2, 15))
    log.add(number, t, rng.integers(1, log.accounts + 1, len(t)), talk, total, lost)


def _telemarketer(log, p):
    rng = log.rng
    number = log.number("telemarketer")
    life = int(rng.integers(20, log.days))
    days = _active_days(log, int(rng.integers(0, log.days - 20)), life, True)
    days = days[rng.random(len(days)) < 0.85]
    per_day = rng.integers(p["tele_min"], p["tele_max"], len(days))
    t = _day_times(rng, days, per_day, (10, 18), "human")
    talk, total, lost = _durations(rng, len(t), p["tele_answer"], p["tele_talk"], 0.5)
    # Works down a list of shops: nearly every call is a new account.
    if rng.random() < 0.5:
        accounts = log.popular_accounts(len(t))
    else:
        accounts = rng.integers(1, log.accounts + 1, len(t))
    log.add(number, t, accounts, talk, total, lost)


def _wangiri(log, p):
    rng = log.rng
    number = log.number("wangiri")
    days = np.arange(int(rng.integers(0, log.days - 10)), log.days)[: int(rng.integers(1, 10))]
    per_day = rng.integers(p["wan_min"], p["wan_max"], len(days))
    t = _day_times(rng, days, per_day, (0, 24), "steady" if rng.random() < 0.5 else "human")
    total = rng.integers(0, 4, len(t))
    log.add(
        number,
        t,
        rng.integers(1, log.accounts + 1, len(t)),
        np.zeros(len(t), int),
        total,
        np.ones(len(t), bool),
    )


def _mimic(log, p):
    rng = log.rng
    number = log.number("mimic")
    life = int(rng.integers(10, 90))
    days = _active_days(log, int(rng.integers(0, log.days - 10)), life, True)
    per_day = rng.integers(p["mimic_min"], p["mimic_max"], len(days))
    t = _day_times(rng, days, per_day, (9, 18), "human")
    talk, total, lost = _durations(rng, len(t), p["mimic_answer"], p["mimic_talk"], 0.9)
    log.add(number, t, log.popular_accounts(len(t)), talk, total, lost)


def _redialer(log, p):
    rng = log.rng
    number = log.number("redialer")
    targets = rng.choice(
        log.accounts, int(rng.integers(p["redial_list_min"], p["redial_list_max"]))
    )
    life = int(rng.integers(15, p["redial_life"]))
    days = _active_days(log, int(rng.integers(0, log.days - 15)), life, rng.random() < 0.5)
    days = days[rng.random(len(days)) < 0.9]
    per_day = rng.integers(p["redial_min"], p["redial_max"], len(days))
    pace = "steady" if rng.random() < p["redial_steady"] else "human"
    t = _day_times(rng, days, per_day, (8, 21), pace)
    message = rng.random(len(t)) < p["redial_answer"]
    talk = np.where(message, rng.integers(10, 45, len(t)), 0)
    total = talk + rng.integers(0, 10, len(t))
    log.add(number, t, rng.choice(targets, len(t)) + 1, talk, total, ~message)


# -- legitimate -------------------------------------------------------------------------------
def _ordinary(log, n, p):
    """Customers in bulk: a few calls over the window, mostly to one or two shops."""
    rng = log.rng
    numbers = np.array([log.number("ordinary") for _ in range(n)], np.int64)
    counts = np.minimum(rng.geometric(p["ord_p"], n), 60)
    homes = log.popular_accounts(n * 3).reshape(n, 3)
    caller = np.repeat(numbers, counts)
    index = np.repeat(np.arange(n), counts)
    pick = np.where(rng.random(len(caller)) < 0.8, 0, rng.integers(1, 3, len(caller)))
    accounts = homes[index, pick]
    t = rng.integers(0, log.days, len(caller)) * DAY + rng.uniform(8, 22, len(caller)) * 3600
    talk, total, lost = _durations(rng, len(caller), 0.8, 90, 0.9)
    log.parts.append((caller, t, accounts, talk, total, lost))


def _shopper(log, p):
    rng = log.rng
    number = log.number("shopper")
    first = int(rng.integers(0, log.days - 2))
    days = np.arange(first, first + int(rng.integers(1, 3)))
    dealers = log.popular_accounts(int(rng.integers(5, p["shop_max"])))
    per_day = np.bincount(rng.integers(0, len(days), len(dealers)), minlength=len(days))
    t = _day_times(rng, days, per_day, (9, 21), "human")
    repeat = rng.random(len(t)) < 0.15  # calls one dealer back
    accounts = np.where(repeat, dealers[0], dealers[: len(t)])
    talk, total, lost = _durations(rng, len(t), 0.8, p["shop_talk"], 0.7)
    log.add(number, t, accounts, talk, total, lost)


def _pool_caller(
    log,
    kind,
    pool,
    life_days,
    per_day,
    hours,
    answered,
    talk_median,
    spread,
    weekdays_only=True,
    night=False,
    ring=(5, 25),
):
    rng = log.rng
    number = log.number(kind)
    first = int(rng.integers(0, max(1, log.days - life_days)))
    days = _active_days(log, first, life_days, weekdays_only)
    days = days[rng.random(len(days)) < 0.9]
    counts = rng.poisson(per_day, len(days))
    t = _day_times(rng, days, counts, hours, "human")
    if night:
        late = rng.random(len(t)) < 0.2
        t = np.where(late, (t // DAY) * DAY + rng.uniform(0, 7 * 3600, len(t)), t)
    # Repeat relationships: a stable pool, some accounts far more often than others.
    weights = rng.pareto(1.2, len(pool)) + 0.05
    accounts = rng.choice(pool, len(t), p=weights / weights.sum())
    talk, total, lost = _durations(rng, len(t), answered, talk_median, spread, ring)
    log.add(number, t, accounts, talk, total, lost)


def _courier(log, p):
    pool = log.popular_accounts(int(log.rng.integers(20, p["courier_pool"])))
    _pool_caller(
        log,
        "courier",
        pool,
        life_days=log.days,
        per_day=log.rng.uniform(4, 20),
        hours=(9, 20),
        answered=0.9,
        talk_median=log.rng.uniform(10, 35),
        spread=0.4,
    )


def _partner_desk(log, p):
    pool = log.popular_accounts(int(log.rng.integers(10, 80)))
    _pool_caller(
        log,
        "partner_desk",
        pool,
        life_days=log.days,
        per_day=log.rng.uniform(3, 25),
        hours=(9, 18),
        answered=0.85,
        talk_median=log.rng.uniform(60, 300),
        spread=0.7,
    )


def _dispatcher(log, p):
    pool = log.popular_accounts(int(log.rng.integers(30, p["dispatch_pool"])))
    _pool_caller(
        log,
        "dispatcher",
        pool,
        life_days=log.days,
        per_day=log.rng.uniform(10, 40),
        hours=(7, 23),
        answered=0.92,
        talk_median=log.rng.uniform(15, 60),
        spread=0.5,
        weekdays_only=False,
        night=True,
    )


def _callback_centre(log, p):
    rng = log.rng
    number = log.number("callback_centre")
    asked = log.popular_accounts(int(rng.integers(100, p["callback_pool"])))
    # Each account that asked is called back one to four times over the following days.
    times = rng.integers(1, 5, len(asked))
    first = rng.integers(0, log.days - 7, len(asked))
    day = np.repeat(first, times) + np.concatenate([np.sort(rng.integers(0, 7, k)) for k in times])
    accounts = np.repeat(asked, times)
    t = day * DAY + rng.uniform(9, 19, len(day)) * 3600
    talk, total, lost = _durations(rng, len(t), 0.75, rng.uniform(60, 240), 0.7)
    log.add(number, t.astype(float), accounts, talk, total, lost)


def _mixed_format(log, p):
    rng = log.rng
    number = log.number("mixed_format")
    shops = log.popular_accounts(int(rng.integers(2, 9)))
    n = int(rng.integers(8, 60))
    t = np.sort(rng.uniform(0, log.days * DAY, n))
    talk, total, lost = _durations(rng, n, 0.8, 90, 0.9)
    log.add(number, t, rng.choice(shops, n), talk, total, lost)


def _follow_up(log, p):
    rng = log.rng
    number = log.number("follow_up")
    deal = log.popular_accounts(int(rng.integers(2, 13)))
    life = int(rng.integers(10, 60))
    days = _active_days(log, int(rng.integers(0, log.days - 10)), life, True)
    per_day = rng.poisson(rng.uniform(1, p["follow_max"]), len(days))
    t = _day_times(rng, days, per_day, (9, 19), "human")
    talk, total, lost = _durations(rng, len(t), p["follow_answer"], rng.uniform(20, 120), 0.8)
    log.add(number, t, rng.choice(deal, len(t)), talk, total, lost)


def _route_desk(log, p):
    pool = log.popular_accounts(int(log.rng.integers(40, p["route_pool"])))
    _pool_caller(
        log,
        "route_desk",
        pool,
        life_days=log.days,
        per_day=log.rng.uniform(20, p["route_per_day"]),
        hours=(8, 20),
        answered=log.rng.uniform(p["route_answer"], 0.95),
        talk_median=log.rng.uniform(5, 30),
        spread=0.5,
        ring=(2, 15),
    )


_SPAM = {
    "robocaller": _robocaller,
    "rotation": _rotation,
    "one_day": _one_day,
    "telemarketer": _telemarketer,
    "wangiri": _wangiri,
    "mimic": _mimic,
    "redialer": _redialer,
}
_LEGIT = {
    "shopper": _shopper,
    "courier": _courier,
    "partner_desk": _partner_desk,
    "dispatcher": _dispatcher,
    "callback_centre": _callback_centre,
    "mixed_format": _mixed_format,
    "follow_up": _follow_up,
    "route_desk": _route_desk,
}


def world_params(rng: np.random.Generator) -> dict[str, float]:
    """Each world's own behaviour: ranges drawn per world, so worlds differ in more than seed."""
    u = rng.uniform
    return {
        "robo_life": int(u(15, 90)),
        "robo_min": int(u(15, 40)),
        "robo_max": int(u(80, 300)),
        "robo_answer": u(0.1, 0.5),
        "rot_min": int(u(15, 30)),
        "rot_max": int(u(40, 150)),
        "rot_answer": u(0.2, 0.6),
        "rot_talk": u(5, 30),
        "oneday_min": int(u(25, 40)),
        "oneday_max": int(u(60, 300)),
        "oneday_answer": u(0.3, 0.7),
        "oneday_talk": u(8, 40),
        "tele_min": int(u(8, 15)),
        "tele_max": int(u(25, 60)),
        "tele_answer": u(0.5, 0.85),
        "tele_talk": u(15, 60),
        "wan_min": int(u(30, 80)),
        "wan_max": int(u(100, 600)),
        "mimic_min": int(u(6, 12)),
        "mimic_max": int(u(20, 45)),
        "mimic_answer": u(0.6, 0.85),
        "mimic_talk": u(50, 120),
        "ord_p": u(0.25, 0.5),
        "shop_max": int(u(10, 20)),
        "shop_talk": u(40, 180),
        "courier_pool": int(u(60, 250)),
        "dispatch_pool": int(u(80, 300)),
        "callback_pool": int(u(300, 900)),
        "redial_list_min": int(u(20, 80)),
        "redial_list_max": int(u(150, 600)),
        "redial_life": int(u(30, 150)),
        "redial_min": int(u(20, 60)),
        "redial_max": int(u(80, 300)),
        "redial_steady": u(0.3, 0.9),
        "redial_answer": u(0.1, 0.6),
        "follow_max": u(2, 8),
        "follow_answer": u(0.4, 0.8),
        "route_pool": int(u(80, 300)),
        "route_per_day": u(40, 150),
        "route_answer": u(0.45, 0.8),
    }


def _written(rng: np.random.Generator, numbers: np.ndarray, share: float) -> np.ndarray:
    """Numbers as strings, ``share`` of them in another notation (+7, 8, spaces, brackets)."""
    text = numbers.astype(str).astype(object)
    messy = np.flatnonzero(rng.random(len(numbers)) < share)
    styles = rng.integers(0, 5, len(messy))
    for i, style in zip(messy, styles, strict=True):
        d = text[i]
        text[i] = (
            f"+{d}",
            f"8{d[1:]}",
            f"+7 ({d[1:4]}) {d[4:7]}-{d[7:9]}-{d[9:]}",
            f"8 {d[1:4]} {d[4:7]} {d[7:9]} {d[9:]}",
            f"8({d[1:4]}){d[4:]}",
        )[style]
    return text


def generate_world(
    seed: int,
    *,
    accounts: int = 20_000,
    ordinary: int = 60_000,
    legit_per_kind: tuple[int, int] = (200, 700),
    spam_per_kind: tuple[int, int] = (40, 250),
    end: dt.date = END,
    days: int = DAYS,
    scale: float = 1.0,
    overrides: dict[str, float] | None = None,
) -> World:
    """One world: its mixture (numbers per kind) and parameters drawn from ``seed``.

    ``scale`` shrinks every count (tests use small worlds); ``overrides`` pins parameters (the
    stress worlds put them at the ends of their ranges).
    """
    rng = np.random.default_rng(seed)
    params = world_params(rng) | (overrides or {})
    mixture = {"ordinary": max(1, int(ordinary * scale))}
    for kind in _LEGIT:
        mixture[kind] = max(3, int(rng.integers(*legit_per_kind) * scale))
    for kind in _SPAM:
        mixture[kind] = max(3, int(rng.integers(*spam_per_kind) * scale))
    log = _Log(rng, accounts, end - dt.timedelta(days=days - 1), days)
    _ordinary(log, mixture["ordinary"], params)
    order = [k for k in list(_LEGIT) + list(_SPAM) for _ in range(mixture[k])]
    for kind in rng.permutation(np.array(order, dtype=object)):
        (_SPAM.get(kind) or _LEGIT[kind])(log, params)
    caller, seconds, account, talk, total, lost = (
        np.concatenate(c) for c in zip(*log.parts, strict=True)
    )
    order = np.argsort(seconds, kind="stable")
    caller, seconds, account = caller[order], seconds[order], account[order]
    talk, total, lost = talk[order], total[order], lost[order]
    share = np.where(np.isin(caller, [n for n, k in log.truth if k == "mixed_format"]), 0.8, 0.01)
    text = caller.astype(str).astype(object)
    messy = rng.random(len(caller)) < share
    text[messy] = _written(rng, caller[messy], 1.0)
    start_time = log.origin + seconds.astype("timedelta64[s]")
    calls = pa.table(
        {
            "start_time": pa.array(start_time.astype("datetime64[us]")),
            "contact_phone_number": pa.array(text, pa.string()),
            "account_id": pa.array(account.astype(np.int64)),
            "virtual_phone_number": pa.array(
                (74950000000 + account * 4 + (seconds.astype(np.int64) % 3)).astype(str)
            ),
            "talk_duration": pa.array(talk.astype(np.int64)),
            "total_duration": pa.array(total.astype(np.int64)),
            "is_lost": pa.array(lost.astype(bool)),
        }
    )
    truth = pd.DataFrame(log.truth, columns=["number", "kind"])
    truth = truth[truth["number"].isin(np.unique(caller))].reset_index(drop=True)
    truth["number"] = truth["number"].astype(str)
    truth["is_spam"] = truth["kind"].isin(SPAM_KINDS)
    return World(seed, calls, truth, mixture, params)


# -- judging ----------------------------------------------------------------------------------
def world_features(world: World, as_of: dt.date = END, window_days: int = DAYS):
    """The window features of every scorable caller of the world (the nightly path: rows
    checked, rolled up per caller and day, merged over the window) and the callers seen."""
    import duckdb

    from antispam.rollup import daily_rollup
    from antispam.validate import check_calls
    from antispam.window import window_features

    checked = check_calls(
        world.calls, not_after=dt.datetime.combine(as_of, dt.time.max), source=f"world {world.seed}"
    )
    with duckdb.connect() as con:
        con.execute("SET threads = 2")
        rollups = daily_rollup(checked.accepted, con, by_date=True)
        con.register("_rollups", rollups)
        features = window_features(con, "_rollups", as_of, window_days)
        seen = con.execute("SELECT count(DISTINCT caller) FROM _rollups").fetchone()[0]
    return features, int(seen)


def per_kind(truth: pd.DataFrame, flagged_numbers: set[str]) -> pd.DataFrame:
    """Per kind: numbers, flagged, share. Numbers never scored count as not flagged."""
    flagged = truth["number"].isin(flagged_numbers)
    table = (
        truth.assign(flagged=flagged)
        .groupby("kind", sort=False)
        .agg(numbers=("number", "size"), flagged=("flagged", "sum"), spam=("is_spam", "first"))
    )
    table["share"] = table["flagged"] / table["numbers"]
    order = [k for k in (*SPAM_KINDS, *LEGIT_KINDS) if k in table.index]
    return table.loc[order]

"""The default scorer: behavioural evidence over the window features, no labels needed.

A spammer reaches many accounts it never called before, at a pace of many new accounts per
working day, and its calls are short, unanswered, one ring long or clockwork-regular; ordinary
heavy callers (couriers, partner desks, dispatchers, call centres calling back) reach many
accounts too, but the same ones again and again, and they talk. The score adds, in fixed units:

- mass reach: ``2 · R^0.6 · V^0.4`` with ``R = ln(1 + new accounts)`` and ``V = ln(1 + new
  accounts per active day)``; "new accounts" are the distinct accounts less the share of
  contacts that went to an account already called on an earlier day (``repeat_day_share``).
  The product needs both: a shopper calls a dozen dealers in one day (high V, low R), a call
  centre calls back hundreds of accounts over months (high R, low V). Or, when larger,
  persistent dialling: ``2 · ln(1 + accounts a day) · ln(1 + active days)^0.3 · M``, with
  M the machine-like part below: an auto-dialer working the same list of accounts every day
  reaches few new ones, but it calls many accounts a day, for weeks, like a machine; a route
  desk or a dispatcher calls many accounts a day too, but talks and answers like people.
  A dialer leaving a recorded message on most calls at a human pace is only half a machine by
  M, but it works its list evenly while people favour some contacts: when its daily reach is
  close to what even draws from its window's accounts give (``list_evenness`` ≥ 0.75, full at
  1), M is raised to ``min(1, 1.2 · √(M · listed))``;
- short conversations: ``2 · (1 - ln(1 + median duration) / ln 300)`` (0 at five minutes);
- the strongest of: share under 10 s, one-ring share, unanswered share beyond 30 %, and
  clockwork pace (coefficient of variation of the gaps under 0.5).

**Threshold.** ``threshold_`` is the larger of the evidence level ``min_score`` and the
platform's own tail: the scored callers well below that level (under ``reference_below``) are
the reference of ordinary behaviour; an exponential tail fitted to its top decile
(peaks over threshold, truncated at the reference limit) is extrapolated to where at most
``max_legit_flag_rate`` of the window's callers (scored or not) would lie above it. Callers above the reference limit never
enter the fit, so the share of spam on the platform, however large, does not move it; on a
platform whose ordinary callers are busier the tail is heavier and the threshold rises.

Labels are optional (``fit(X, y)`` with 1 spam, 0 legitimate, -1 unknown): legitimate numbers
that score above the evidence level raise it just above them; labelled spam (at least
``min_labelled_spam`` numbers) scoring under it lowers it to just under the labelled spam's
5th percentile, never below the platform's tail fence (or the reference limit when the tail
cannot be fitted) nor below a legitimate label, so unlabelled numbers behaving like the
labelled spam are found too. The report counts the labelled spam found. Reasons are in the cabinet's words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

VERSION = "behaviour-3"
# The persistent-dialling form and weight were chosen on the tuning worlds 1-2 for the widest
# margin between re-dialling robocallers and route desks (see docs/antispam.md).
PERSISTENT_WEIGHT = 2.0
# Working down a list (daily reach at least this share of what even draws from the window's
# accounts give, full at 1) lifts the machine-like part of persistent dialling: a dialer
# leaving a recorded message on most calls at a human pace looks half like a machine, but its
# list is worked evenly; people favour some contacts. Chosen on the tuning worlds 1, 2, 11 and
# the stress world 21 (route desks do not move; see docs/antispam.md).
LIST_FROM = 0.75
LIST_WEIGHT = 1.2
NEEDED = (
    "distinct_accounts",
    "repeat_day_share",
    "active_days",
    "median_duration",
    "short_share",
    "one_ring_share",
    "answered_share",
    "gap_cv",
    "calls",
    "lifetime_days",
    "calls_per_active_day",
)


class BehaviourScorer(ClassifierMixin, BaseEstimator):
    def __init__(
        self,
        min_score: float = 7.0,
        reference_below: float = 6.0,
        max_legit_flag_rate: float = 0.001,
        tail_quantile: float = 0.9,
        min_labelled_spam: int = 5,
    ):
        self.min_score = min_score
        self.reference_below = reference_below
        self.max_legit_flag_rate = max_legit_flag_rate
        self.tail_quantile = tail_quantile
        self.min_labelled_spam = min_labelled_spam

    version = VERSION

    # -- evidence ------------------------------------------------------------------------------
    @staticmethod
    def parts(X: pd.DataFrame) -> pd.DataFrame:
        """The score's three parts per row (mass reach, short talk, machine-like calling)."""
        missing = [c for c in NEEDED if c not in X.columns]
        if missing:
            raise KeyError(f"missing features: {missing}")
        repeat = np.nan_to_num(X["repeat_day_share"].to_numpy(dtype=np.float64))
        distinct = X["distinct_accounts"].to_numpy(dtype=np.float64)
        new = distinct * (1 - repeat)
        days = np.maximum(X["active_days"].to_numpy(dtype=np.float64), 1.0)
        reach_total, reach_pace = np.log1p(new), np.log1p(new / days)
        # accounts reached per active day, new or not (the daily counts summed over the days)
        daily = distinct / np.maximum(1 - repeat, 1e-9) / days
        duration = X["median_duration"].to_numpy(dtype=np.float64)
        short_talk = 1 - np.clip(np.log1p(np.nan_to_num(duration)) / math.log(300), 0, 1)
        gap_cv = np.nan_to_num(X["gap_cv"].to_numpy(dtype=np.float64), nan=1.0)
        machine = np.max(
            np.column_stack(
                [
                    X["short_share"].to_numpy(dtype=np.float64),
                    X["one_ring_share"].to_numpy(dtype=np.float64),
                    np.clip(_unanswered(X["answered_share"].to_numpy(dtype=np.float64)), 0, 1),
                    np.clip(_clockwork(gap_cv), 0, 1),
                ]
            ),
            axis=1,
        )
        machine = np.nan_to_num(machine)
        even = list_evenness(distinct, daily, X["calls_per_active_day"].to_numpy(np.float64))
        mass = 2 * reach_total**0.6 * reach_pace**0.4
        listed = np.clip((even - LIST_FROM) / (1 - LIST_FROM), 0, 1)
        dialling = np.maximum(machine, np.minimum(1.0, LIST_WEIGHT * np.sqrt(machine * listed)))
        persistent = PERSISTENT_WEIGHT * np.log1p(daily) * np.log1p(days) ** 0.3 * dialling
        return pd.DataFrame(
            {
                "reach": np.maximum(mass, persistent),
                "short_talk": 2 * short_talk,
                "machine": machine,
                "new_accounts": new,
                "daily_accounts": daily,
                "persistent": persistent > mass,
                "evenness": even,
                "listed": dialling > machine,
            },
            index=X.index,
        )

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        if len(X) == 0:
            return np.empty(0)
        p = self.parts(X)
        return (p["reach"] + p["short_talk"] + p["machine"]).to_numpy()

    # -- threshold -----------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y=None, callers_seen: int | None = None) -> BehaviourScorer:
        """``callers_seen``: every caller of the window, scored or not (the share is of them);
        by default only the rows of ``X``."""
        scores = self.decision_function(X)
        population = max(len(X), callers_seen or 0)
        fence, self.calibration_ = _tail_fence(
            scores, population, self.reference_below, self.tail_quantile, self.max_legit_flag_rate
        )
        threshold = max(self.min_score, fence)
        if y is not None:
            y = np.asarray(y, dtype=int)
            legit, spam = scores[y == 0], scores[y == 1]
            top_legit = float(legit.max()) if len(legit) else -math.inf
            # Labelled spam scoring under the evidence level lowers it to just under them, never
            # below the platform's own tail fence (the 0.1 % bound) nor any legitimate label.
            floor = max(fence if math.isfinite(fence) else self.reference_below, top_legit)
            if len(spam) >= self.min_labelled_spam:
                lowest = float(np.quantile(spam, 0.05, method="lower"))
                threshold = min(threshold, max(floor, float(np.nextafter(lowest, -np.inf))))
            if top_legit >= threshold:
                threshold = float(np.nextafter(top_legit, np.inf))
            self.calibration_["labelled_legit"] = len(legit)
            self.calibration_["labelled_spam"] = len(spam)
            self.calibration_["labelled_spam_found"] = int((spam > threshold).sum())
        self.calibration_.update(min_score=self.min_score, threshold=threshold)
        self.threshold_ = float(threshold)
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > self._threshold()).astype(int)

    def _threshold(self) -> float:
        return getattr(self, "threshold_", self.min_score)

    # -- reasons -------------------------------------------------------------------------------
    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[list[str]]:
        X = X.reset_index(drop=True)
        p = self.parts(X).reset_index(drop=True)
        out = []
        for row in range(len(X)):
            f, q = X.iloc[row], p.iloc[row]
            why = []
            ranked = sorted(
                [("reach", q["reach"]), ("short_talk", q["short_talk"]), ("machine", q["machine"])],
                key=lambda item: -item[1],
            )
            for name, value in ranked:
                if value <= 0:
                    continue
                why.append(_words(name, f, q))
            out.append([w for w in why if w][:top])
        return out


def list_evenness(distinct: np.ndarray, daily: np.ndarray, calls_a_day: np.ndarray) -> np.ndarray:
    """Daily reach against what even draws from the window's accounts would give (~1 or more
    for a dialer working a list; under 1 for people).

    ``c`` calls a day, each to an account drawn evenly from the ``D`` accounts the caller
    reached in the window, reach ``D·(1 - e^(-c/D))`` accounts a day. A dialer working its
    list comes close to that; people call a few of their contacts far more often than the
    rest, so they reach fewer accounts a day than their calls and their window's accounts
    would allow."""
    distinct = np.maximum(np.asarray(distinct, np.float64), 1.0)
    calls = np.nan_to_num(np.asarray(calls_a_day, np.float64))
    even = distinct * -np.expm1(-calls / distinct)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.asarray(daily, np.float64) / np.maximum(even, 1e-9))


def _unanswered(answered_share):
    """Unanswered calls beyond 30 %, full at none answered."""
    return (1 - answered_share - 0.3) / 0.7


def _clockwork(gap_cv):
    """Gaps more even than a coefficient of variation of 0.5, full at a fixed pace."""
    return (0.5 - gap_cv) / 0.5


def _words(part: str, f: pd.Series, q: pd.Series) -> str | None:
    if part == "reach" and q["persistent"]:
        return (
            f"Звонки разным клиентам / calls to many different clients: "
            f"{q['daily_accounts']:.0f} accounts a day over {f['active_days']:.0f} active days, "
            f"the same ones again and again ({f['repeat_day_share']:.0%} of contacts to an account "
            "already called on an earlier day)"
            + (
                f"; обзвон по списку / works down a list: {min(q['evenness'], 1):.0%} of the accounts "
                "a day that calling its accounts at random would reach"
                if q["listed"]
                else ""
            )
        )
    if part == "reach":
        return (
            f"Звонки разным клиентам / calls to many different clients: {f['distinct_accounts']:.0f}"
            f" accounts, {q['new_accounts']:.0f} of them called for the first time, "
            f"{q['new_accounts'] / max(f['active_days'], 1):.0f} new a day over "
            f"{f['active_days']:.0f} active days"
        )
    if part == "short_talk":
        return (
            f"Короткие звонки / short calls: half last under {f['median_duration']:.0f} s, "
            f"{f['short_share']:.0%} under 10 s"
        )
    signals = {
        "one_ring": (
            f["one_ring_share"],
            f"один гудок / one ring and gone: {f['one_ring_share']:.0%}",
        ),
        "unanswered": (
            _unanswered(f["answered_share"]),
            f"без ответа / unanswered: {1 - f['answered_share']:.0%} of calls",
        ),
        "short": (f["short_share"], f"сброс / under 10 s: {f['short_share']:.0%} of calls"),
        "clockwork": (
            _clockwork(1.0 if pd.isna(f["gap_cv"]) else f["gap_cv"]),
            f"автодозвон / calls at a machine's even pace (gap variation {f['gap_cv']:.2f})",
        ),
    }
    _, (value, text) = max(signals.items(), key=lambda item: item[1][0])
    return text if value > 0 else None


def _tail_fence(
    scores: np.ndarray, population: int, below: float, quantile: float, rate: float
) -> tuple[float, dict]:
    """Where an exponential tail fitted to the reference's top part leaves ``rate`` of the
    ``population`` (the window's callers) above it."""
    reference = np.sort(scores[scores < below])
    report: dict[str, float | str] = {
        "callers": population,
        "reference": len(reference),
        "reference_below": below,
    }
    if len(reference) < 100:
        report["tail"] = "too few reference callers for a tail fit: evidence level only"
        return -math.inf, report
    u = float(np.quantile(reference, quantile))
    excess = reference[reference > u] - u
    if len(excess) < 10 or excess.mean() <= 0:
        report["tail"] = "reference tail too thin to fit"
        return -math.inf, report
    lam = _truncated_exponential_rate(excess, below - u)
    share_over_u = len(excess) / population
    fence = u + math.log(share_over_u / rate) / lam
    report.update(tail_start=u, tail_rate=lam, tail_share=share_over_u, fence=fence)
    return float(fence), report


def _truncated_exponential_rate(excess: np.ndarray, limit: float) -> float:
    """MLE of an exponential rate from values observed only below ``limit``: solves
    mean = 1/lam - limit / (exp(lam·limit) - 1) by bisection (the mean falls with lam)."""
    mean = float(excess.mean())
    if mean >= limit / 2:  # flat or rising density: no decay to extrapolate, be cautious
        return 1.0 / mean

    def truncated_mean(lam: float) -> float:
        return 1 / lam - limit / math.expm1(lam * limit)

    lo, hi = 1e-6, 1e3
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if truncated_mean(mid) > mean:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def fitted_default(
    features: pd.DataFrame, callers_seen: int | None = None, labels: pd.DataFrame | None = None
) -> BehaviourScorer:
    """The behaviour scorer with its threshold set from this window's callers; ``labels``
    (caller, label 1/0), when an installation has any, lift it over legitimate-labelled
    numbers."""
    y = None
    if labels is not None and len(labels) and len(features):
        known = labels.drop_duplicates("caller").set_index("caller")["label"]
        y = features["caller"].map(known).fillna(-1).astype(int).to_numpy()
    return BehaviourScorer().fit(features, y, callers_seen=callers_seen)

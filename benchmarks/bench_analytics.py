"""Attribution benchmark: exact Markov (order 1) and Shapley against ChannelAttribution.

Generates journeys over 12 channels in ChannelAttribution's layout (1,000,000 paths by
default, 20,000 with ``--quick``), then times each model from the DataFrame to the credits,
parsing included, and records the peak memory it added. The baseline is
ChannelAttribution's ``markov_model`` on the same DataFrame in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import threading
import time

import numpy as np
import pandas as pd
import psutil

from analytics.attribution import Markov, PathTable, Shapley

CHANNELS = [
    "search", "display", "social", "email", "direct", "referral",
    "affiliate", "video", "organic", "push", "sms", "partner",
]  # fmt: skip


def journeys(n_paths: int, seed: int = 0) -> pd.DataFrame:
    """Paths whose channels follow a sticky random walk; later channels convert better."""
    rng = np.random.default_rng(seed)
    n = len(CHANNELS)
    popularity = rng.dirichlet(np.full(n, 0.8))
    lift = rng.uniform(0.2, 1.5, n)
    lengths = np.minimum(rng.geometric(0.3, n_paths), 25)
    total = int(lengths.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    fresh = rng.choice(n, size=total, p=popularity)
    stay = rng.random(total) < 0.35
    stay[starts] = False
    codes = fresh.copy()
    for i in np.flatnonzero(stay):  # a sticky channel repeats the previous touch
        codes[i] = codes[i - 1]
    names = np.asarray(CHANNELS, dtype=object)[codes]
    paths = [" > ".join(names[a : a + k]) for a, k in zip(starts, lengths, strict=True)]
    owner = np.repeat(np.arange(n_paths), lengths)
    score = np.bincount(owner, weights=lift[codes], minlength=n_paths) / lengths
    journeys_per_path = rng.integers(1, 20, n_paths)
    rate = np.clip(0.05 * score, 0, 0.5)
    conversions = rng.binomial(journeys_per_path, rate)
    value = conversions * rng.gamma(2.0, 1500.0, n_paths)
    return pd.DataFrame(
        {
            "path": paths,
            "total_conversions": conversions,
            "total_conversion_value": value.round(2),
            "total_null": journeys_per_path - conversions,
        }
    )


def measure(func):
    """(seconds, peak resident memory added while it ran in MB, result)."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    running = True

    def sample():
        nonlocal peak
        while running:
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        result = func()
    finally:
        elapsed = time.perf_counter() - started
        running = False
        sampler.join()
    peak = max(peak, process.memory_info().rss)
    return elapsed, (peak - baseline) / 2**20, result


def measure_apart(func):
    """``measure`` in a forked child, so every contender starts from the same memory state."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child():
        try:
            send.send(measure(func))
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises it
            send.send(error)

    process = context.Process(target=child)
    process.start()
    outcome = receive.recv()
    process.join()
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def ours_markov(data: pd.DataFrame) -> pd.DataFrame:
    return Markov(order=1).fit(PathTable.from_frame(data)).credits_


def ours_shapley(data: pd.DataFrame) -> pd.DataFrame:
    return Shapley().fit(PathTable.from_frame(data)).credits_


def channelattribution_markov(data: pd.DataFrame):
    with contextlib.redirect_stdout(io.StringIO()):
        import matplotlib

        matplotlib.use("Agg")
        from ChannelAttribution import markov_model

        return markov_model(
            data,
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            order=1,
            verbose=False,
            flg_pro=False,
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 paths (smoke test)")
    parser.add_argument("--paths", type=int, default=None, help="number of paths")
    args = parser.parse_args(argv)
    n_paths = args.paths or (20_000 if args.quick else 1_000_000)

    data = journeys(n_paths)
    touches = int(data["path"].str.count(">").sum() + len(data))
    print(f"attribution: {n_paths:,} paths, {touches:,} touches, {len(CHANNELS)} channels")

    # imports and lazy initialisation happen here, outside the measured children
    sample = data.head(200)
    ours_markov(sample), ours_shapley(sample)
    with contextlib.suppress(ImportError):
        channelattribution_markov(sample)

    markov_s, markov_mb, markov = measure_apart(lambda: ours_markov(data))
    shapley_s, shapley_mb, shapley = measure_apart(lambda: ours_shapley(data))
    figures = {
        "paths": n_paths,
        "markov_exact_seconds": round(markov_s, 3),
        "markov_exact_peak_mb": round(markov_mb, 1),
        "shapley_exact_seconds": round(shapley_s, 3),
        "shapley_exact_peak_mb": round(shapley_mb, 1),
    }
    for name, frame in (("markov", markov), ("shapley", shapley)):
        total = frame["total_conversions"].sum()
        figures[f"{name}_credit_gap_to_total"] = float(abs(total - data["total_conversions"].sum()))

    try:
        ca_s, ca_mb, reference = measure_apart(lambda: channelattribution_markov(data))
    except ImportError as error:
        print(f"  ChannelAttribution is not installed ({error}); no baseline")
        ca_s = ca_mb = None
    else:
        figures["channelattribution_markov_seconds"] = round(ca_s, 3)
        figures["channelattribution_markov_peak_mb"] = round(ca_mb, 1)
        joined = markov.merge(reference, on="channel_name", suffixes=("", "_ca"))
        gap = (joined["total_conversions"] - joined["total_conversions_ca"]).abs().sum()
        figures["markov_share_gap_to_channelattribution"] = round(
            float(gap / joined["total_conversions"].sum()), 4
        )
        figures["markov_speedup"] = round(ca_s / markov_s, 2)

    def line(label, seconds, mb, note=""):
        print(f"  {label:<44} {seconds:9.3f} s {mb:9.1f} MB  {note}")

    line("Markov order 1, exact (callscope)", markov_s, markov_mb)
    line("Shapley, exact over 2^12 coalitions (callscope)", shapley_s, shapley_mb)
    if ca_s is not None:
        line("markov_model, simulated (ChannelAttribution)", ca_s, ca_mb, "baseline")
        print(
            f"  Markov speed-up over the baseline: {figures['markov_speedup']}x; "
            f"conversions moved between channels by the simulation: "
            f"{100 * figures['markov_share_gap_to_channelattribution']:.2f}%"
        )
    return figures


if __name__ == "__main__":
    main()

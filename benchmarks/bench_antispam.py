"""Antispam: quality on the demo generator's ground truth, and the cost of the nightly scoring
of a 6-month window at 10M, 50M and 100M calls beside a plain pandas groupby over the raw calls.

Quality: a 6-month log with planted robocallers, bursty callers and legitimate high-volume
callers; the model is trained on the accounts' feedback (lists and marks) and judged on every
number of the ground truth. The baseline is the hand-set criteria scorecard.

Scale: each window is generated once under ``benchmarks/.data/antispam`` and rolled up day by
day (the daily asset's work, reported per day). The 100M window is the 50M one twice, the copy
on other numbers (see ``_doubled``), to keep the one-off data build within reach of a shared
2-core machine. The nightly scoring then reads only the rollups, twice in the same run: summing
the daily rollups only (before), then with the closed months read from the monthly tier (after,
the tier built in a step of its own, once per month in production); both must give the same
verdicts. Each measured step runs in its own process, so its peak memory (max RSS) and CPU time
are its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).parent / ".data" / "antispam"
END = dt.date(2026, 6, 30)
WINDOW_DAYS = 183
START = END - dt.timedelta(days=WINDOW_DAYS - 1)
ACCOUNTS = list(range(1, 51))
PANDAS_MAX_ROWS = 20_000_000  # beyond this the raw window does not fit pandas in 8 GiB


def _dataset(name: str, calls: int, days: int = WINDOW_DAYS) -> Path:
    """Generates (once) a window of ``calls`` calls and its daily rollups; returns its root."""
    from antispam import nightly
    from data.demo.incoming_calls import generate_incoming_calls
    from data.warehouse import Warehouse

    root = DATA / name
    marker = root / "ready.json"
    if marker.exists():
        return root
    start = END - dt.timedelta(days=days - 1)
    started = time.perf_counter()
    truth = generate_incoming_calls(
        root / "warehouse" / "incoming_calls",
        start,
        END,
        ACCOUNTS,
        calls_per_day=max(1, calls // days),
        seed=2026,
        truth_path=root / "spam_numbers.csv",
    )
    generated = time.perf_counter() - started
    warehouse = Warehouse(root / "warehouse")
    started = time.perf_counter()
    for i in range(days):
        nightly.build_rollup(warehouse, start + dt.timedelta(days=i))
    rollups = time.perf_counter() - started
    marker.write_text(
        json.dumps(
            {
                "calls": truth.rows,
                "days": days,
                "generate_seconds": generated,
                "rollup_seconds": rollups,
                "planted_bad": truth.planted_bad,
            }
        )
    )
    return root


def _doubled(source: Path, name: str) -> Path:
    """A window twice the size of ``source``: its rollups plus a copy whose callers are moved
    from +7 9xx to +7 7xx numbers, i.e. a second platform of the same size and make-up. The
    scoring cost depends on rollup rows and distinct callers, and both double."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from antispam.rollup import ROLLUP_TABLE
    from data.warehouse import Warehouse

    root = DATA / name
    marker = root / "ready.json"
    if marker.exists():
        return root
    meta = json.loads((source / "ready.json").read_text())
    origin, target = Warehouse(source / "warehouse"), Warehouse(root / "warehouse")
    for day in origin.partitions(ROLLUP_TABLE):
        table = pq.read_table(origin.partition_path(ROLLUP_TABLE, day))
        moved = table.set_column(0, "caller", pc.subtract(table["caller"], 2_000_000_000))
        target.write_partition(ROLLUP_TABLE, day, pa.concat_tables([table, moved]))
    marker.write_text(json.dumps({**meta, "calls": 2 * meta["calls"], "doubled_from": source.name}))
    return root


# -- steps run in their own process ----------------------------------------------------------
def _step_score(root: str, model_dir: str, tier: str) -> dict:
    """The nightly scoring; ``tier`` "daily" sums the daily rollups only (the former way),
    "monthly" reads the closed months from the monthly tier (built beforehand by ``months``)."""
    from antispam import nightly
    from antispam.training import load_current
    from data.warehouse import Warehouse

    model, version = load_current(Path(model_dir))
    started = time.perf_counter()
    result = nightly.score_window(
        Warehouse(Path(root) / "warehouse"),
        END,
        model,
        version,
        WINDOW_DAYS,
        write=True,
        memory_limit="6GB",
        monthly=tier == "monthly",
    )
    verdicts = result.verdicts
    return {
        "seconds": time.perf_counter() - started,
        "rollup_rows": result.rollup_rows,
        "monthly_rows": result.monthly_rows,
        "months": len(result.months),
        "scored": result.scored,
        "flagged": result.flagged,
        # A digest of every verdict and feature: both ways must give the same.
        "digest": hashlib.sha256(pd_hash(verdicts.drop(columns=["model_version"]))).hexdigest(),
    }


def pd_hash(frame) -> bytes:
    import pandas as pd

    return pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()


def _step_months(root: str) -> dict:
    """Builds the monthly tier of the window's closed months (done once when a month closes)."""
    import duckdb

    from antispam import tiers
    from antispam.window import complete_months, window_bounds
    from data.warehouse import Warehouse

    warehouse = Warehouse(Path(root) / "warehouse")
    months = complete_months(*window_bounds(END, WINDOW_DAYS))
    started = time.perf_counter()
    with duckdb.connect() as con:
        tiers.configure(con, "6GB")
        rows = sum(tiers.build_month(warehouse, m, con) for m in months)
    return {"seconds": time.perf_counter() - started, "months": len(months), "rows": rows}


def _step_pandas(root: str) -> dict:
    """The same per-caller figures from the raw window with a plain pandas groupby."""
    import pandas as pd

    started = time.perf_counter()
    calls = pd.read_parquet(Path(root) / "warehouse" / "incoming_calls")
    calls = calls.dropna(subset=["talk_duration", "total_duration"])
    calls["short"] = calls["total_duration"] < 10
    calls["answered"] = ~calls["is_lost"]
    hour = calls["start_time"].dt.hour
    calls["night"] = (hour >= 22) | (hour < 8)
    calls["day"] = calls["start_time"].dt.floor("D")
    calls["hour"] = calls["start_time"].dt.floor("h")
    grouped = calls.groupby("contact_phone_number")
    features = grouped.agg(
        calls=("start_time", "size"),
        accounts=("account_id", "nunique"),
        virtual_numbers=("virtual_phone_number", "nunique"),
        median_duration=("total_duration", "median"),
        short_share=("short", "mean"),
        answered_share=("answered", "mean"),
        night_share=("night", "mean"),
        first=("day", "min"),
        last=("day", "max"),
        active_days=("day", "nunique"),
    )
    features["max_hour_calls"] = (
        calls.groupby(["contact_phone_number", "hour"]).size().groupby(level=0).max()
    )
    features["max_day_calls"] = (
        calls.groupby(["contact_phone_number", "day"]).size().groupby(level=0).max()
    )
    return {"seconds": time.perf_counter() - started, "callers": len(features)}


def _run_step(*args: str) -> dict:
    """Runs one step in a fresh interpreter; adds its peak memory."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_antispam", "--step", *args, "--out", out],
        cwd=Path(__file__).parent.parent,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"step {args[0]} failed with status {proc.returncode}")
    result = json.loads(Path(out).read_text())
    Path(out).unlink()
    result["peak_gib"] = usage.ru_maxrss / 2**20  # KiB -> GiB
    # CPU time of the whole process (start-up included): on a shared machine the wall time
    # depends on the neighbours, CPU seconds / 2 is what two idle cores would need.
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


# -- quality --------------------------------------------------------------------------------
def quality(calls: int) -> tuple[dict, Path]:
    import duckdb
    import pandas as pd

    from antispam.rollup import ROLLUP_TABLE
    from antispam.rules import CriteriaScorecard
    from antispam.training import label_numbers, save_version, train
    from antispam.window import window_features
    from data.demo.incoming_calls import IncomingCallsTruth, plant_feedback
    from data.warehouse import Warehouse

    root = _dataset(f"quality-{calls}", calls)
    warehouse = Warehouse(root / "warehouse")
    numbers = pd.read_csv(root / "spam_numbers.csv", dtype=str)
    truth = IncomingCallsTruth(path=root / "spam_numbers.csv", numbers=numbers)
    feedback = plant_feedback(truth, ACCOUNTS, START, END, seed=2026)
    labels = label_numbers(feedback.lists, feedback.marks)
    with duckdb.connect() as con:
        features = window_features(con, warehouse.scan(ROLLUP_TABLE), END, WINDOW_DAYS)
    model, report = train(features, labels, seed=0)
    model_dir = root / "models"
    save_version(model, report, model_dir)

    kinds = numbers.set_index("number")["kind"]
    seen = kinds.index.isin(_callers_in_window(warehouse))
    population = kinds[seen]
    figures = {
        "labelled": report["labelled"],
        "held_out": report["held_out"],
        "calibration": report["calibration"],
    }
    for name, scorer in (("model", model), ("criteria_scorecard", CriteriaScorecard())):
        flagged_numbers = set(
            features.loc[scorer.predict(features).astype(bool), "caller"].astype(str)
        )
        flagged = population.index.isin(flagged_numbers)
        spam = population.isin(["robocaller", "bursty"]).to_numpy()
        high_volume = (population == "legit_high_volume").to_numpy()
        scored = population.index.isin(set(features["caller"].astype(str)))
        figures[name] = {
            "legit_numbers": int((~spam).sum()),
            "legit_scored": int((~spam & scored).sum()),
            "legit_flagged": int(flagged[~spam].sum()),
            "legit_flagged_share": float(flagged[~spam].mean()),
            "legit_high_volume": int(high_volume.sum()),
            "legit_high_volume_flagged": int(flagged[high_volume].sum()),
            "spam_numbers": int(spam.sum()),
            "spam_found": int(flagged[spam].sum()),
            "spam_recall": float(flagged[spam].mean()),
        }
    return figures, model_dir


def _callers_in_window(warehouse) -> list[str]:
    import duckdb

    from antispam.rollup import ROLLUP_TABLE

    return [
        str(c)
        for (c,) in duckdb.sql(
            f"SELECT DISTINCT caller FROM {warehouse.scan(ROLLUP_TABLE)}"
        ).fetchall()
    ]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--step")
    parser.add_argument("--out")
    parser.add_argument("args", nargs="*")
    options = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if options.step:
        step = {"score": _step_score, "months": _step_months, "pandas": _step_pandas}[options.step]
        Path(options.out).write_text(json.dumps(step(*options.args)))
        return {}

    quality_calls = 400_000 if options.quick else 9_000_000
    sizes = [200_000, 500_000] if options.quick else [10_000_000, 50_000_000, 100_000_000]
    figures: dict = {}
    started = time.perf_counter()
    figures["quality"], model_dir = quality(quality_calls)
    model = figures["quality"]["model"]
    baseline = figures["quality"]["criteria_scorecard"]
    print(
        f"quality on {quality_calls:,} calls over {WINDOW_DAYS} days "
        f"({time.perf_counter() - started:.0f} s incl. generation)"
    )
    for label, q in (("model", model), ("criteria scorecard (baseline)", baseline)):
        print(
            f"  {label:<30} legit flagged {q['legit_flagged']}/{q['legit_numbers']} "
            f"= {q['legit_flagged_share']:.5%} ({q['legit_scored']:,} scored; high-volume "
            f"{q['legit_high_volume_flagged']}/"
            f"{q['legit_high_volume']}); spam found {q['spam_found']}/{q['spam_numbers']} "
            f"= {q['spam_recall']:.2%}"
        )
    held = figures["quality"]["held_out"]
    print(
        f"  held-out labelled: legit flagged {held['legit_flagged']}/{held['legit']}, "
        f"spam found {held['spam_found']}/{held['spam']}"
    )

    figures["scale"] = {}
    load = os.getloadavg()[0]
    print(f"load average at the start of the scale runs: {load:.1f} on {os.cpu_count()} cores")
    figures["load_average"] = load
    for size in sizes:
        if options.quick or size < 100_000_000:
            root = _dataset(f"scale-{size}", size)
        else:
            root = _doubled(_dataset("scale-50000000", 50_000_000), f"scale-{size}")
        meta = json.loads((root / "ready.json").read_text())
        before = _run_step("score", str(root), str(model_dir), "daily")
        months = _run_step("months", str(root))
        nightly = _run_step("score", str(root), str(model_dir), "monthly")
        if nightly["digest"] != before["digest"]:
            raise AssertionError(f"verdicts differ with the monthly tier at {size:,} calls")
        row = {
            "calls": meta["calls"],
            "rollup_seconds_per_day": meta["rollup_seconds"] / meta["days"],
            "generate_seconds": meta["generate_seconds"],
            "daily_only_seconds": before["seconds"],
            "daily_only_cpu_seconds": before["cpu_seconds"],
            "daily_only_peak_gib": before["peak_gib"],
            "daily_only_rows_scanned": before["rollup_rows"],
            "monthly_build_seconds": months["seconds"],
            "monthly_build_cpu_seconds": months["cpu_seconds"],
            "monthly_build_peak_gib": months["peak_gib"],
            "months": months["months"],
            "nightly_seconds": nightly["seconds"],
            "nightly_peak_gib": nightly["peak_gib"],
            "nightly_cpu_seconds": nightly["cpu_seconds"],
            "rollup_rows_scanned": nightly["rollup_rows"],
            "monthly_rows_scanned": nightly["monthly_rows"],
            "scored": nightly["scored"],
            "flagged": nightly["flagged"],
            "same_verdicts": True,
        }
        if "doubled_from" in meta:
            row["window"] = f"the {meta['doubled_from']} window twice (second copy on +7 7xx)"
            row["rollup_seconds_per_day"] = None
        if meta["calls"] <= PANDAS_MAX_ROWS:
            pandas = _run_step("pandas", str(root))
            row["pandas_seconds"] = pandas["seconds"]
            row["pandas_peak_gib"] = pandas["peak_gib"]
            row["pandas_cpu_seconds"] = pandas["cpu_seconds"]
        else:
            row["pandas_seconds"] = None
            row["pandas_note"] = (
                f"not run: over {PANDAS_MAX_ROWS:,} raw rows exceed 8 GiB in pandas"
            )
        figures["scale"][size] = row
        pandas_text = (
            f"{row['pandas_seconds']:.1f} s ({row['pandas_cpu_seconds']:.0f} CPU s), "
            f"peak {row['pandas_peak_gib']:.2f} GiB"
            if row["pandas_seconds"] is not None
            else row["pandas_note"]
        )
        print(
            f"window of {meta['calls']:,} calls | pandas groupby over raw: {pandas_text}\n"
            f"  nightly, daily rollups only (before): {row['daily_only_seconds']:.1f} s "
            f"({row['daily_only_cpu_seconds']:.0f} CPU s), peak "
            f"{row['daily_only_peak_gib']:.2f} GiB, {row['daily_only_rows_scanned']:,} rows\n"
            f"  nightly, monthly tier + edge days (after): {row['nightly_seconds']:.1f} s "
            f"({row['nightly_cpu_seconds']:.0f} CPU s), peak {row['nightly_peak_gib']:.2f} GiB, "
            f"{row['rollup_rows_scanned']:,} rows ({row['monthly_rows_scanned']:,} monthly), "
            f"{row['scored']:,} scored, {row['flagged']:,} flagged, same verdicts\n"
            f"  monthly tier build, once per closed month: "
            f"{row['monthly_build_seconds'] / row['months']:.1f} s per month "
            f"({row['monthly_build_cpu_seconds'] / row['months']:.0f} CPU s), peak "
            f"{row['monthly_build_peak_gib']:.2f} GiB; daily rollup {_per_day(row)}"
        )
    return figures


def _per_day(row: dict) -> str:
    if row["rollup_seconds_per_day"] is None:
        return row["window"]
    return (
        f"{row['rollup_seconds_per_day']:.2f} s/day (generated straight to Parquet in "
        f"{row['generate_seconds']:.0f} s)"
    )


if __name__ == "__main__":
    main()

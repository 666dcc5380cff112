"""Antispam: quality on the demo generator's ground truth, and the cost of the nightly scoring
of a 6-month window at 10M, 50M and 100M calls beside a plain pandas groupby over the raw calls.

Quality: the 10M-call 6-month log with planted robocallers, bursty callers and legitimate
high-volume callers; the model is trained on the accounts' feedback (lists and marks) and judged
on every number of the ground truth. The baseline is the hand-set criteria scorecard.

Scale: each window is generated once under ``benchmarks/.data/antispam`` (two processes) and
rolled up day by day (the daily asset's work, two days at a time). Then, each step in its own
process, so its peak memory (max RSS) and CPU time are its own:
- the nightly scoring summing the daily rollups only (before);
- the monthly tier of the window's earlier closed months (built on earlier nights);
- the night a month closes: the ``spam_rollup_monthly`` step building June;
- the nightly scoring with the monthly tier ready (after); both must give the same verdicts;
- a plain pandas groupby over the raw window, on the largest window that fits it in 8 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DATA = Path(__file__).parent / ".data" / "antispam"
END = dt.date(2026, 6, 30)
WINDOW_DAYS = 183
START = END - dt.timedelta(days=WINDOW_DAYS - 1)
ACCOUNTS = list(range(1, 51))
PANDAS_MAX_ROWS = 20_000_000  # beyond this the raw window does not fit pandas in 8 GiB
WORKERS = 2
# The generator's calls_per_day is a weekday's volume: weekends are quieter, so a 183-day log
# holds about this share of calls_per_day x days.
VOLUME_SHARE = 0.916


def _dataset(name: str, calls: int, days: int = WINDOW_DAYS) -> Path:
    """Generates (once) a window of about ``calls`` calls and its daily rollups; returns its
    root."""
    from data.demo.incoming_calls import generate_incoming_calls

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
        calls_per_day=max(1, round(calls / days / VOLUME_SHARE)),
        seed=2026,
        truth_path=root / "spam_numbers.csv",
        workers=WORKERS,
    )
    generated = time.perf_counter() - started
    started = time.perf_counter()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(
            pool.map(
                _rollup_day,
                [str(root / "warehouse")] * days,
                [start + dt.timedelta(days=i) for i in range(days)],
            )
        )
    rollups = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    marker.write_text(
        json.dumps(
            {
                "calls": truth.rows,
                "days": days,
                "generate_seconds": generated,
                "rollup_seconds": rollups,
                "rollup_cpu_seconds": usage.ru_utime
                + usage.ru_stime
                - usage_before.ru_utime
                - usage_before.ru_stime,
                "planted_bad": truth.planted_bad,
                "load_average": os.getloadavg()[0],
            }
        )
    )
    return root


def _rollup_day(root: str, day: dt.date) -> None:
    from antispam import nightly
    from data.warehouse import Warehouse

    nightly.build_rollup(Warehouse(root), day)


# -- steps run in their own process ----------------------------------------------------------
def _step_score(root: str, model_dir: str, tier: str) -> dict:
    """The nightly scoring; ``tier`` "daily" sums the daily rollups only (the former way),
    "monthly" reads the closed months from the monthly tier (built beforehand by ``months``)."""
    from antispam import nightly
    from antispam.model import SpamModel
    from data.warehouse import Warehouse

    # "default": no trained model, the label-free scorer with its threshold from the window
    if model_dir == "default":
        model, version = None, None
    else:
        model, version = SpamModel.load(Path(model_dir)), Path(model_dir).name
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


def _step_months(root: str, which: str) -> dict:
    """``earlier``: the tier of the window's closed months before June (built on earlier
    nights); ``close``: the ``spam_rollup_monthly`` step of the night June closes."""
    import duckdb

    from antispam import nightly, tiers
    from antispam.window import complete_months, window_bounds
    from data.warehouse import Warehouse

    warehouse = Warehouse(Path(root) / "warehouse")
    started = time.perf_counter()
    if which == "earlier":
        months = complete_months(*window_bounds(END, WINDOW_DAYS))[:-1]
        with duckdb.connect() as con:
            tiers.configure(con, "6GB")
            built = tiers.ensure_months(warehouse, months, con)
    else:
        built = nightly.build_months(warehouse, [END], WINDOW_DAYS).built
    return {
        "seconds": time.perf_counter() - started,
        "months": len(built),
        "rows": sum(pq_rows(warehouse.partition_path(tiers.MONTHLY_TABLE, m)) for m in built),
    }


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _step_judge(root: str) -> dict:
    """The nightly verdicts of the window against the generator's ground truth: per kind, the
    numbers that called in the window and how many of them were flagged."""
    import duckdb

    from antispam.rollup import ROLLUP_TABLE
    from antispam.scoring import VERDICT_TABLE
    from data.warehouse import Warehouse

    warehouse = Warehouse(Path(root) / "warehouse")
    truth = Path(root) / "spam_numbers.csv"
    with duckdb.connect() as con:
        rows = con.execute(
            f"""
            WITH seen AS (SELECT DISTINCT caller FROM {warehouse.scan(ROLLUP_TABLE)}),
            flagged AS (
                SELECT number::BIGINT AS caller FROM {warehouse.scan(VERDICT_TABLE)}
                WHERE is_spam AND date = DATE '{END}'
            )
            SELECT t.kind, count(*) AS numbers, count(f.caller) AS flagged
            FROM seen
            JOIN read_csv('{truth}', columns = {{'number': 'BIGINT', 'kind': 'VARCHAR'}},
                          header = true) t ON t.number = seen.caller
            LEFT JOIN flagged f ON f.caller = seen.caller
            GROUP BY t.kind ORDER BY t.kind
            """
        ).fetchall()
    return {"kinds": {kind: {"numbers": n, "flagged": f} for kind, n, f in rows}}


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

    root = _dataset(f"scale-{calls}", calls)
    warehouse = Warehouse(root / "warehouse")
    numbers = pd.read_csv(root / "spam_numbers.csv", dtype=str)
    truth = IncomingCallsTruth(path=root / "spam_numbers.csv", numbers=numbers)
    feedback = plant_feedback(truth, ACCOUNTS, START, END, seed=2026)
    labels = label_numbers(feedback.lists, feedback.marks)
    with duckdb.connect() as con:
        features = window_features(con, warehouse.scan(ROLLUP_TABLE), END, WINDOW_DAYS)
    model, report = train(features, labels, seed=0)
    model_dir = root / "models" / "antispam" / save_version(model, report, root / "models")

    kinds = numbers.set_index("number")["kind"]
    callers = _callers_in_window(warehouse)
    population = kinds[kinds.index.isin(callers)]
    figures = {
        "labelled": report["labelled"],
        "held_out": report["held_out"],
        "calibration": report["calibration"],
    }
    from antispam.behaviour import fitted_default

    default = fitted_default(features, callers_seen=len(callers))
    scorers = (
        ("model", model),
        ("default_label_free", default),
        ("criteria_scorecard", CriteriaScorecard()),
    )
    spam = population.isin(["robocaller", "bursty"]).to_numpy()
    high_volume = (population == "legit_high_volume").to_numpy()
    scored = population.index.isin(set(features["caller"].astype(str)))
    for name, scorer in scorers:
        flagged_numbers = set(
            features.loc[scorer.predict(features).astype(bool), "caller"].astype(str)
        )
        flagged = population.index.isin(flagged_numbers)
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


# -- independent worlds: the default (label-free) scorer per kind, leave-one-kind-out ----------
# name, seed, generator options, role. The scorer was built on the tuning worlds only; the
# stress world pins the re-dialler and the route desk at the hard ends of their ranges (message
# on 60 % of calls, mostly human pace; route desks at 45 % answered, 150 calls a day).
STRESS = {
    "redial_answer": 0.6,
    "redial_steady": 0.3,
    "route_answer": 0.45,
    "route_per_day": 150,
    "route_pool": 300,
}
WORLDS = (
    ("1", 1, {}, "tuning"),
    ("2", 2, {}, "tuning"),
    ("11", 11, {}, "tuning"),
    ("21-stress", 21, {"overrides": STRESS}, "tuning"),
    ("101", 101, {}, "held out"),
    ("202", 202, {}, "held out, seen"),
    ("303", 303, {}, "held out"),
    # different kind mixtures, never run before the recorded run
    ("404-skewed", 404, {"spam_per_kind": (10, 500), "legit_per_kind": (50, 2000)}, "fresh"),
    ("505-busy", 505, {"ordinary": 120_000, "spam_per_kind": (20, 120)}, "fresh"),
)
TUNING_WORLDS = tuple(name for name, _, _, role in WORLDS if role == "tuning")
EVAL_WORLDS = tuple(name for name, _, _, role in WORLDS if role != "tuning")
GOAL_RECALL, GOAL_LEGIT = 0.95, 0.001
# Added after the demo generator's steady robocallers were missed, and the scorer's persistent
# dialling weight was set on the tuning worlds with it in view: held out on the other worlds in
# its parameters and mixture only (marked "+" rather than "*").
DEMO_INFORMED = ("redialer",)
LEVELS = [round(5.5 + 0.25 * i, 2) for i in range(15)]  # evidence levels tried by the LOKO fit


def _judge_world(name: str, seed: int, options: dict, scale: float) -> dict:
    """Per kind: numbers, flagged by the default scorer, by the criteria scorecard, and the
    score of every scored number (for the leave-one-kind-out fit)."""
    from antispam.behaviour import fitted_default
    from antispam.rules import CriteriaScorecard
    from benchmarks.antispam_worlds import generate_world, per_kind, world_features

    started = time.perf_counter()
    world = generate_world(seed, scale=scale, **options)
    features, seen = world_features(world)
    prepared = time.perf_counter() - started
    started = time.process_time()
    scorer = fitted_default(features, callers_seen=seen)
    flagged = features.loc[scorer.predict(features).astype(bool), "caller"].astype(str)
    scoring = time.process_time() - started
    criteria = CriteriaScorecard()
    baseline = features.loc[criteria.predict(features).astype(bool), "caller"].astype(str)
    labelled, labels, labelled_threshold = _with_labels(world.truth, features, seen, seed)
    scores = dict(
        zip(features["caller"].astype(str), scorer.decision_function(features), strict=True)
    )
    truth = world.truth
    return {
        "seed": name,
        "calls": world.calls.num_rows,
        "callers": seen,
        "scored": len(features),
        "prepare_seconds": prepared,
        "score_seconds": scoring,
        "calibration": scorer.calibration_,
        "default": per_kind(truth, set(flagged)),
        "criteria": per_kind(truth, set(baseline)),
        # judged on the numbers without a label only
        "labelled": per_kind(truth[~truth["number"].isin(labels)], set(labelled)),
        "labelled_threshold": labelled_threshold,
        "truth": truth.assign(score=truth["number"].map(scores).fillna(0.0)),
    }


def _with_labels(truth, features, seen: int, seed: int):
    """The default scorer given what an installation might have: complaints against a tenth
    of the spam numbers and "not spam" marks on a tenth of the scored legitimate ones."""
    import numpy as np
    import pandas as pd

    from antispam.behaviour import fitted_default

    rng = np.random.default_rng(seed)
    scored = truth[truth["number"].isin(set(features["caller"].astype(str)))]
    chosen = scored[rng.random(len(scored)) < 0.1]
    labels = pd.DataFrame(
        {"caller": chosen["number"].astype(np.int64), "label": chosen["is_spam"].astype(int)}
    )
    scorer = fitted_default(features, callers_seen=seen, labels=labels)
    flagged = features.loc[scorer.predict(features).astype(bool), "caller"].astype(str)
    return set(flagged), set(chosen["number"]), scorer.threshold_


def _summary(table) -> dict:
    spam, legit = table[table["spam"]], table[~table["spam"]]
    recall = spam["flagged"] / spam["numbers"]
    return {
        "legit_flagged": int(legit["flagged"].sum()),
        "legit_numbers": int(legit["numbers"].sum()),
        "legit_share": float(legit["flagged"].sum() / legit["numbers"].sum()),
        "spam_found": int(spam["flagged"].sum()),
        "spam_numbers": int(spam["numbers"].sum()),
        "worst_kind": str(recall.idxmin()),
        "worst_kind_recall": float(recall.min()),
    }


def _loko(tuning: list[dict], evaluation: list[dict]) -> dict:
    """For each spam kind: the evidence level is chosen on the tuning worlds without that kind
    (the middle of the levels keeping every other kind at >= 95 % and no more than 0.1 % of
    legitimate numbers flagged), then the held-out kind is judged on the evaluation worlds."""
    import pandas as pd

    from benchmarks.antispam_worlds import SPAM_KINDS

    tune = pd.concat([w["truth"] for w in tuning], ignore_index=True)
    out = {}
    for kind in SPAM_KINDS:
        seen = tune[tune["kind"] != kind]
        feasible = []
        for level in LEVELS:
            flagged = seen["score"] > level
            recall = flagged[seen["is_spam"]].groupby(seen.loc[seen["is_spam"], "kind"]).mean()
            legit_share = flagged[~seen["is_spam"]].mean()
            if recall.min() >= GOAL_RECALL and legit_share <= GOAL_LEGIT:
                feasible.append(level)
        chosen = feasible[len(feasible) // 2] if feasible else LEVELS[0]
        rows = []
        for world in evaluation:
            t = world["truth"]
            held = t[t["kind"] == kind]
            legit = t[~t["is_spam"]]
            rows.append(
                {
                    "seed": world["seed"],
                    "found": int((held["score"] > chosen).sum()),
                    "numbers": len(held),
                    "legit_flagged": int((legit["score"] > chosen).sum()),
                    "legit_numbers": len(legit),
                }
            )
        out[kind] = {"level": chosen, "worlds": rows}
    return out


def worlds(quick: bool) -> dict:
    scale = 0.15 if quick else 1.0
    names, seeds, options, _ = zip(*WORLDS, strict=True)
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        judged = list(pool.map(_judge_world, names, seeds, options, [scale] * len(WORLDS)))
    tuning = [w for w in judged if w["seed"] in TUNING_WORLDS]
    evaluation = [w for w in judged if w["seed"] in EVAL_WORLDS]
    loko = _loko(tuning, evaluation)
    figures = {"scale": scale, "worlds": {}, "loko": loko}
    print(
        f"independent worlds (benchmarks/antispam_worlds.py, scale {scale}); load "
        f"{os.getloadavg()[0]:.1f}; default = label-free behaviour scorer, criteria = the "
        "hand-set criteria scorecard; * = kind held out (not in the tuning worlds' fit, see "
        "leave-one-kind-out below), + = kind added after the demo's misses (its weight set "
        "on the tuning worlds with it in view); the scorer was built on worlds "
        + ", ".join(TUNING_WORLDS)
        + "; held out: "
        + ", ".join(f"{name} ({role})" for name, _, _, role in WORLDS if role != "tuning")
    )
    for world in tuning + evaluation:
        role = next(r for name, _, _, r in WORLDS if name == world["seed"])
        default, criteria = world["default"], world["criteria"]
        print(
            f"\nworld {world['seed']} ({role}): {world['calls']:,} calls, "
            f"{world['callers']:,} callers, {world['scored']:,} scored; threshold "
            f"{world['calibration']['threshold']:.2f} (platform tail fence "
            f"{world['calibration'].get('fence', float('nan')):.2f}); features "
            f"{world['prepare_seconds']:.1f} s incl. generation, scoring "
            f"{world['score_seconds']:.2f} CPU s"
        )
        print(
            f"  {'kind':<18}{'numbers':>9}{'default':>10}{'share':>9}{'criteria':>10}{'share':>9}"
        )
        for kind, row in default.iterrows():
            mark = " "
            if world["seed"] in EVAL_WORLDS and row["spam"]:
                mark = "+" if kind in DEMO_INFORMED else "*"
            side = "spam " if row["spam"] else "legit"
            c = criteria.loc[kind]
            print(
                f" {mark}{side} {kind:<12}{row['numbers']:>9,}{row['flagged']:>10,}"
                f"{row['share']:>9.2%}{c['flagged']:>10,}{c['share']:>9.2%}"
            )
        entry = figures["worlds"][world["seed"]] = {
            "role": role,
            "calls": world["calls"],
            "scored": world["scored"],
            "calibration": world["calibration"],
            "default": _summary(default),
            "criteria": _summary(criteria),
            "with_labels": _summary(world["labelled"]) | {"threshold": world["labelled_threshold"]},
            "default_per_kind": default.reset_index().to_dict("records"),
            "criteria_per_kind": criteria.reset_index().to_dict("records"),
        }
        s, c = entry["default"], entry["criteria"]
        print(
            f"  default: legit flagged {s['legit_flagged']}/{s['legit_numbers']} = "
            f"{s['legit_share']:.4%}, spam {s['spam_found']}/{s['spam_numbers']}, worst kind "
            f"{s['worst_kind']} {s['worst_kind_recall']:.1%} | criteria: legit "
            f"{c['legit_flagged']}/{c['legit_numbers']} = {c['legit_share']:.4%}, spam "
            f"{c['spam_found']}/{c['spam_numbers']}, worst kind {c['worst_kind']} "
            f"{c['worst_kind_recall']:.1%}"
        )
        w = entry["with_labels"]
        print(
            f"  default with labels (a tenth of the scored numbers labelled; judged on the "
            f"rest): threshold {w['threshold']:.2f}, legit flagged {w['legit_flagged']}/"
            f"{w['legit_numbers']} = {w['legit_share']:.4%}, spam {w['spam_found']}/"
            f"{w['spam_numbers']}, worst kind {w['worst_kind']} {w['worst_kind_recall']:.1%}"
        )
    held = [figures["worlds"][s]["default"] for s in EVAL_WORLDS]
    figures["worst_world_legit_share"] = max(h["legit_share"] for h in held)
    figures["worst_kind_recall"] = min(h["worst_kind_recall"] for h in held)
    print(
        "\nleave-one-kind-out: evidence level fitted on the tuning worlds without the kind, "
        "the kind judged on the held-out worlds"
    )
    worst_loko = 1.0
    worst_loko_legit = 0.0
    for kind, result in loko.items():
        cells = []
        for r in result["worlds"]:
            cells.append(
                f"w{r['seed']} {r['found']}/{r['numbers']} (legit "
                f"{r['legit_flagged']}/{r['legit_numbers']})"
            )
            worst_loko = min(worst_loko, r["found"] / max(1, r["numbers"]))
            worst_loko_legit = max(worst_loko_legit, r["legit_flagged"] / r["legit_numbers"])
        mark = "+" if kind in DEMO_INFORMED else "*"
        print(f"  {mark}{kind:<13} level {result['level']:.2f}: " + "; ".join(cells))
    figures["loko_worst_kind_recall"] = worst_loko
    figures["loko_worst_world_legit_share"] = worst_loko_legit
    print(
        f"\ndefault scorer, held-out worlds: worst kind recall {figures['worst_kind_recall']:.1%}, "
        f"worst world legit flagged {figures['worst_world_legit_share']:.4%}; "
        f"leave-one-kind-out: worst held-out kind {worst_loko:.1%}, worst world legit "
        f"{worst_loko_legit:.4%} (goal >= 95 % and <= 0.1 %)",
        flush=True,
    )
    return figures


def _legit_spam(judged: dict) -> str:
    spam = ("robocaller", "bursty")
    legit_n = sum(v["numbers"] for k, v in judged.items() if k not in spam)
    legit_f = sum(v["flagged"] for k, v in judged.items() if k not in spam)
    spam_n = sum(v["numbers"] for k, v in judged.items() if k in spam)
    spam_f = sum(v["flagged"] for k, v in judged.items() if k in spam)
    return f"flagged {legit_f:,}/{legit_n:,}, spam found {spam_f:,}/{spam_n:,}"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--step")
    parser.add_argument("--out")
    parser.add_argument("--worlds-only", action="store_true")
    parser.add_argument("--skip-worlds", action="store_true")
    parser.add_argument(
        "--sizes", help="comma-separated window sizes for the scale steps (default: the full set)"
    )
    parser.add_argument("args", nargs="*")
    options = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if options.step:
        step = {
            "score": _step_score,
            "months": _step_months,
            "pandas": _step_pandas,
            "judge": _step_judge,
        }[options.step]
        Path(options.out).write_text(json.dumps(step(*options.args)))
        return {}

    figures: dict = {} if options.skip_worlds else {"worlds": worlds(options.quick)}
    if options.worlds_only:
        return figures
    quality_calls = 200_000 if options.quick else 10_000_000
    sizes = [200_000, 500_000] if options.quick else [10_000_000, 50_000_000, 100_000_000]
    if options.sizes:
        sizes = [int(size) for size in options.sizes.split(",")]
    started = time.perf_counter()
    figures["quality"], model_dir = quality(quality_calls)
    model = figures["quality"]["model"]
    baseline = figures["quality"]["criteria_scorecard"]
    print(
        f"quality on {quality_calls:,} calls over {WINDOW_DAYS} days "
        f"({time.perf_counter() - started:.0f} s incl. generation)"
    )
    for label, q in (
        ("trained model", model),
        ("default, label-free", figures["quality"]["default_label_free"]),
        ("criteria scorecard (baseline)", baseline),
    ):
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
        root = _dataset(f"scale-{size}", size)
        meta = json.loads((root / "ready.json").read_text())
        # Every run builds the tier afresh, as the nights that closed each month did.
        shutil.rmtree(root / "warehouse" / "spam_rollup_monthly", ignore_errors=True)
        load_before = os.getloadavg()[0]
        before = _run_step("score", str(root), str(model_dir), "daily")
        earlier = _run_step("months", str(root), "earlier")
        months = _run_step("months", str(root), "close")
        nightly = _run_step("score", str(root), str(model_dir), "monthly")
        if months["months"] != 1 or nightly["months"] != 6:
            raise AssertionError(f"expected June built and six months read: {months}, {nightly}")
        if nightly["digest"] != before["digest"]:
            raise AssertionError(f"verdicts differ with the monthly tier at {size:,} calls")
        judged = _run_step("judge", str(root))["kinds"]
        # the same night with no trained model: the label-free scorer's verdicts, judged too
        default = _run_step("score", str(root), "default", "monthly")
        default["judged"] = _run_step("judge", str(root))["kinds"]
        row = {
            "calls": meta["calls"],
            "load_average_before": load_before,
            "load_average_after": os.getloadavg()[0],
            "generate_seconds": meta["generate_seconds"],
            "rollup_seconds_per_day": meta["rollup_seconds"] / meta["days"],
            "rollup_cpu_seconds_per_day": meta["rollup_cpu_seconds"] / meta["days"],
            "daily_only_seconds": before["seconds"],
            "daily_only_cpu_seconds": before["cpu_seconds"],
            "daily_only_peak_gib": before["peak_gib"],
            "daily_only_rows_scanned": before["rollup_rows"],
            "earlier_months_seconds": earlier["seconds"],
            "earlier_months": earlier["months"],
            "month_close_seconds": months["seconds"],
            "month_close_cpu_seconds": months["cpu_seconds"],
            "month_close_peak_gib": months["peak_gib"],
            "month_close_rows": months["rows"],
            "nightly_seconds": nightly["seconds"],
            "nightly_peak_gib": nightly["peak_gib"],
            "nightly_cpu_seconds": nightly["cpu_seconds"],
            "default_seconds": default["seconds"],
            "default_cpu_seconds": default["cpu_seconds"],
            "default_peak_gib": default["peak_gib"],
            "default_flagged": default["flagged"],
            "default_judged": default["judged"],
            "rollup_rows_scanned": nightly["rollup_rows"],
            "monthly_rows_scanned": nightly["monthly_rows"],
            "scored": nightly["scored"],
            "flagged": nightly["flagged"],
            "same_verdicts": True,
            "judged": judged,
        }
        if meta["calls"] <= PANDAS_MAX_ROWS:
            pandas = _run_step("pandas", str(root))
            row["pandas_seconds"] = pandas["seconds"]
            row["pandas_peak_gib"] = pandas["peak_gib"]
            row["pandas_cpu_seconds"] = pandas["cpu_seconds"]
        else:
            row["pandas_seconds"] = None
            row["pandas_note"] = (
                f"not run: {meta['calls']:,} raw rows exceed 8 GiB in pandas "
                f"(measured on the largest window that fits, up to {PANDAS_MAX_ROWS:,} rows)"
            )
        figures["scale"][size] = row
        pandas_text = (
            f"{row['pandas_seconds']:.1f} s ({row['pandas_cpu_seconds']:.0f} CPU s), "
            f"peak {row['pandas_peak_gib']:.2f} GiB"
            if row["pandas_seconds"] is not None
            else row["pandas_note"]
        )
        legit = {k: v for k, v in judged.items() if k not in ("robocaller", "bursty")}
        spam = {k: v for k, v in judged.items() if k in ("robocaller", "bursty")}
        legit_n = sum(v["numbers"] for v in legit.values())
        legit_f = sum(v["flagged"] for v in legit.values())
        spam_n = sum(v["numbers"] for v in spam.values())
        spam_f = sum(v["flagged"] for v in spam.values())
        hv = judged.get("legit_high_volume", {"numbers": 0, "flagged": 0})
        print(
            f"window of {meta['calls']:,} calls (load {load_before:.1f} before, "
            f"{row['load_average_after']:.1f} after) | pandas groupby over raw: {pandas_text}\n"
            f"  nightly, daily rollups only (before): {row['daily_only_seconds']:.1f} s "
            f"({row['daily_only_cpu_seconds']:.0f} CPU s), peak "
            f"{row['daily_only_peak_gib']:.2f} GiB, {row['daily_only_rows_scanned']:,} rows\n"
            f"  nightly, monthly tier ready (after): {row['nightly_seconds']:.1f} s "
            f"({row['nightly_cpu_seconds']:.0f} CPU s), peak {row['nightly_peak_gib']:.2f} GiB, "
            f"{row['rollup_rows_scanned']:,} rows ({row['monthly_rows_scanned']:,} monthly), "
            f"{row['scored']:,} scored, {row['flagged']:,} flagged, same verdicts\n"
            f"  nightly with the label-free default scorer (tier ready): "
            f"{row['default_seconds']:.1f} s ({row['default_cpu_seconds']:.0f} CPU s), peak "
            f"{row['default_peak_gib']:.2f} GiB, {row['default_flagged']:,} flagged "
            f"(legit {_legit_spam(default['judged'])})\n"
            f"  the night June closes, spam_rollup_monthly step: {row['month_close_seconds']:.1f} s "
            f"({row['month_close_cpu_seconds']:.0f} CPU s), peak "
            f"{row['month_close_peak_gib']:.2f} GiB, {row['month_close_rows']:,} rows "
            f"(earlier {row['earlier_months']} months: {row['earlier_months_seconds']:.1f} s)\n"
            f"  verdicts vs ground truth: legit flagged {legit_f:,}/{legit_n:,} "
            f"(high-volume {hv['flagged']}/{hv['numbers']}), spam found {spam_f:,}/{spam_n:,}\n"
            f"  generated in {row['generate_seconds']:.0f} s ({WORKERS} processes); daily rollup "
            f"{row['rollup_seconds_per_day']:.2f} s/day wall with {WORKERS} days at a time "
            f"({row['rollup_cpu_seconds_per_day']:.2f} CPU s/day)",
            flush=True,
        )
    return figures


if __name__ == "__main__":
    main()

"""Live path: freshness from a call's end to its transcript and tags, and CPU per communication
live against nightly, on a simulated account producing calls at a steady rate.

`python -m benchmarks.bench_live [--quick] [--minutes M] [--calls-per-day N]
[--recognizer-cost S] [--interval S]`

The local Data API and the simulated account run in a child process; the poller runs here, every
``--interval`` seconds, with the recognizer replaced by a stand-in that burns ``--recognizer-cost``
CPU seconds per second of audio (default: the real recognizer's cost measured by the speech
benchmark, docs/benchmarks.md "The real recognizer") and returns the call's reference
dialogue. The recordings are real WAV files that the speech path decodes. Freshness is measured
from the call's ``finish_time`` to the end of the poll whose tagging step wrote its tags (the API
reads the same files). The same calls are then processed by the nightly path (landing files from
the same API, the same domain functions) in this process, and the CPU per communication of both
is printed side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from speech.recognizer import GroundTruthRecognizer

DEFAULT_COST = 0.226  # CPU s per audio s: Vosk measured on this machine (docs/benchmarks.md)
ZONE = "Europe/Moscow"


def local_now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(ZONE)).replace(tzinfo=None, microsecond=0)


def cpu_seconds() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _burn(seconds: float) -> None:
    """Spends ``seconds`` of this thread's CPU time."""
    end = time.thread_time() + seconds
    block = np.random.default_rng(0).standard_normal((64, 64))
    while time.thread_time() < end:
        block = np.tanh(block @ block.T * 0.01)


class CostedStandIn(GroundTruthRecognizer):
    """The reference dialogue, at the real recognizer's CPU cost per audio second."""

    name = "stand-in"
    requires_audio = True

    def __init__(self, dialogues_path, cost: float):
        super().__init__(dialogues_path)
        self.cost = cost

    def __getstate__(self):
        return {**super().__getstate__(), "cost": self.cost}

    def recognize(self, samples, sample_rate=16000, *, call_id=None, speaker=""):
        if samples is not None:
            _burn(self.cost * samples.shape[-1] / sample_rate)
        if not self.has_call(call_id):
            self._dialogues = None  # calls keep arriving: read the file again
        return super().recognize(samples, sample_rate, call_id=call_id, speaker=speaker)


def _produce(url_queue, made, producing, serving, dialogues: str, per_minute, talk) -> None:
    """Child process: the local Data API and an account making calls at ``per_minute`` (a shared
    value the parent may raise) while ``producing`` is set; it serves until ``serving`` is
    cleared."""
    from data.live.local_api import LocalDataApi
    from data.live.simulate import SimulatedAccount

    api = LocalDataApi(minute_limit=10_000)
    url = api.start()
    account = SimulatedAccount(api, 7, "bench-token-0123456789", seed=7,
                               dialogues_path=Path(dialogues), talk_seconds=talk)  # fmt: skip
    url_queue.put(url)
    due, last = 1.0, time.monotonic()
    while producing.is_set():
        now = time.monotonic()
        due += (now - last) * per_minute.value / 60.0
        last = now
        while made.value < int(due):
            account.call(local_now(), lost=made.value % 10 == 9)
            made.value += 1
        time.sleep(0.2)
    while serving.is_set():
        time.sleep(0.2)
    api.stop()


def _setup(root: Path):
    from data.config.store import ConfigStore
    from speech.config import import_rule
    from tagging.rule_store import import_rules

    store = ConfigStore(f"sqlite:///{root / 'config.sqlite3'}")
    with store.session() as session:
        import_rule(session, {"id": "t1", "virtual_phone_numbers": None, "employee_ids": None,
                              "employee_group_ids": None, "site_ids": None, "campaign_ids": None,
                              "history": [{"from": "2020-01-01 00:00:00", "enabled": True}]},
                    "bench")  # fmt: skip
        import_rules(session, [{"tag": "Ипотека", "rules": [{
            "id": "r1", "enabled": True, "communication_types": ["call", "chat"],
            "site_ids": None, "speaker": "client",
            "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}]}]}],
            "bench", dt.datetime(2020, 1, 1))  # fmt: skip
    return store


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run(minutes: float, per_day: float, cost: float, interval: float, talk=(20, 60)) -> dict:
    from data.live.poller import PollOptions
    from data.live.sources import add_source
    from data.warehouse import Warehouse
    from pipelines.defs.live.runner import run_once, summary
    from pipelines.defs.live.steps import Steps

    root = Path(tempfile.mkdtemp(prefix="bench-live-"))
    dialogues = root / "ground_truth" / "call_dialogues.jsonl"
    context = mp.get_context("spawn")
    queue, made = context.Queue(), context.Value("i", 0)
    producing, serving = context.Event(), context.Event()
    producing.set()
    serving.set()
    rate = context.Value("d", per_day / 1440.0)
    child = context.Process(target=_produce, args=(queue, made, producing, serving,
                                                   str(dialogues), rate, talk))  # fmt: skip
    child.start()
    url = queue.get(timeout=300)
    store, warehouse = _setup(root), Warehouse(root / "warehouse")
    with store.session() as session:
        add_source(session, "comagic", 7, "bench-token-0123456789", url)
    recognizer = CostedStandIn(dialogues, cost)
    steps = Steps(warehouse, store, recognizer, root / "recordings")
    options = PollOptions(now=local_now, first_lookback=dt.timedelta(hours=1))
    visible: dict[str, dt.datetime] = {}
    live_cpu, polls, produced = 0.0, [], None
    deadline = time.monotonic() + minutes * 60.0
    while True:
        started_wall, started_cpu = time.monotonic(), cpu_seconds()
        result = summary(run_once(store, warehouse, steps, options))
        live_cpu += cpu_seconds() - started_cpu
        done_at = local_now()
        polls.append({"seconds": round(time.monotonic() - started_wall, 2),
                      "processed": result["processed"], "errors": result["errors"]})  # fmt: skip
        if warehouse.has_table("tag_assignments"):
            for cid in warehouse.read("transcripts", columns=["communication_id"])[
                "communication_id"
            ]:
                visible.setdefault(cid, done_at)
        if produced is not None:
            break
        if time.monotonic() >= deadline:
            producing.clear()
            time.sleep(1.0)
            produced = made.value
            continue  # one last poll for the calls of the final interval
        time.sleep(max(interval - (time.monotonic() - started_wall), 0.0))
    calls = warehouse.read("calls", columns=["id", "finish_time", "talk_duration"])
    finish = {f"call:{i}": t for i, t in zip(calls["id"], calls["finish_time"], strict=True)}
    freshness = [
        (visible[cid] - finish[cid].to_pydatetime()).total_seconds()
        for cid in finish
        if cid in visible
    ]
    communications = warehouse.count("communications")
    nightly_cpu = _nightly(root, url, store, warehouse, recognizer)
    serving.clear()
    child.join(timeout=60)
    return {
        "minutes": minutes,
        "calls_per_day": per_day,
        "recognizer_cost_per_audio_second": cost,
        "poll_interval_s": interval,
        "calls_made": produced,
        "calls_visible": len(freshness),
        "audio_seconds": int(calls["talk_duration"].sum()),
        "freshness_s": {
            "p50": round(_percentile(freshness, 50), 1),
            "p95": round(_percentile(freshness, 95), 1),
            "max": round(max(freshness), 1) if freshness else None,
        },
        "poll_seconds": {
            "p50": round(statistics.median(p["seconds"] for p in polls), 2),
            "max": max(p["seconds"] for p in polls),
        },
        "errors": sum(p["errors"] for p in polls),
        "live_cpu_per_communication_s": round(live_cpu / max(communications, 1), 3),
        "nightly_cpu_per_communication_s": round(nightly_cpu / max(communications, 1), 3),
        "live_over_nightly": round(live_cpu / nightly_cpu, 2) if nightly_cpu else None,
        "step_seconds": {k: round(v, 2) for k, v in steps.seconds.items()},
        "load_average": os.getloadavg(),
    }


def _nightly(root: Path, url: str, store, live_warehouse, recognizer) -> float:
    """The same calls through the nightly path: landing files from the same API, then the
    day's assets' domain functions. Returns its CPU seconds."""
    from antispam import nightly, policy
    from data.communications import build_communications
    from data.config.queries import known_site_ids, sites_frame
    from data.ingest.comagic_api import ComagicDataApi, download_day
    from data.ingest.landing import ingest_day
    from data.warehouse import Warehouse
    from models.inference import smarttag_day
    from speech.daily import SpeechRun, transcribe_day
    from tagging.daily import tag_partition

    warehouse = Warehouse(root / "nightly")
    landing = root / "landing"
    days = live_warehouse.partitions("calls")
    with ComagicDataApi(url, access_token="bench-token-0123456789") as api:
        for day in days:
            download_day(api, "calls", day, landing)
    started = cpu_seconds()
    with store.session() as session:
        sites, frame = known_site_ids(session), sites_frame(session)
        policies = policy.load_policies(session)
    run = SpeechRun(recognizer=recognizer, recordings_dir=root / "recordings")
    for day in days:
        ingest_day(warehouse, landing, "calls", day, sites)
        warehouse.write_partition(
            "communications", day, build_communications(warehouse, day, frame)
        )
        nightly.apply_policy_day(warehouse, policies, day)
        warehouse.write_partition(
            "transcripts", day, transcribe_day(warehouse, store, day, run).frame
        )
        warehouse.write_partition(
            "smarttag_assignments", day, smarttag_day(warehouse, store, day)[0]
        )
        tag_partition(warehouse, store, day)
    return cpu_seconds() - started


def _worker_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


class _Account:
    """A simulated account on the local Data API (child process) and the live steps here, with
    transcription on ``workers`` Dask worker processes (0: in this process)."""

    def __init__(self, per_day: float, cost: float, workers: int, talk=(20, 60)):
        from data.live.poller import PollOptions
        from data.live.sources import add_source
        from data.warehouse import Warehouse
        from pipelines.defs.live.steps import Steps

        self.root = Path(tempfile.mkdtemp(prefix="bench-live-"))
        dialogues = self.root / "ground_truth" / "call_dialogues.jsonl"
        context = mp.get_context("spawn")
        queue, self.made = context.Queue(), context.Value("i", 0)
        self.producing, self.serving = context.Event(), context.Event()
        self.producing.set()
        self.serving.set()
        self.rate = context.Value("d", per_day / 1440.0)
        self.child = context.Process(target=_produce, args=(
            queue, self.made, self.producing, self.serving, str(dialogues), self.rate, talk))  # fmt: skip
        self.child.start()
        url = queue.get(timeout=300)
        self.store, self.warehouse = _setup(self.root), Warehouse(self.root / "warehouse")
        with self.store.session() as session:
            add_source(session, "comagic", 7, "bench-token-0123456789", url)
        self.cluster = self.client = None
        scheduler = None
        if workers:
            from distributed import Client, LocalCluster

            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                        processes=True, dashboard_address=None)  # fmt: skip
            self.client = Client(self.cluster, set_as_default=False)
            scheduler = self.cluster.scheduler_address
        self.steps = Steps(self.warehouse, self.store, CostedStandIn(dialogues, cost),
                           self.root / "recordings", scheduler=scheduler)  # fmt: skip
        self.options = PollOptions(now=local_now, first_lookback=dt.timedelta(hours=1))

    def cpu(self) -> float:
        """CPU seconds of this process and of the Dask workers."""
        workers = sum(self.client.run(_worker_cpu).values()) if self.client else 0.0
        return cpu_seconds() + workers

    def poll(self) -> dict:
        from pipelines.defs.live.runner import run_once, summary

        started_wall, started_cpu = time.monotonic(), self.cpu()
        result = summary(run_once(self.store, self.warehouse, self.steps, self.options))
        return {"wall": time.monotonic() - started_wall, "cpu": self.cpu() - started_cpu,
                "processed": result["processed"], "errors": result["errors"]}  # fmt: skip

    def close(self) -> None:
        self.producing.clear()
        self.serving.clear()
        self.child.join(timeout=60)
        if self.client:
            self.client.close()
            self.cluster.close()


def ramp(rates: list[float], step_minutes: float, interval: float, cost: float,
         workers: int) -> list[dict]:  # fmt: skip
    """Raises the call rate step by step until polls overrun the interval; per step: CPU per
    call, the cores that rate needs (CPU per call times calls per second) and the polls that took
    longer than the interval on this machine as loaded."""
    account = _Account(rates[0], cost, workers)
    steps = []
    try:
        account.poll()  # warm-up: imports, reference sync, the first empty window
        for per_day in rates:
            account.rate.value = per_day / 1440.0
            made_before = account.made.value
            polls, deadline = [], time.monotonic() + step_minutes * 60.0
            while time.monotonic() < deadline:
                poll = account.poll()
                polls.append(poll)
                time.sleep(max(interval - poll["wall"], 0.0))
            wall = sum(max(p["wall"], interval) for p in polls)
            cpu, processed = sum(p["cpu"] for p in polls), sum(p["processed"] for p in polls)
            made = account.made.value - made_before
            overran = sum(p["wall"] > interval for p in polls)
            steps.append({
                "calls_per_day": per_day, "polls": len(polls), "calls_made": made,
                "processed": processed, "errors": sum(p["errors"] for p in polls),
                "cpu_per_call_s": round(cpu / max(processed, 1), 2),
                # the CPU the rate needs, whatever the load lets the poller have
                "cores_needed": round(cpu / max(processed, 1) * per_day / 86_400, 2),
                "cores_used": round(cpu / wall, 2),
                "poll_wall_max_s": round(max(p["wall"] for p in polls), 1),
                "polls_over_interval": overran, "load_average": os.getloadavg(),
            })  # fmt: skip
            print(json.dumps(steps[-1]), flush=True)
            if overran:  # the poller no longer keeps up on this machine as loaded
                break
    finally:
        account.close()
    return steps


def scaling(calls: int, cost: float, workers_list: list[int]) -> list[dict]:
    """The same backlog of ``calls`` calls in one poll, transcribed on 1, 2, … Dask workers."""
    rows = []
    for workers in workers_list:
        account = _Account(0.0, cost, workers, talk=(20, 30))
        try:
            account.poll()
            before = account.made.value
            account.rate.value = 60.0 * calls  # the backlog arrives within a second
            while account.made.value < before + calls:
                time.sleep(0.05)
            account.rate.value = 0.0
            time.sleep(1.0)
            transcription = account.steps.seconds.get("transcription", 0.0)
            poll = account.poll()
            rows.append({"workers": workers, "calls": poll["processed"],
                         "poll_wall_s": round(poll["wall"], 1), "cpu_s": round(poll["cpu"], 1),
                         "transcription_wall_s": round(
                             account.steps.seconds["transcription"] - transcription, 1),
                         "load_average": os.getloadavg()})  # fmt: skip
            print(json.dumps(rows[-1]), flush=True)
        finally:
            account.close()
    return rows


def append_cost(day_sizes: list[int], batch: int = 5, repeats: int = 5) -> list[dict]:
    """CPU of one micro-batch append (a new batch that also updates a call of the last batch)
    as the day grows, beside the same-run baseline of rewriting the whole day with the batch
    merged in (what a read-merge-rewrite sink pays)."""
    import pandas as pd
    import pyarrow as pa

    from data.warehouse import Warehouse

    day, rows = dt.date(2026, 5, 4), []

    def frame(ids):
        return pd.DataFrame({"communication_id": [f"call:{i}" for i in ids],
                             "tag": "Ипотека", "probability": 0.9})  # fmt: skip

    for size in day_sizes:
        root = Path(tempfile.mkdtemp(prefix="bench-append-"))
        warehouse = Warehouse(root)
        for start in range(0, size, batch):
            warehouse.append("tag_assignments", day, frame(range(start, start + batch)),
                             "communication_id", unique=False)  # fmt: skip
        appends, rewrites = [], []
        for n in range(repeats):
            ids = [size - 1, *range(size + n * batch, size + (n + 1) * batch - 1)]
            started = time.process_time()
            warehouse.append("tag_assignments", day, frame(ids), "communication_id", unique=False)
            appends.append(time.process_time() - started)
            started = time.process_time()
            whole = pa.Table.from_pandas(warehouse.read("tag_assignments", day, day))
            warehouse.write_partition("tag_assignments", day + dt.timedelta(days=1), whole)
            rewrites.append(time.process_time() - started)
        rows.append({"day_rows": size, "files": len(warehouse.snapshot("tag_assignments").days[day]),
                     "append_cpu_ms": round(1000 * statistics.median(appends), 1),
                     "baseline_day_rewrite_cpu_ms": round(1000 * statistics.median(rewrites), 1)})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one minute at a high rate")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--calls-per-day", type=float, default=2000.0)
    parser.add_argument("--recognizer-cost", type=float, default=DEFAULT_COST,
                        help="CPU seconds per audio second of the real recognizer")  # fmt: skip
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    parser.add_argument("--ramp", type=str, default=None,
                        help="comma-separated calls per day to step through (e.g. 4000,8000)")  # fmt: skip
    parser.add_argument("--step-minutes", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2, help="Dask workers for --ramp")
    parser.add_argument("--scaling", type=int, default=None,
                        help="a backlog of N calls on 1 and then 2 Dask workers")  # fmt: skip
    parser.add_argument("--append-cost", action="store_true",
                        help="CPU of one append as the day grows, beside a whole-day rewrite")  # fmt: skip
    args = parser.parse_args(argv if argv is not None else [])
    if args.append_cost:
        figures = {"append_cost": append_cost([100, 500, 2_000])}
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return figures
    if args.ramp:
        rates = [float(r) for r in args.ramp.split(",")]
        steps = ramp(rates, args.step_minutes, args.interval, args.recognizer_cost, args.workers)
        kept = [s["calls_per_day"] for s in steps if not s["polls_over_interval"]]
        worst = max((s["cpu_per_call_s"] for s in steps), default=0.0)
        figures = {
            "ramp": steps,
            "largest_rate_kept_up_here": max(kept) if kept else None,
            # two dedicated cores' CPU seconds a day over the worst CPU per call measured
            "rate_two_idle_cores_carry": int(2 * 86_400 / worst) if worst else None,
        }
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return figures
    if args.scaling:
        figures = {"scaling": scaling(args.scaling, args.recognizer_cost, [1, 2])}
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return figures
    if args.quick:
        args.minutes, args.calls_per_day, args.interval = 1.0, 2_880.0, 20.0
    figures = run(args.minutes, args.calls_per_day, args.recognizer_cost, args.interval)
    cpu = figures["live_cpu_per_communication_s"]
    figures["largest_rate_one_core_calls_per_day"] = (
        int(86_400 / cpu) if cpu else None
    )  # derived: CPU per communication against one core's seconds per day
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])

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


def _produce(url_queue, made, producing, serving, dialogues: str, per_minute: float, talk) -> None:
    """Child process: the local Data API and an account making calls at a steady rate while
    ``producing`` is set; it serves until ``serving`` is cleared."""
    from data.live.local_api import LocalDataApi
    from data.live.simulate import SimulatedAccount

    api = LocalDataApi(minute_limit=10_000)
    url = api.start()
    account = SimulatedAccount(api, 7, "bench-token-0123456789", seed=7,
                               dialogues_path=Path(dialogues), talk_seconds=talk)  # fmt: skip
    url_queue.put(url)
    started = time.monotonic()
    while producing.is_set():
        due = int((time.monotonic() - started) * per_minute / 60.0) + 1
        while made.value < due:
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
    child = context.Process(target=_produce, args=(queue, made, producing, serving,
                                                   str(dialogues), per_day / 1440.0, talk))  # fmt: skip
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
        },  # fmt: skip
        "poll_seconds": {
            "p50": round(statistics.median(p["seconds"] for p in polls), 2),
            "max": max(p["seconds"] for p in polls),
        },  # fmt: skip
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


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one minute at a high rate")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--calls-per-day", type=float, default=2000.0)
    parser.add_argument("--recognizer-cost", type=float, default=DEFAULT_COST,
                        help="CPU seconds per audio second of the real recognizer")  # fmt: skip
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    args = parser.parse_args(argv if argv is not None else [])
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

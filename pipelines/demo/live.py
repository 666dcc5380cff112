"""The live path on a local Data API for a few simulated minutes, with the freshness measured.

Each simulated minute the account makes calls that end during it, then the poller runs once;
the wait between polls is skipped (simulated) but the time every poll takes is real and added to
the simulated clock, so the freshness printed is poll lag plus real processing time.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from data.config.store import ConfigStore
from data.live.local_api import LocalDataApi
from data.live.poller import PollOptions
from data.live.simulate import SimulatedAccount
from data.live.sources import add_source
from data.warehouse import Warehouse
from pipelines.defs.live.runner import run_once, summary
from pipelines.defs.live.steps import Steps
from speech.config import import_rule
from speech.recognizer import GroundTruthRecognizer
from tagging.rule_store import import_rules

TOKEN = "demo-live-token-0123456789"
ACCOUNT = 900


def seed_rules(store: ConfigStore) -> None:
    """A transcription rule for every call and an «Ипотека» autotag rule."""
    with store.session() as session:
        import_rule(session, {"id": "live-all", "virtual_phone_numbers": None,
                              "employee_ids": None, "employee_group_ids": None, "site_ids": None,
                              "campaign_ids": None,
                              "history": [{"from": "2020-01-01 00:00:00", "enabled": True}]},
                    "live demo")  # fmt: skip
        import_rules(session, [{"tag": "Ипотека", "rules": [{
            "id": "live-r1", "enabled": True, "communication_types": ["call", "chat"],
            "site_ids": None, "speaker": "client",
            "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}]}]}],
            "live demo", dt.datetime(2020, 1, 1))  # fmt: skip


def live_demo(home: Path, minutes: int = 5, calls_per_minute: int = 3, interval_s: int = 60) -> str:
    """Runs the live path under ``home/live-demo`` and returns a one-line freshness summary."""
    root = Path(home) / "live-demo"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    store = ConfigStore(f"sqlite:///{root / 'config.sqlite3'}")
    warehouse = Warehouse(root / "warehouse")
    seed_rules(store)
    now = dt.datetime.now(ZoneInfo("Europe/Moscow")).replace(tzinfo=None, microsecond=0)
    clock = {"now": now}
    with LocalDataApi() as api:
        account = SimulatedAccount(api, ACCOUNT, TOKEN, seed=ACCOUNT,
                                   dialogues_path=root / "call_dialogues.jsonl")  # fmt: skip
        with store.session() as session:
            add_source(session, "comagic", ACCOUNT, TOKEN, api.url)
        steps = Steps(warehouse, store, GroundTruthRecognizer(root / "call_dialogues.jsonl"),
                      root / "recordings")  # fmt: skip
        options = PollOptions(now=lambda: clock["now"])
        ended: dict[str, dt.datetime] = {}
        visible: dict[str, dt.datetime] = {}
        totals = {"processed": 0, "errors": 0}
        for _ in range(minutes):
            for i in range(calls_per_minute):
                finish = clock["now"] + dt.timedelta(
                    seconds=(i + 1) * interval_s // (calls_per_minute + 1)
                )
                ended[f"call:{account.call(finish, lost=i == 2)['id']}"] = finish
            clock["now"] += dt.timedelta(seconds=interval_s)
            started = dt.datetime.now()
            result = summary(run_once(store, warehouse, steps, options))
            clock["now"] += dt.datetime.now() - started
            totals["processed"] += result["processed"]
            totals["errors"] += result["errors"]
            done = warehouse.read("transcripts", columns=["communication_id"])
            for cid in done["communication_id"]:
                visible.setdefault(cid, clock["now"])
    store.dispose()
    fresh = [(visible[c] - t).total_seconds() for c, t in ended.items() if c in visible]
    if not fresh:
        return f"live path: no call became visible in {minutes} simulated minutes"
    return (
        f"live path: {len(fresh)}/{len(ended)} calls visible over {minutes} simulated minutes "
        f"(poll every {interval_s} s), freshness call end → transcript and tags "
        f"p50 {np.percentile(fresh, 50):.0f} s, p95 {np.percentile(fresh, 95):.0f} s, "
        f"max {max(fresh):.0f} s; {totals['processed']} processed, {totals['errors']} errors"
    )

"""A local Data API with simulated accounts, a config store, a warehouse and the live steps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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

NOW = dt.datetime(2026, 5, 4, 12, 0, 0)
TRANSCRIBE_ALL = {
    "id": "t1", "virtual_phone_numbers": None, "employee_ids": None, "employee_group_ids": None,
    "site_ids": None, "campaign_ids": None,
    "history": [{"from": "2026-01-01 00:00:00", "enabled": True}],
}  # fmt: skip
MORTGAGE = [
    {"tag": "Ипотека", "rules": [{"id": "r1", "enabled": True, "communication_types": ["call", "chat", "offline_message"],
     "site_ids": None, "speaker": "client",
     "conditions": [{"op": "contains_any", "keywords": ["ипотека"]}]}]},
]  # fmt: skip


MINUTE = dt.timedelta(minutes=1)


class HeardGroundTruth(GroundTruthRecognizer):
    """The reference dialogues, but only for a recording that decodes (as a recognizer would)."""

    requires_audio = True


class ApiClock:
    """Client sleeps pass at once and reset the server's minute budget."""

    def __init__(self, api: LocalDataApi):
        self.api, self.now, self.sleeps = api, 0.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.api.reset_minute()


class World:
    def __init__(self, root: Path):
        self.root = root
        self.api = LocalDataApi()
        self.url = self.api.start()
        self.store = ConfigStore(f"sqlite:///{root / 'config.sqlite3'}")
        self.warehouse = Warehouse(root / "warehouse")
        self.recordings = root / "recordings"
        self.dialogues = root / "ground_truth" / "call_dialogues.jsonl"
        self.now = NOW
        self.clock = ApiClock(self.api)
        self.accounts: dict[int, SimulatedAccount] = {}
        with self.store.session() as session:
            import_rule(session, TRANSCRIBE_ALL, "test")
            import_rules(session, MORTGAGE, "test", dt.datetime(2026, 1, 1))

    def account(self, account_id: int = 5, connect: bool = True) -> SimulatedAccount:
        token = f"token-{account_id}-0123456789abcdef"
        account = SimulatedAccount(self.api, account_id, token, seed=account_id,
                                   dialogues_path=self.dialogues)  # fmt: skip
        self.accounts[account_id] = account
        if connect:
            with self.store.session() as session:
                add_source(session, "comagic", account_id, token, self.url)
        return account

    def options(self, **overrides) -> PollOptions:
        values = {"now": lambda: self.now, "clock": self.clock, "backoff_seconds": 0.01,
                  "recording_backoff_seconds": 0.01, "timeout_seconds": 2.0,
                  "landing_dir": self.root / "landing"}  # fmt: skip
        values.update(overrides)
        return PollOptions(**values)

    def steps(self) -> Steps:
        return Steps(self.warehouse, self.store, HeardGroundTruth(self.dialogues),
                     self.recordings)  # fmt: skip

    def poll(self, **overrides) -> dict:
        results = run_once(self.store, self.warehouse, self.steps(), self.options(**overrides))
        return summary(results)

    def rows(self, table: str):
        if not self.warehouse.has_table(table):
            return []
        return self.warehouse.read(table).drop(columns=["date"]).to_dict("records")

    def close(self) -> None:
        self.api.stop()
        self.store.dispose()

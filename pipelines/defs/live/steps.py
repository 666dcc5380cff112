"""The per-communication steps of a live micro-batch, over the same domain functions the
nightly assets run: unified communications, the antispam policy (black list and the latest
nightly verdicts), transcription selection by the rules in force at call time, transcription,
SmartTag and autotag with system tags. Each step's rows are merged by communication id through
the live sink, so they are visible as soon as the step finishes.

Imports neither dagster nor fastapi: the ``callscope live`` command and the sensor share it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from antispam import policy
from data.communications import build_communications
from data.config.queries import site_settings_history
from data.config.store import ConfigStore
from data.live import sink
from data.live.poller import Batch
from data.notifications.sources import raise_batch
from data.settings import Settings, get_settings
from data.warehouse import Warehouse
from models.inference import COLUMNS as SMARTTAG_COLUMNS
from models.inference import TaggingStats, account_tags, tag_recognized
from models.registry import enabled_models
from speech.config import load_layouts, load_rules
from speech.daily import TABLE as TRANSCRIPTS
from speech.fanout import run_jobs
from speech.plan import plan_day, records_by_call, transcripts_frame
from speech.recognizer import Recognizer
from tagging.daily import TABLE as TAGS
from tagging.daily import tag_communications

COMMUNICATIONS = "communications"
SMARTTAGS = "smarttag_assignments"
KEY = "communication_id"


@dataclass
class Steps:
    """What a micro-batch runs with; one per poller process."""

    warehouse: Warehouse
    store: ConfigStore
    recognizer: Recognizer
    recordings_dir: Path
    workers: int = 1
    scheduler: str | None = None
    max_seconds: float = 7200.0
    notifications: bool = True  # raise notification events for what each batch wrote
    # what events are raised with (the signing secret, the public URL of recording links);
    # None: the process's settings
    notification_settings: Settings | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # time per step, summed

    def __call__(self, batch: Batch) -> int:
        return sum(self.process_day(day, batch.communication_ids(day)) for day in batch.days())

    def _timed(self, step: str, started: float) -> None:
        self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started

    def process_day(self, day: dt.date, changed_ids: set[str]) -> int:
        """Runs every step for the changed communications of ``day``; returns how many went
        through (those whose unified row is new or differs, plus ``changed_ids``)."""
        started = time.perf_counter()
        with self.store.session() as session:
            sites = site_settings_history(session)
        day_rows = _communications_of_day(self.warehouse, day, sites)
        subset = changed_communications(self.warehouse, day, day_rows, changed_ids)
        if subset.num_rows == 0:
            return 0
        sink.append(self.warehouse, COMMUNICATIONS, day, subset, KEY)
        batch = subset.to_pandas()
        calls = batch[batch["communication_type"] == "call"]
        self._timed("communications", started)
        self.antispam(day, calls)
        transcripts = self.transcribe(day, calls)
        self.smarttag(day, calls, transcripts)
        targets, assignments = self.tag(day, batch, transcripts, day_rows.to_pandas())
        self.notify(day, targets, assignments, transcripts)
        return len(batch)

    def antispam(self, day: dt.date, calls: pd.DataFrame) -> None:
        started = time.perf_counter()
        with self.store.session() as session:
            policies = policy.load_policies(session)
        columns = ["communication_id", "account_id", "contact_phone_number", "date_time"]
        columns += [c for c in ("site_is_active",) if c in calls]  # switched-off: left alone
        decisions = policy.decide(
            calls[columns].reset_index(drop=True),
            policy.verdicts_in_effect(self.warehouse, day),
            policies,
        )
        call_ids = calls[KEY].tolist()
        blocked, tags = policy.blocked_rows(decisions), policy.tag_rows(decisions)
        sink.append(self.warehouse, policy.BLOCKED_TABLE, day, blocked, KEY, replace=call_ids)
        sink.append(self.warehouse, policy.SPAM_TAGS_TABLE, day, tags, KEY, replace=call_ids)
        self._timed("antispam", started)

    def transcribe(self, day: dt.date, calls: pd.DataFrame) -> pd.DataFrame:
        started = time.perf_counter()
        with self.store.session() as session:
            rules, layouts = load_rules(session), load_layouts(session)
        plan = plan_day(
            calls, rules, layouts, str(self.recordings_dir), records_by_call(calls),
            max_seconds=self.max_seconds,
        )  # fmt: skip
        rows = run_jobs(plan.jobs, self.recognizer, workers=self.workers, scheduler=self.scheduler)
        frame = transcripts_frame([*plan.rows, *rows])
        sink.append(self.warehouse, TRANSCRIPTS, day, frame, KEY, replace=calls[KEY].tolist())
        self._timed("transcription", started)
        return frame

    def smarttag(self, day: dt.date, calls: pd.DataFrame, transcripts: pd.DataFrame) -> None:
        started = time.perf_counter()
        with self.store.session() as session:
            models = enabled_models(session)
            tags = account_tags(session, models)
        ok = transcripts[transcripts["status"] == "ok"][[KEY, "turns", "prosody"]]
        active = calls[calls["site_is_active"].ne(False)]  # as nightly: a site switched off
        recognized = active[[KEY, "communication_type", "account_id"]].merge(ok, on=KEY)
        frame = (
            tag_recognized(recognized, models, tags, TaggingStats())
            if models and not recognized.empty
            else pd.DataFrame(columns=SMARTTAG_COLUMNS)
        )
        sink.append(
            self.warehouse,
            SMARTTAGS,
            day,
            frame[SMARTTAG_COLUMNS],
            KEY,
            replace=calls[KEY].tolist(),
        )
        self._timed("smarttag", started)

    def tag(self, day, batch, transcripts, day_rows: pd.DataFrame):
        started = time.perf_counter()
        # a new communication can make a later one of the same contact a repeat contact
        targets = _with_same_contacts(batch, day_rows)
        stored = (
            self.warehouse.read(
                TRANSCRIPTS, day, day, where=f"{KEY} IN ({_sql_list(targets[KEY])})"
            )
            if len(targets) > len(batch)
            else transcripts
        )
        result = tag_communications(
            self.store, day, targets, stored, _spam_tags_of(self.warehouse, day)
        )
        sink.append(self.warehouse, TAGS, day, result.assignments, KEY,
                    replace=targets[KEY].tolist())  # fmt: skip
        self._timed("tagging", started)
        return targets, result.assignments

    def notify(self, day, communications, assignments, transcripts) -> None:
        """Raises the written communications' notification events (once per communication and
        event: a re-poll or the nightly run raises the same keys again, which adds nothing)."""
        if not self.notifications:
            return
        started = time.perf_counter()
        raise_batch(
            self.store, self.notification_settings or get_settings(), self.warehouse, day,
            communications, assignments,
            transcripts,
        )  # fmt: skip
        self._timed("notifications", started)


def _communications_of_day(warehouse: Warehouse, day: dt.date, sites: pd.DataFrame) -> pa.Table:
    return build_communications(warehouse, day, sites)


def changed_communications(
    warehouse: Warehouse, day: dt.date, rows: pa.Table, changed_ids: set[str]
) -> pa.Table:
    """The day's unified rows that are in ``changed_ids`` or differ from the stored ones (a
    late call can change a later call's primary or repeat flag)."""
    if rows.num_rows == 0:
        return rows
    files = warehouse.day_files(COMMUNICATIONS, [day])
    con = duckdb.connect(":memory:")
    try:
        con.register("fresh", rows)
        con.register("changed_ids", pa.table({KEY: pa.array(sorted(changed_ids), pa.string())}))
        if not files:
            return con.execute("SELECT * FROM fresh").arrow().read_all()
        old = warehouse.scan(COMMUNICATIONS, files)
        columns = [c for c in rows.column_names if c != KEY]
        new_row = ", ".join(f'n."{c}"' for c in columns)
        old_row = ", ".join(f'o."{c}"' for c in columns)
        table = con.execute(
            f"""SELECT n.* FROM fresh n LEFT JOIN {old} o USING ({KEY})
                WHERE o.{KEY} IS NULL OR n.{KEY} IN (SELECT {KEY} FROM changed_ids)
                   OR ({new_row}) IS DISTINCT FROM ({old_row})"""
        ).arrow()
        return table if isinstance(table, pa.Table) else table.read_all()
    finally:
        con.close()


def _contact_keys(frame: pd.DataFrame) -> pd.Series:
    visitor = frame["visitor_id"].astype("string")
    return visitor.fillna(frame["contact_phone_number"].astype("string"))


def _with_same_contacts(batch: pd.DataFrame, day_rows: pd.DataFrame) -> pd.DataFrame:
    """The batch plus the day's later communications of the same contacts and type."""
    if day_rows.empty:
        return batch
    keys = set(_contact_keys(batch).dropna())
    later = day_rows[_contact_keys(day_rows).isin(keys) & ~day_rows[KEY].isin(set(batch[KEY]))]
    if later.empty:
        return batch
    return pd.concat([batch, later[batch.columns]], ignore_index=True)


def _spam_tags_of(warehouse: Warehouse, day: dt.date) -> pd.DataFrame | None:
    from tagging.system_tags import load_spam_tags

    return load_spam_tags(warehouse, day)


def _sql_list(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) or "NULL"

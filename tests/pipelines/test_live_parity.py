"""A day processed live, in several micro-batches, gives the same rows as the nightly run."""

import datetime as dt
import json

import pandas as pd
import pytest

from antispam import nightly, policy
from antispam.lists import add_to_list, set_switches
from antispam.scoring import VERDICT_SCHEMA, VERDICT_TABLE
from data.communications import build_communications
from data.config.queries import known_site_ids, sites_frame
from data.ingest.landing import ingest_day
from data.warehouse import Warehouse
from models.inference import smarttag_day
from speech.daily import SpeechRun, transcribe_day
from tagging.daily import tag_partition
from tests.data.live_world import HeardGroundTruth, World

TABLES = [
    "calls", "chats", "offline_messages", "communications", "transcripts", "blocked_calls",
    "spam_tag_assignments", "tag_assignments", "smarttag_assignments",
]  # fmt: skip
KEYS = {"calls": "id", "chats": "id", "offline_messages": "id"}
SPAMMER, BLACK = "79160000001", "79160000002"


def _verdicts(warehouse: Warehouse, day: dt.date) -> None:
    row = {name: [None] for name in VERDICT_SCHEMA.names}
    row.update(number=[SPAMMER], score=[0.97], is_spam=[True],
               reasons=[json.dumps(["many short calls"])], model_version=["rules-1"])  # fmt: skip
    warehouse.write_partition(VERDICT_TABLE, day, pd.DataFrame(row).astype({"score": float}))


def _canonical(frame: pd.DataFrame, key: str) -> list[str]:
    frame = frame.drop(columns=["date"], errors="ignore")
    frame = frame[sorted(frame.columns)]
    rows = [json.dumps(r, sort_keys=True, default=str) for r in frame.to_dict("records")]
    return sorted(rows)


@pytest.mark.slow
def test_live_micro_batches_equal_the_nightly_day(tmp_path):
    world = World(tmp_path)
    try:
        account = world.account()
        day = world.now.date()
        with world.store.session() as session:
            set_switches(session, 5, "test", tag=True, block=False)
            add_to_list(session, 5, "black", BLACK, "test", at=dt.datetime(2026, 1, 1))
        _verdicts(world.warehouse, day - dt.timedelta(days=1))
        start = dt.datetime.combine(day, dt.time(9))
        world.now = start
        batches = 3
        for batch in range(batches):
            for i in range(4):
                at = world.now + dt.timedelta(minutes=5 * i + 1)
                contact = (
                    SPAMMER if (batch, i) == (0, 1) else BLACK if (batch, i) == (1, 2) else None
                )
                account.call(at, lost=(i == 3), contact=contact)
            account.chat(world.now + dt.timedelta(minutes=7))
            account.lead(world.now + dt.timedelta(minutes=8))
            if batch == 2:  # a late row: an earlier call of a returning visitor
                first = account.account.calls[0]
                repeat = dict(account.call(world.now + dt.timedelta(minutes=9)),
                              visitor_id=first["visitor_id"])  # fmt: skip
                account.account.upsert("calls", repeat)
            world.now += dt.timedelta(minutes=30)
            result = world.poll()
            assert result["errors"] == 0
            assert result["processed"] > 0

        nightly_wh = Warehouse(tmp_path / "nightly")
        _verdicts(nightly_wh, day - dt.timedelta(days=1))
        landing = tmp_path / "landing"
        with world.store.session() as session:
            sites = known_site_ids(session)
            frame = sites_frame(session)
            policies = policy.load_policies(session)
        # the nightly run reads what the poller landed: the live rows, merged by id, last wins
        for table in ("calls", "chats", "offline_messages"):
            result = ingest_day(nightly_wh, landing, table, day, sites)
            assert result.reconciles
            assert result.files >= batches
        nightly_wh.write_partition(
            "communications", day, build_communications(nightly_wh, day, frame)
        )
        nightly.apply_policy_day(nightly_wh, policies, day)
        run = SpeechRun(
            recognizer=HeardGroundTruth(world.dialogues), recordings_dir=world.recordings
        )
        nightly_wh.write_partition(
            "transcripts", day, transcribe_day(nightly_wh, world.store, day, run).frame
        )
        nightly_wh.write_partition(
            "smarttag_assignments", day, smarttag_day(nightly_wh, world.store, day)[0]
        )
        tag_partition(nightly_wh, world.store, day)

        checked = {}
        for table in TABLES:
            live_rows = world.warehouse.read(table, day, day)
            nightly_rows = nightly_wh.read(table, day, day)
            key = KEYS.get(table, "communication_id")
            assert _canonical(live_rows, key) == _canonical(nightly_rows, key), table
            checked[table] = len(nightly_rows)

        # the nightly upkeep compacts the live day's micro-batch files: the same rows, one file
        def files(table):
            snap = world.warehouse.snapshot(table)
            return len(snap.days.get(day, ())) if snap else 0

        assert files("calls") >= batches
        assert files("tag_assignments") >= batches
        for table in TABLES:
            world.warehouse.compact(table, day)
            assert files(table) <= 1, table
            key = KEYS.get(table, "communication_id")
            assert _canonical(world.warehouse.read(table, day, day), key) == _canonical(
                nightly_wh.read(table, day, day), key
            ), table
        assert checked["calls"] == 13
        assert checked["communications"] == 19
        assert checked["spam_tag_assignments"] == 2
        assert checked["blocked_calls"] == 1
        tags = set(nightly_wh.read("tag_assignments", day, day)["tag"])
        assert {"Ипотека", "Потерянный", "спам"} <= tags
        assert (world.warehouse.read("transcripts", day, day)["status"] == "ok").sum() >= 9
    finally:
        world.close()
